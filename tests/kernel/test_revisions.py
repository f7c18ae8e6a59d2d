"""Key-field revisions: applied at once, or kept for a manager when the project asks; checked first; decided once."""
import pytest

from kernel import customers, revisions
from kernel.errors import (
    ChangeRequestDecided,
    ChangeRequestPending,
    DuplicatePhone,
    InvalidCustomerData,
    InvalidPhone,
    NothingToChange,
    NotPermitted,
)
from kernel.models import ChangeStatus, Customer, CustomerChangeRequest

from .conftest import NOW, make_user


@pytest.fixture
def manager(project):
    return make_user("boss", project, "sales_manager")


@pytest.fixture
def approval(project):
    project.settings = {**project.settings, "customer_changes_need_approval": True}
    project.save()
    return project


def ask(project, customer, user, **changes):
    return revisions.request_change(project_id=project.pk, customer_id=customer.pk, by_user_id=user.pk,
                                    changes=changes, reason="身份证上的名字", now=NOW)


def test_without_approval_a_change_is_applied_at_once_and_kept_in_the_history(project, wang, zhang):
    outcome = ask(project, zhang, wang, name="张伟明", phone="139 1234 5678", id_number="11010519491231002X")

    zhang.refresh_from_db()
    assert outcome.applied and outcome.request is None
    assert (zhang.name, zhang.phone, zhang.extra["id_number"]) == ("张伟明", "+8613912345678", "11010519491231002X")
    assert not CustomerChangeRequest.objects.exists()
    assert zhang.history.latest("history_id").history_user_id == wang.pk


def test_with_approval_a_consultants_change_waits_for_a_manager(approval, wang, zhang):
    outcome = ask(approval, zhang, wang, phone="13912345678", name="张伟")  # the name is as it is: dropped

    zhang.refresh_from_db()
    assert not outcome.applied
    assert (zhang.phone, outcome.request.changes, outcome.request.status, outcome.request.requested_by_id) == (
        "+8613812341234", {"phone": "+8613912345678"}, ChangeStatus.PENDING, wang.pk)


def test_a_manager_changes_at_once_even_when_the_project_asks_for_approval(approval, manager, zhang):
    outcome = ask(approval, zhang, manager, name="张伟明")

    assert outcome.applied
    assert Customer.objects.get(pk=zhang.pk).name == "张伟明"


def test_values_are_checked_when_asked_for(approval, project, wang, zhang):
    customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13700001111", now=NOW)

    with pytest.raises(InvalidPhone):
        ask(approval, zhang, wang, phone="12")
    with pytest.raises(DuplicatePhone) as duplicate:
        ask(approval, zhang, wang, phone="13700001111")
    with pytest.raises(InvalidCustomerData) as wrong_id:
        ask(approval, zhang, wang, id_number="110105194912310021")  # the check digit is X
    with pytest.raises(NothingToChange):
        ask(approval, zhang, wang, name=" 张伟 ")

    assert "137****1111" in duplicate.value.message_zh
    assert "证件号码" in wrong_id.value.message_zh
    assert not CustomerChangeRequest.objects.exists()


def test_one_pending_change_per_customer(approval, wang, zhang):
    ask(approval, zhang, wang, name="张伟明")

    with pytest.raises(ChangeRequestPending) as refused:
        ask(approval, zhang, wang, name="张大伟")

    assert refused.value.message_zh == "张伟 已有一项资料变更在等待经理审批，请待其处理后再提交"


def test_approval_applies_the_change_and_a_second_decision_is_refused(approval, wang, manager, zhang):
    request = ask(approval, zhang, wang, phone="13912345678", id_number="11010519491231002X").request

    decided = revisions.decide_change(request.pk, by_user_id=manager.pk, approve=True, note="核对过证件", now=NOW)

    zhang.refresh_from_db()
    assert (zhang.phone, zhang.extra["id_number"]) == ("+8613912345678", "11010519491231002X")
    assert (decided.status, decided.decided_by_id, decided.decided_at, decided.decision_note) == (
        ChangeStatus.APPROVED, manager.pk, NOW, "核对过证件")
    with pytest.raises(ChangeRequestDecided) as again:
        revisions.decide_change(request.pk, by_user_id=manager.pk, approve=False, now=NOW)
    assert again.value.message_zh == "张伟 的这项资料变更已批准"


def test_rejection_changes_nothing(approval, wang, manager, zhang):
    request = ask(approval, zhang, wang, name="张伟明").request

    revisions.decide_change(request.pk, by_user_id=manager.pk, approve=False, note="证件不符", now=NOW)

    assert Customer.objects.get(pk=zhang.pk).name == "张伟"
    assert CustomerChangeRequest.objects.get().status == ChangeStatus.REJECTED


def test_only_a_manager_decides(approval, wang, zhang):
    request = ask(approval, zhang, wang, name="张伟明").request

    with pytest.raises(NotPermitted):
        revisions.decide_change(request.pk, by_user_id=wang.pk, approve=True, now=NOW)

    assert CustomerChangeRequest.objects.get().status == ChangeStatus.PENDING


def test_a_stranger_to_the_customers_projects_may_not_ask(project, zhang):
    from kernel.models import Project
    other = Project.objects.create(code="K9", name="Elsewhere")
    stranger = make_user("stranger", other, "sales_consultant")

    with pytest.raises(NotPermitted):
        ask(other, zhang, stranger, name="张伟明")

"""Protection 防撞单: a consultant's customer is theirs in a project for protection_days."""
from datetime import timedelta

import pytest

from kernel import customers
from kernel.errors import CustomerProtected, NotPermitted
from kernel.models import CustomerRegistration, Project

from .conftest import NOW, make_user


@pytest.fixture
def li(project):
    return make_user("li", project, "sales_consultant")


def test_registration_protects_the_customer_for_the_projects_protection_days(project, zhang):
    registration = CustomerRegistration.objects.get(project=project, customer=zhang)

    assert registration.protected_until == NOW + timedelta(days=30)


def test_another_consultant_cannot_take_a_protected_customer(project, zhang, li):
    # when
    with pytest.raises(CustomerProtected) as caught:
        customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=li.pk,
                        now=NOW + timedelta(days=29))

    # then
    assert caught.value.message_en == (
        "customer 张伟 is protected for Wang in K1 until 2026-05-31 10:00 (Asia/Shanghai): ask Wang or a sales manager")
    assert caught.value.message_zh == "客户 张伟 在 K1 由 Wang 保护至 2026年5月31日 10:00（北京时间），请联系Wang或销售经理"
    assert CustomerRegistration.objects.get(project=project, customer=zhang).consultant.username == "wang"


def test_a_consultant_who_may_not_serve_a_protected_customer_is_told_before_starting_a_deal(project, zhang, li, wang):
    from kernel.protection import ensure_may_act

    ensure_may_act(project_id=project.pk, customer_id=zhang.pk, user_id=wang.pk, now=NOW)

    with pytest.raises(CustomerProtected):
        ensure_may_act(project_id=project.pk, customer_id=zhang.pk, user_id=li.pk, now=NOW)


def test_after_the_protection_ends_another_consultant_may_claim_the_customer(project, zhang, li):
    # when
    later = NOW + timedelta(days=30, seconds=1)
    registration = customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=li.pk, now=later)

    # then
    assert (registration.consultant_id, registration.registered_at, registration.protected_until) == (
        li.pk, later, later + timedelta(days=30))


def test_protection_is_per_project(project, zhang, li):
    other = Project.objects.create(code="K2", name="Other", settings={"protection_days": 7})

    registration = customers.claim(project_id=other.pk, customer_id=zhang.pk, consultant_id=li.pk, now=NOW)

    assert (registration.consultant_id, registration.protected_until) == (li.pk, NOW + timedelta(days=7))


def test_a_sales_manager_may_reassign_a_protected_customer(project, zhang, wang, li):
    # given
    manager = make_user("boss", project, "sales_manager")

    # when
    later = NOW + timedelta(days=3)
    registration = customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk,
                                      by_user_id=manager.pk, now=later, note="Wang left the team")

    # then
    assert (registration.consultant_id, registration.reassigned_by_id, registration.protected_until,
            registration.note) == (li.pk, manager.pk, later + timedelta(days=30), "Wang left the team")
    assert [(h.consultant_id, h.history_user_id, h.history_date)
            for h in registration.history.order_by("history_id")] == [(wang.pk, wang.pk, NOW), (li.pk, manager.pk, later)]


def test_a_consultant_cannot_reassign(project, zhang, li):
    with pytest.raises(NotPermitted) as caught:
        customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk, by_user_id=li.pk,
                           now=NOW)

    assert caught.value.message_en == (
        "reassigning a customer needs one of these roles in K1: Project admin, Project director, Sales manager")
    assert caught.value.message_zh == "变更客户归属需要在 K1 担任以下角色之一：项目管理员、案场经理/项目总监、销售经理"
    assert CustomerRegistration.objects.get(project=project, customer=zhang).consultant_id != li.pk


def test_a_manager_of_another_project_cannot_reassign_here(project, zhang, li):
    other = Project.objects.create(code="K2", name="Other")
    manager = make_user("boss", other, "sales_manager")

    with pytest.raises(NotPermitted):
        customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk,
                           by_user_id=manager.pk, now=NOW)


def test_claiming_ones_own_customer_again_changes_nothing(project, zhang, wang):
    registration = customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=wang.pk,
                                   now=NOW + timedelta(days=10))

    assert (registration.registered_at, registration.protected_until) == (NOW, NOW + timedelta(days=30))


def test_a_refused_claim_reads_the_customer_and_the_locked_registration_and_nothing_more(project, zhang, li):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured, pytest.raises(CustomerProtected) as caught:
        customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=li.pk, now=NOW)

    reads = [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the customer; the registration with its project and consultant
    assert "Wang" in caught.value.message_en

"""Protection periods run out and are released once; claims after it; reassignment needs a reason; history in words."""
from datetime import timedelta

import pytest
from django.utils import translation

from kernel import customers
from kernel.errors import CustomerProtected, ReassignReasonRequired
from kernel.models import CustomerRegistration
from kernel.protection import ensure_may_act
from kernel.protection_history import protection_history
from kernel.protection_release import release_expired_protections

from .conftest import NOW, make_user
from .parallel import needs_postgresql, race


@pytest.fixture
def li(project):
    return make_user("li", project, "sales_consultant")


@pytest.fixture
def boss(project):
    return make_user("boss", project, "sales_manager")


def _registration(project, customer):
    return CustomerRegistration.objects.get(project=project, customer=customer)


def test_a_protection_that_ran_out_is_released_once_with_a_history_row_of_nobody(project, zhang):
    assert release_expired_protections(now=NOW + timedelta(days=29)) == 0
    assert _registration(project, zhang).released_at is None

    later = NOW + timedelta(days=30, minutes=3)
    assert release_expired_protections(now=later) == 1
    assert release_expired_protections(now=later + timedelta(minutes=5)) == 0

    registration = _registration(project, zhang)
    assert registration.released_at == later
    rows = list(registration.history.order_by("history_id"))
    assert len(rows) == 2
    assert (rows[-1].history_user_id, rows[-1].history_date, rows[-1].note) == (None, later, "protection expired")


def test_only_expired_protections_are_released(project, zhang, li):
    other = customers.register(project_id=project.pk, consultant_id=li.pk, name="李雷", phone="13812345678",
                               now=NOW + timedelta(days=10)).customer

    assert release_expired_protections(now=NOW + timedelta(days=31)) == 1

    assert _registration(project, zhang).released_at is not None
    assert _registration(project, other).released_at is None


def test_after_the_release_a_colleague_claims_with_a_fresh_period(project, zhang, li):
    release_expired_protections(now=NOW + timedelta(days=31))

    claimed = customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=li.pk,
                              now=NOW + timedelta(days=32))

    assert (claimed.consultant_id, claimed.released_at) == (li.pk, None)
    assert claimed.protected_until == NOW + timedelta(days=62)
    # the new protection binds the first consultant now
    wang = zhang.registrations.get().history.earliest("history_id").consultant
    with pytest.raises(CustomerProtected):
        ensure_may_act(project_id=project.pk, customer_id=zhang.pk, user_id=wang.pk, now=NOW + timedelta(days=33))
    # and is released again when it runs out
    assert release_expired_protections(now=NOW + timedelta(days=63)) == 1


def test_a_manager_must_give_a_reason_to_reassign(project, zhang, li, boss):
    for blank in ("", "   "):
        with pytest.raises(ReassignReasonRequired) as caught:
            customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk,
                               by_user_id=boss.pk, now=NOW, note=blank)
    assert caught.value.message_en == "say why 张伟 is reassigned: a reason is required"
    assert caught.value.message_zh == "请填写变更 张伟 归属的原因（必填）"
    assert caught.value.params["field"] == "note"
    assert _registration(project, zhang).consultant.username == "wang"


def test_a_reassignment_clears_a_release_and_keeps_its_reason(project, zhang, li, boss):
    release_expired_protections(now=NOW + timedelta(days=31))

    customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk, by_user_id=boss.pk,
                       now=NOW + timedelta(days=40), note="王离职，交给李")

    registration = _registration(project, zhang)
    assert (registration.consultant_id, registration.released_at, registration.note) == (li.pk, None, "王离职，交给李")
    assert registration.history.latest("history_id").note == "王离职，交给李"


def test_the_protection_history_in_words(project, zhang, li, boss):
    release_expired_protections(now=NOW + timedelta(days=30, minutes=1))
    customers.claim(project_id=project.pk, customer_id=zhang.pk, consultant_id=li.pk, now=NOW + timedelta(days=31))
    customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=zhang.registrations.get()
                       .history.earliest("history_id").consultant_id, by_user_id=boss.pk,
                       now=NOW + timedelta(days=35), note="客户要求")
    customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk, by_user_id=boss.pk,
                       now=NOW + timedelta(days=36), note="客户要求")
    customers.reassign(project_id=project.pk, customer_id=zhang.pk, to_consultant_id=li.pk, by_user_id=boss.pk,
                       now=NOW + timedelta(days=37), note="延长保护")

    with translation.override("en"):
        events = protection_history(zhang.pk, [project.pk])
    with translation.override("zh-hans"):
        zh = [e["text"] for e in protection_history(zhang.pk, [project.pk])]

    assert [e["kind"] for e in events] == ["registered", "released", "claimed", "reassigned", "reassigned", "renewed"]
    assert [e["text"] for e in events] == [
        "2026-05-01 10:00 (Asia/Shanghai): registered to Wang in K1, protected until 2026-05-31 10:00",
        "2026-05-31 10:01 (Asia/Shanghai): Wang's protection in K1 ran out and was released",
        "2026-06-01 10:00 (Asia/Shanghai): claimed by Li in K1 after Wang's protection ended, protected until 2026-07-01 10:00",
        "2026-06-05 10:00 (Asia/Shanghai): reassigned from Li to Wang in K1 by Boss, protected until 2026-07-05 10:00 "
        "(reason: 客户要求)",
        "2026-06-06 10:00 (Asia/Shanghai): reassigned from Wang to Li in K1 by Boss, protected until 2026-07-06 10:00 "
        "(reason: 客户要求)",
        "2026-06-07 10:00 (Asia/Shanghai): Boss renewed Li's protection in K1 until 2026-07-07 10:00 (reason: 延长保护)",
    ]
    assert zh[0] == "2026年5月1日 10:00（北京时间）：在 K1 登记给 Wang，保护至 2026年5月31日 10:00"
    assert zh[1] == "2026年5月31日 10:01（北京时间）：Wang 在 K1 的保护期已到，已释放"
    assert zh[3] == ("2026年6月5日 10:00（北京时间）：Boss 在 K1 将客户由 Li 改派给 Wang，"
                     "保护至 2026年7月5日 10:00（原因：客户要求）")
    assert (events[3]["by"], events[3]["previous"], events[3]["reason"]) == ("Boss", "Li", "客户要求")
    assert events[1]["by"] is None


def test_a_follow_up_change_of_the_registration_is_not_a_protection_event(project, zhang):
    registration = _registration(project, zhang)
    registration.stage = "50"
    registration.save()

    assert [e["kind"] for e in protection_history(zhang.pk, [project.pk])] == ["registered"]
    assert protection_history(zhang.pk, []) == []


@pytest.mark.django_db(transaction=True)
def test_two_release_runs_at_once_release_each_registration_once(project):
    # given: 30 protections that ran out
    needs_postgresql()
    consultant = make_user("wang", project, "sales_consultant")
    for i in range(30):
        customers.register(project_id=project.pk, consultant_id=consultant.pk, name=f"客户{i}",
                           phone=f"1381234{i:04d}", now=NOW)
    later = NOW + timedelta(days=31)

    def run(worker: int):
        return release_expired_protections(now=later + timedelta(seconds=worker))

    # when: four consumers run the job at the same moment
    results = race(4, run)

    # then
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    history = CustomerRegistration.history.filter(note="protection expired")
    assert history.count() == 30
    assert history.values("id").distinct().count() == 30


def test_the_release_is_a_huey_job_every_five_minutes_that_run_huey_discovers(project, zhang):
    from datetime import datetime

    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")  # what run_huey does at start

    due = {task.name for task in HUEY.read_periodic(datetime(2026, 6, 1, 10, 5))}  # the task module is kernel.tasks
    assert "release_expired_protections_every_five_minutes" in due
    assert "release_expired_protections_every_five_minutes" not in {
        task.name for task in HUEY.read_periodic(datetime(2026, 6, 1, 10, 6))}

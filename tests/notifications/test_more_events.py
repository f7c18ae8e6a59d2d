"""More events: an approval decided, a reservation about to expire, follow-ups due today."""
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from engine import versions
from engine.models import Task
from engine.runtime import approvals, records, transitions
from kernel.zones import zone_name
from notifications.models import Kind, Notification
from notifications.tasks import notify_now
from notifications.words import title

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


@pytest.fixture
def published(engine_flows, people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for name in ("consultant", "director", "fin", "manager"):
        people[name].email = f"{name}@example.com"
        people[name].save(update_fields=["email"])
    versions.publish(people["p1"], "discount")
    return people


def _submitted(p):
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    return record


def _slot(record, role):
    return next(t for t in Task.objects.filter(record=record, status="open", kind="approval") if role in t.roles)


def _decided():
    return list(Notification.objects.filter(kind=Kind.APPROVAL_DECIDED)
                .values_list("recipient__username", "params__decision"))


def test_an_approval_approved_tells_who_started_the_record_once_with_the_outcome(published):
    p = published
    record = _submitted(p)
    approvals.vote(p["director"], _slot(record, "project_director").pk, "approve")
    notify_now(record.pk)
    assert _decided() == []  # one slot still waits: nothing is decided yet
    approvals.vote(p["fin"], _slot(record, "finance").pk, "approve")
    mail.outbox.clear()

    notify_now(record.pk)
    notify_now(record.pk)

    assert _decided() == [("consultant", "approve")]
    decided = Notification.objects.get(kind=Kind.APPROVAL_DECIDED)
    assert decided.link == f"/records/{record.pk}/"
    with translation.override("en"):
        assert title(decided.kind, decided.params) == f"“countersign” of {record.reference} was approved"
    with translation.override("zh-hans"):
        assert title(decided.kind, decided.params) == f"{record.reference} 的“countersign”已通过"
    assert [m.to for m in mail.outbox if "approved" in m.subject or "通过" in m.subject] == [["consultant@example.com"]]


def test_an_approval_rejected_tells_who_started_the_record_that_it_was_rejected(published):
    p = published
    record = _submitted(p)
    approvals.vote(p["director"], _slot(record, "project_director").pk, "reject", "价格太低")

    notify_now(record.pk)
    notify_now(record.pk)

    assert _decided() == [("consultant", "reject")]
    decided = Notification.objects.get(kind=Kind.APPROVAL_DECIDED)
    assert decided.params["comment"] == "价格太低"
    with translation.override("zh-hans"):
        assert title(decided.kind, decided.params) == f"{record.reference} 的“countersign”已驳回"
    # nobody else learns of the outcome
    assert Notification.objects.filter(kind=Kind.APPROVAL_DECIDED).exclude(recipient=p["consultant"]).count() == 0


def test_who_decides_the_approval_of_their_own_record_is_not_told(published):
    p = published
    record = _submitted(p)
    record.created_by = p["director"]
    record.save(update_fields=["created_by"])
    approvals.vote(p["director"], _slot(record, "project_director").pk, "reject")

    notify_now(record.pk)

    assert _decided() == []


def test_the_deciding_vote_enqueues_the_job_and_a_plain_vote_does_not(published, django_capture_on_commit_callbacks):
    p = published
    record = _submitted(p)
    # the test's transaction never commits: drop the hooks of the steps before, as their commits would
    transaction.get_connection().run_on_commit.clear()
    with django_capture_on_commit_callbacks() as waiting:
        approvals.vote(p["director"], _slot(record, "project_director").pk, "approve")
    assert [h.notify_record for h in waiting if hasattr(h, "notify_record")] == []
    with django_capture_on_commit_callbacks(execute=True) as deciding:
        approvals.vote(p["fin"], _slot(record, "finance").pk, "approve")
    assert [h.notify_record for h in deciding if hasattr(h, "notify_record")] == [record.pk]
    assert _decided() == [("consultant", "approve")]


def test_a_rolled_back_decision_tells_nobody(published, django_capture_on_commit_callbacks):
    p = published
    record = _submitted(p)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                approvals.vote(p["director"], _slot(record, "project_director").pk, "reject")
                raise RuntimeError("the step fails after the vote")
    notify_now(record.pk)
    assert _decided() == []


# --- a reservation about to expire -------------------------------------------------------------

def _ready(p):
    """A record whose hold timer runs (the test flow's `ready` lapses after 3 days, as a reservation's hold)."""
    record = _submitted(p)
    approvals.vote(p["director"], _slot(record, "project_director").pk, "approve")
    approvals.vote(p["fin"], _slot(record, "finance").pk, "approve")
    return record


@pytest.fixture
def holds(published, settings):
    settings.NOTIFICATION_EXPIRING_FLOWS = ("discount",)
    settings.NOTIFICATION_EXPIRY_LEAD_HOURS = 24
    return published


def test_a_hold_entering_the_lead_time_tells_its_consultant_once_however_often_the_sweep_runs(holds):
    from engine.models import Timer
    from notifications.tasks import remind_expiring_now

    p = holds
    record = _ready(p)
    timer = Timer.objects.get(record=record, status="pending", kind="fire")
    mail.outbox.clear()

    assert remind_expiring_now(timer.due_at - timedelta(hours=30)) == []  # not yet within 24 hours
    assert not Notification.objects.filter(kind=Kind.RESERVATION_EXPIRING).exists()
    remind_expiring_now(timer.due_at - timedelta(hours=10))
    remind_expiring_now(timer.due_at - timedelta(hours=9))

    told = Notification.objects.get(kind=Kind.RESERVATION_EXPIRING)
    assert told.recipient == p["consultant"] and told.record_id == record.pk
    assert told.event_key == f"timer:{timer.pk}:expiring"
    assert [m.to for m in mail.outbox] == [["consultant@example.com"]]
    local = timer.due_at.astimezone(p["p1"].zone)
    with translation.override("zh-hans"):
        assert title(told.kind, told.params) == (
            f"小订 {record.reference} 将于 {local.year}年{local.month}月{local.day}日 {local:%H:%M}"
            f"（{zone_name(p['p1'].zone, 'zh')}）到期")
    with translation.override("en"):
        assert title(told.kind, told.params).startswith(f"Reservation {record.reference} expires at {local:%Y-%m-%d}")


def test_a_hold_of_another_flow_or_already_ended_tells_nobody(holds, settings):
    from engine.models import Timer
    from notifications.tasks import remind_expiring_now

    p = holds
    record = _ready(p)
    timer = Timer.objects.get(record=record, status="pending", kind="fire")
    settings.NOTIFICATION_EXPIRING_FLOWS = ("reservation",)
    remind_expiring_now(timer.due_at - timedelta(hours=1))
    settings.NOTIFICATION_EXPIRING_FLOWS = ("discount",)
    remind_expiring_now(timer.due_at + timedelta(minutes=1))  # past: the timer's own step tells what happened
    assert not Notification.objects.filter(kind=Kind.RESERVATION_EXPIRING).exists()


# --- follow-ups due today ------------------------------------------------------------------------

def _registered(p, consultant, n, on):
    from kernel.models import Customer, CustomerRegistration

    for i in range(n):
        customer = Customer.objects.create(name=f"客户{consultant.username}{i}", phone=f"+86139{consultant.pk:04d}{i:04d}")
        CustomerRegistration.objects.create(project=p["p1"], customer=customer, consultant=consultant,
                                            registered_at=timezone.now(), protected_until=timezone.now()
                                            + timedelta(days=30), next_follow_up_on=on)


def test_each_consultant_hears_of_todays_follow_ups_once_in_the_projects_morning(people):
    from datetime import datetime

    from notifications.tasks import remind_follow_ups_now

    p = people
    zone = p["p1"].zone
    morning = datetime(2026, 12, 3, 8, 2, tzinfo=zone)
    today = morning.date()
    _registered(p, p["consultant"], 2, today)
    _registered(p, p["consultant2"], 1, today + timedelta(days=1))  # tomorrow: not today's

    remind_follow_ups_now(morning - timedelta(hours=1))  # 07:02: not yet
    assert not Notification.objects.filter(kind=Kind.FOLLOW_UPS_DUE).exists()
    remind_follow_ups_now(morning)
    remind_follow_ups_now(morning)  # a second consumer, or the job run twice
    remind_follow_ups_now(morning + timedelta(days=1, hours=2))  # another hour of another day: not the morning

    told = Notification.objects.get(kind=Kind.FOLLOW_UPS_DUE)
    assert told.recipient == p["consultant"] and told.record_id is None
    assert told.event_key == f"follow-ups:{p['p1'].pk}:{today.isoformat()}"
    assert told.link == reverse("web:customer-list", args=[p["p1"].code])
    with translation.override("zh-hans"):
        assert title(told.kind, told.params) == f"{p['p1'].name} 今日待跟进 2 位客户"
    with translation.override("en"):
        assert title(told.kind, told.params) == f"2 follow-ups due today in {p['p1'].name}"
    assert not mail.outbox  # the bell only, by default


def test_the_list_of_notifications_shows_a_reminder_without_a_record(client, people):
    from datetime import datetime

    from notifications.tasks import remind_follow_ups_now

    p = people
    morning = datetime(2026, 12, 3, 8, 2, tzinfo=p["p1"].zone)
    _registered(p, p["consultant"], 1, morning.date())
    remind_follow_ups_now(morning)
    client.force_login(p["consultant"])

    page = client.get(reverse("web:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"1 follow-up due today in {p['p1'].name}" in page


def test_the_settings_page_offers_the_new_kinds_in_both_languages(client, people):
    client.force_login(people["consultant"])
    url = reverse("web:notification-settings")

    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for words in ("我的记录审批有了结果", "我的小订即将到期", "我的今日待跟进"):
        assert words in zh
    for words in ("approval of my record decided", "my reservation about to expire", "my follow-ups due today"):
        assert words in en.lower()
    # the defaults ticked: an email of a decision and of a hold ending; the bell only for the morning count
    assert 'name="email__approval_decided" id="id_email__approval_decided" checked>' in en
    assert 'name="email__reservation_expiring" id="id_email__reservation_expiring" checked>' in en
    assert 'name="email__follow_ups_due" id="id_email__follow_ups_due">' in en

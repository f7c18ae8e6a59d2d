"""More events: an approval decided, a reservation about to expire, follow-ups due today."""
import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from engine import versions
from engine.models import Task
from engine.runtime import approvals, records, transitions
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

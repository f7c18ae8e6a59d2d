"""Notifications of work: each event notifies the right person once, however often the job runs."""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from engine import versions
from engine.models import Task
from engine.runtime import EngineError, moves, records, tasks, transitions
from engine.runtime.timers import fire_due_timers
from notifications.models import Delivery, Kind, Notification
from notifications.tasks import notify_now

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


@pytest.fixture
def published(engine_flows, people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for name in ("consultant", "consultant2", "director", "fin", "fin2", "manager", "outsider"):
        people[name].email = f"{name}@example.com"
        people[name].save(update_fields=["email"])
    versions.publish(people["p1"], "discount")
    return people


def _submitted(p):
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    return record


def _who(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_an_approval_is_offered_to_each_holder_of_its_roles_once_even_when_the_job_runs_twice(published):
    record = _submitted(published)

    notify_now(record.pk)
    notify_now(record.pk)

    assert _who(Kind.TASK_OFFERED) == ["director", "fin", "fin2"]
    # offered to a whole role: the bell only, no mail to everyone
    assert mail.outbox == []
    assert not Delivery.objects.exists()
    assert Notification.objects.filter(recipient=published["outsider"]).count() == 0


def test_a_task_reassigned_to_me_notifies_me_once_by_bell_and_email(published):
    p = published
    record = _submitted(p)
    slot = Task.objects.get(record=record, status="open", roles=["finance"])
    tasks.reassign(p["manager"], slot.pk, p["fin2"].pk, "请处理")

    notify_now(record.pk)
    notify_now(record.pk)

    mine = Notification.objects.get(kind=Kind.TASK_ASSIGNED)
    assert mine.recipient == p["fin2"] and mine.record_id == record.pk
    assert mine.link == f"/records/{record.pk}/"
    assert [m.to for m in mail.outbox] == [["fin2@example.com"]]
    assert record.reference in mail.outbox[0].subject
    assert Delivery.objects.get(notification=mine, channel="email").status == Delivery.Status.SENT


def test_who_claims_a_task_is_not_told_of_it(published):
    p = published
    record = _submitted(p)
    slot = Task.objects.get(record=record, status="open", roles=["finance"])
    tasks.claim(p["fin"], slot.pk)

    notify_now(record.pk)

    assert _who(Kind.TASK_ASSIGNED) == []


def test_an_escalated_task_notifies_the_escalation_role_once(published):
    p = published
    record = _submitted(p)
    assert fire_due_timers(timezone.now() + timedelta(hours=25)) == 2

    notify_now(record.pk)
    notify_now(record.pk)

    # two overdue slots, each one event for the manager
    assert _who(Kind.TASK_ESCALATED) == ["manager", "manager"]
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com"] * 2
    assert Delivery.objects.filter(channel="sms", status=Delivery.Status.SENT).count() == 2


def test_my_record_sent_back_tells_me_with_the_reason(published):
    p = published
    record = _submitted(p)
    moves.send_back(p["director"], record.pk, "draft", "价格需复核")

    notify_now(record.pk)
    notify_now(record.pk)

    sent_back = Notification.objects.get(kind=Kind.SENT_BACK)
    assert sent_back.recipient == p["consultant"]
    assert sent_back.params["comment"] == "价格需复核"
    assert [m.to for m in mail.outbox] == [["consultant@example.com"]]


class Broken:
    def send(self, user, subject, text, link):
        raise ConnectionError("SMS gateway down")


def test_a_failing_channel_is_logged_and_does_not_block_the_bell_or_the_email(published, settings):
    settings.NOTIFICATION_SMS_BACKEND = "tests.notifications.test_notifications.Broken"
    p = published
    record = _submitted(p)
    fire_due_timers(timezone.now() + timedelta(hours=25))

    notify_now(record.pk)

    assert _who(Kind.TASK_ESCALATED) == ["manager", "manager"]
    assert len(mail.outbox) == 2
    failed = list(Delivery.objects.filter(channel="sms"))
    assert [d.status for d in failed] == [Delivery.Status.FAILED] * 2
    assert all("SMS gateway down" in d.last_error and d.attempts >= 1 for d in failed)
    assert Delivery.objects.filter(channel="email", status=Delivery.Status.SENT).count() == 2


def test_the_engine_enqueues_the_job_after_commit(published, django_capture_on_commit_callbacks):
    p = published
    with django_capture_on_commit_callbacks(execute=True):
        _submitted(p)

    assert _who(Kind.TASK_OFFERED) == ["director", "fin", "fin2"]


def test_a_rolled_back_step_notifies_nobody(published, django_capture_on_commit_callbacks):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(EngineError):  # the step is refused and rolled back
            transitions.fire(p["consultant"], record.pk, "submit", {**GOOD, "discount_rate": "0.01"})
    assert not Notification.objects.filter(kind=Kind.TASK_OFFERED).exists()


def test_nobody_is_told_of_a_colleagues_draft_nor_of_their_own_step(published):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    assert Task.objects.get(record=record, status="open").roles == ["sales_consultant"]

    notify_now(record.pk)

    # the consultant who started it acted; consultant2 may not see a colleague's record
    assert not Notification.objects.exists()


def _enqueued(callbacks) -> list[int]:
    return [hook.notify_record for hook in callbacks if hasattr(hook, "notify_record")]


def test_a_claim_and_a_step_that_ends_the_record_enqueue_no_job(published, django_capture_on_commit_callbacks):
    p = published
    record = _submitted(p)
    from engine.runtime import approvals

    for task in Task.objects.filter(record=record, status="open"):
        approvals.vote(p["director"] if "project_director" in task.roles else p["fin"], task.pk, "approve")
    confirm = Task.objects.get(record=record, status="open", name="confirm")
    with django_capture_on_commit_callbacks() as claimed:
        tasks.claim(p["fin"], confirm.pk)
    assert _enqueued(claimed) == []  # the claimer knows; nobody else is to be told

    check = Task.objects.get(record=record, status="open", name="check_documents")
    tasks.claim(p["manager"], check.pk)
    tasks.complete(p["manager"], check.pk)
    with django_capture_on_commit_callbacks() as ended:
        transitions.fire(p["fin"], record.pk, "confirm", {})
    record.refresh_from_db()
    assert record.is_closed
    assert _enqueued(ended) == []  # no work is left: the consumer has nothing to read


def test_the_job_reads_a_fixed_number_of_statements_however_many_hold_the_role(published, people,
                                                                               django_assert_num_queries):
    from accounts.models import Membership, User

    record = _submitted(published)
    # record, entries, tasks, members, own-work check, anyone's wish for more than the bell, one insert
    with django_assert_num_queries(7):
        notify_now(record.pk)
    first = Notification.objects.count()
    for i in range(5):
        user = User.objects.create_user(f"fin-extra-{i}", password="x")
        Membership.objects.create(user=user, project=people["p1"], role="finance")
    Notification.objects.all().delete()
    with django_assert_num_queries(7):
        notify_now(record.pk)
    assert Notification.objects.count() == first + 5


def test_who_asked_for_email_of_tasks_offered_to_their_role_gets_one(published):
    from notifications.models import Preference

    p = published
    Preference.objects.create(user=p["fin2"], kind=Kind.TASK_OFFERED, email=True, sms=False)
    record = _submitted(p)

    notify_now(record.pk)

    assert _who(Kind.TASK_OFFERED) == ["director", "fin", "fin2"]
    assert [m.to for m in mail.outbox] == [["fin2@example.com"]]  # the others keep the bell only

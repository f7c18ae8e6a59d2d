"""huey jobs of the notifications (run_huey discovers every installed app's `tasks` module)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kernel import events

from . import preferences, reminders
from .channels import SENDERS
from .emitting import create
from .models import Delivery

log = logging.getLogger(__name__)


def notify_now(record_id: int) -> list[int]:
    """Create the record's notifications, then hand each channel's delivery its own job."""
    pending = create(record_id)
    for delivery_id in pending:
        deliver(delivery_id)  # one job per channel: a failing one retries alone
    return pending


@db_task(retries=3, retry_delay=30)
def notify(record_id: int) -> None:
    notify_now(record_id)


def deliver_now(delivery_id: int, now: datetime | None = None) -> bool:
    """Send one delivery unless sent; True when this call sent it. Raises when the channel failed.

    The delivery row is locked while sending, so a second consumer waits, then finds it sent.
    The recipient's preferences are read now, not when the delivery was made: a channel they
    turned off since is marked "not wanted"; inside their quiet hours (in the notification's
    project's zone) the delivery waits, its job scheduled for the end of them.
    """
    skip_locked = bool(connection.features.has_select_for_update_skip_locked)
    # the delivery's row alone: locking the joined notification, user and project rows too made a second
    # consumer skip every other delivery of that project while one was sending, and leave them unsent
    of: tuple[str, ...] = ("self",) if connection.features.has_select_for_update_of else ()
    failure: Exception | None = None
    held: datetime | None = None
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(skip_locked=skip_locked, of=of)
                    .select_related("notification__recipient", "notification__project")
                    .filter(pk=delivery_id).exclude(status__in=[Delivery.Status.SENT, Delivery.Status.SKIPPED])
                    .first())
        if delivery is None:
            return False  # sent already, or another consumer is sending it now
        notification = delivery.notification
        if not preferences.wants(notification.recipient_id, notification.kind, delivery.channel):
            delivery.status, delivery.last_error = Delivery.Status.SKIPPED, ""
            delivery.save(update_fields=["status", "last_error"])
            return False
        mine = preferences.settings_of(notification.recipient_id)
        held = preferences.quiet_end(now or timezone.now(), notification.project.zone, mine.quiet_from,
                                     mine.quiet_until)
        if held is not None:
            delivery.not_before = held
            delivery.save(update_fields=["not_before"])
        else:
            delivery.attempts += 1
            try:
                SENDERS[delivery.channel](notification)
            except Exception as exc:  # any channel's failure is logged on the row and retried by huey
                failure = exc
                delivery.status, delivery.last_error = Delivery.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            else:
                delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, timezone.now(), ""
            delivery.save(update_fields=["attempts", "status", "last_error", "sent_at"])
    if held is not None:
        # after the commit: the job must find the row saying when; `send_held` sweeps it should the job be lost
        deliver.schedule(args=(delivery_id,), eta=held)
        return False
    if failure is not None:
        log.warning("delivery %s by %s failed: %s", delivery_id, delivery.channel, failure)
        raise failure
    return True


@db_task(retries=3, retry_delay=60)
def deliver(delivery_id: int) -> None:
    deliver_now(delivery_id)


def held_due(now: datetime | None = None) -> list[int]:
    """The deliveries quiet hours held back whose time has come."""
    return list(Delivery.objects.filter(status=Delivery.Status.PENDING, not_before__lte=now or timezone.now())
                .order_by("not_before", "pk").values_list("pk", flat=True)[:500])


@db_periodic_task(crontab(minute="*/5"))
def send_held() -> None:
    """Each held delivery that is due gets its own job again (the one scheduled at its time may be lost
    with a queue's restart); a delivery sent meanwhile is found sent and skipped."""
    for delivery_id in held_due():
        deliver(delivery_id)


def remind_expiring_now(now: datetime | None = None) -> list[int]:
    """Tell each consultant of their reservations whose hold ends within the lead time; the deliveries to send."""
    pending = reminders.store(reminders.expiring(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="7"))
def remind_expiring() -> None:
    """Hourly: a hold entering the lead time is told within the hour (once: its timer names the event)."""
    remind_expiring_now()


def remind_follow_ups_now(now: datetime | None = None) -> list[int]:
    """Tell each consultant, where it is the morning hour, how many follow-ups are due today."""
    pending = reminders.store(reminders.follow_ups_due(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="2"))
def remind_follow_ups() -> None:
    """Hourly, so each project's own morning comes in its zone; the date in the event key keeps it once a day."""
    remind_follow_ups_now()


def remind_payments_now(now: datetime | None = None) -> list[int]:
    """Tell consultants and finance of the lines due within the lead time or overdue, where the morning has come."""
    pending = reminders.store(reminders.payments_due(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="12"))
def remind_payments() -> None:
    """Hourly, so each project's own morning comes in its zone, and a consumer down at that hour catches up at the
    next; the line and the day in the event key keep it once a day (minute 12: after the payment reminders' 7)."""
    remind_payments_now()


def remind_birthdays_now(now: datetime | None = None) -> list[int]:
    """Tell each consultant of their customers whose birthday it is, where the morning has come."""
    pending = reminders.store(reminders.birthdays(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="17"))
def remind_birthdays() -> None:
    """Hourly from each project's morning; the customer and the year in the event key keep it once a year."""
    remind_birthdays_now()


def remind_subscriptions_expiring_now(now: datetime | None = None) -> list[int]:
    """Tell each consultant of their deals whose time to become a contract ends within the lead time."""
    pending = reminders.store(reminders.subscriptions_expiring(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="22"))
def remind_subscriptions_expiring() -> None:
    """Hourly, as the holds: a deadline entering the lead time is told within the hour (once: the record and the
    deadline name the event)."""
    remind_subscriptions_expiring_now()


def remind_key_dates_now(now: datetime | None = None) -> list[int]:
    """Tell each consultant of their customers whose unit was delivered on this day of an earlier year."""
    pending = reminders.store(reminders.key_dates(now))
    for delivery_id in pending:
        deliver(delivery_id)
    return pending


@db_periodic_task(crontab(minute="27"))
def remind_key_dates() -> None:
    """Hourly from each project's morning, as the birthdays; the customer, unit and year in the event key keep it
    once a year."""
    remind_key_dates_now()


# the events after which someone may have to be told of work: a new task, one handed to another
# person, one escalated; and a record sent back to whoever started it. A claim tells nobody (the
# claimer knows), nor does a plain move (the tasks it opens come as TASK_CREATED), so a step that
# ends a record enqueues no job at all. The one plain move that does tell someone is the move an
# approval's deciding vote makes (approvals.vote: a transition entry whose details name the
# approval): who started the record learns the outcome.
_WORK_EVENTS = frozenset({events.TASK_CREATED, events.TASK_ASSIGNED, events.TASK_ESCALATED, events.RECORD_MOVED})


def _may_tell_someone(kind: str, body: Mapping[str, Any]) -> bool:
    """Whether the event can imply a notification; `entry` is the history entry's kind it comes from."""
    entry = body.get("entry")
    if kind == events.TASK_ASSIGNED:
        return entry != "claim"
    if kind == events.RECORD_MOVED:
        return entry == "send_back" or (entry == "transition" and "approval" in (body.get("details") or {}))
    return True

def on_event(project_id: int, kind: str, payload: Callable[[], Mapping[str, Any]]) -> None:
    if kind not in _WORK_EVENTS:
        return
    body = payload()
    if not _may_tell_someone(kind, body):
        return
    record_id = body["record"]["id"]
    connection = transaction.get_connection()
    # One job per record and transaction: a step emits several events (moved, task created, ...)
    # and the job reads the record's whole current work anyway. The hooks waiting for this
    # transaction's commit are the place to look: a rollback discards them, so nothing stale stays.
    if connection.in_atomic_block and any(getattr(hook, "notify_record", None) == record_id
                                          for _sids, hook, _robust in connection.run_on_commit):
        return
    # robust: the step is committed whatever happens here; a queue that is down loses the bell, not the step
    transaction.on_commit(_NotifyAfterCommit(record_id), robust=True)


class _NotifyAfterCommit:
    """The after-commit hook that enqueues the record's notification job, named by its record."""

    def __init__(self, record_id: int) -> None:
        self.notify_record = record_id

    def __call__(self) -> None:
        notify(self.notify_record)

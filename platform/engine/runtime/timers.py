"""Due timers and deadlines, fired exactly once by whichever worker gets there first.

Everything lives in the `Timer` table: a restart loses nothing, and several huey
consumers can run this at once. Each timer is handled in its own transaction that
locks the record first (the same order as transitions, so no deadlock) and then the
timer row, both with SKIP LOCKED on PostgreSQL: a record or timer another worker holds
is passed over, not waited for, and a timer already handled by another worker is
skipped (its status is no longer pending once the lock is ours).
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists
from django.utils import timezone

from ..models import HistoryEntry, Record, Task, TaskCandidate, Timer, TimerStatus
from . import history, rows
from .errors import EngineError
from .step import Step
from .transitions import move

log = logging.getLogger(__name__)


SKIPPED = None  # _handle's answer when another transaction holds the record: try again at the end


def fire_due_timers(now: datetime | None = None, limit: int = 500) -> int:
    """Handle up to `limit` timers that are due; return how many this call handled.

    First pass: each record claimed with SKIP LOCKED, so consumers running at once share
    the due list instead of queueing on each other's records. Second pass: the few that
    were held meanwhile, now waiting for the lock, so one run still handles every timer
    that was due (most are found fired by the consumer that held them).
    """
    now = now or timezone.now()
    due = list(Timer.objects.filter(status=TimerStatus.PENDING, due_at__lte=now)
               .order_by("due_at", "pk").values_list("pk", "record_id")[:limit])
    handled, held = 0, []
    for timer_id, record_id in due:
        outcome = _handle(timer_id, record_id, now, wait=False)
        if outcome is SKIPPED:
            held.append((timer_id, record_id))
        elif outcome:
            handled += 1
    for timer_id, record_id in held:
        if _handle(timer_id, record_id, now, wait=True):
            handled += 1
    return handled


def _skip_locked() -> dict:
    return {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}


def _handle(timer_id: int, record_id: int, now: datetime, *, wait: bool) -> bool | None:
    """True when this call fired the timer, False when there was nothing to fire, SKIPPED when
    (without `wait`) another transaction held the record."""
    with transaction.atomic():
        if not wait and connection.features.has_select_for_update_skip_locked:
            # SELECT ... FOR UPDATE SKIP LOCKED, only while the timer is pending (a timer another consumer
            # fired is passed over without reading the record): no row means it is held, or done
            pending = Timer.objects.filter(pk=timer_id, status=TimerStatus.PENDING)
            claimed = Record.objects.select_for_update(skip_locked=True).filter(Exists(pending), pk=record_id)
            if claimed.values_list("pk", flat=True).first() is None:
                return SKIPPED if pending.exists() else False
        locked = rows.lock(None, record_id=record_id)  # ours already, unless waiting for it is the point
        timer = (Timer.objects.select_for_update(**_skip_locked())
                 .filter(pk=timer_id, status=TimerStatus.PENDING).first())
        if locked is None or timer is None:
            return False  # another worker handled it, or it was cancelled meanwhile
        record = locked.record
        if record.state != timer.state or record.revision != timer.visit:
            _finish(timer, TimerStatus.CANCELLED, now, "the record left the state")
            return False
        if timer.kind == Timer.Kind.ESCALATE:
            _escalate(record, timer, now, locked.open_tasks)
            _finish(timer, TimerStatus.FIRED, now, "escalated")
            return True
        step = Step.of(locked, None)
        try:
            with transaction.atomic():
                move(step, step.definition.transition(timer.transition), None,
                     kind=HistoryEntry.Kind.TIMER, details={"timer": timer.name})
        except EngineError as exc:
            # The guard or an action refused: keep the reason on the timer and in the history.
            log.warning("timer %s on %s refused: %s", timer.name, record.reference, exc.en)
            history.append(record, HistoryEntry.Kind.TIMER, None, transition=timer.transition,
                           from_state=record.state, comment=exc.en, details={"timer": timer.name, "refused": True})
            _finish(timer, TimerStatus.FIRED, now, f"refused: {exc.en}")
            return True
        _finish(timer, TimerStatus.FIRED, now, f"fired {timer.transition}")
        return True


def _finish(timer: Timer, status: str, now: datetime, result: str) -> None:
    Timer.objects.filter(pk=timer.pk).update(status=status, fired_at=now, result=result)
    log.info("timer %s %s: %s", timer.name, status, result,
             extra={"timer_id": timer.pk, "record_id": timer.record_id, "timer_status": status})


def _escalate(record: Record, timer: Timer, now: datetime, open_tasks: list[Task]) -> None:
    """Put the overdue work in front of the escalation roles, and say so in the history."""
    tasks = [t for t in open_tasks if timer.task_id in (None, t.pk)]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(escalated_at=now)
    TaskCandidate.objects.bulk_create(
        [TaskCandidate(task=task, project_id=record.project_id, role=role, due_at=task.due_at, is_open=True)
         for task in tasks for role in timer.escalate_to],
        ignore_conflicts=True)  # a role that could already claim the task keeps its row
    history.append(record, HistoryEntry.Kind.ESCALATE, None, details={
        "timer": timer.name, "to": list(timer.escalate_to), "tasks": [t.name for t in tasks]})

"""Entering and leaving a state: tasks and timers open and close with it."""
from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from definitions.expressions import ExpressionRuntimeError
from definitions.model import FlowDefinition, Task as TaskSpec

from ..models import Record, Task, TaskCandidate, TaskStatus, Timer, TimerStatus
from .context import record_view


def slot_roles(spec: TaskSpec) -> list[list[str]]:
    """The slots of a task: one for work and `any`, one per role for `all`, N for a number."""
    roles = list(spec.roles)
    if spec.kind != "approval" or spec.require == "any":
        return [roles]
    if spec.require == "all":
        return [[role] for role in roles]
    return [roles for _ in range(int(spec.require))]


def enter(record: Record, definition: FlowDefinition, now: datetime, names: dict) -> list[Task]:
    """Open the state's tasks and start its timers. The record is locked by the caller."""
    state = definition.state(record.state)
    record.entered_state_at = now
    record.is_closed = state.final
    opened: list[Task] = []
    for spec in state.tasks:
        deadline = spec.deadline or state.deadline
        due = now + deadline.after if deadline else None
        assignee = _assignee(spec, names)
        for roles in slot_roles(spec):
            task = Task.objects.create(
                record=record, project_id=record.project_id, flow=record.flow, state=record.state,
                visit=record.revision, name=spec.name, kind=spec.kind, roles=roles, due_at=due,
                assignee=assignee,
            )
            TaskCandidate.objects.bulk_create([
                TaskCandidate(task=task, project_id=record.project_id, role=role, due_at=due,
                              is_open=assignee is None)
                for role in roles
            ])
            opened.append(task)
            if deadline and deadline.escalate_to:
                Timer.objects.create(record=record, task=task, name=f"{spec.name}_deadline",
                                     kind=Timer.Kind.ESCALATE, state=record.state, visit=record.revision,
                                     escalate_to=list(deadline.escalate_to), due_at=due)
    for timer in definition.timers:
        if timer.state == record.state:
            Timer.objects.create(record=record, name=timer.name,
                                 kind=Timer.Kind.FIRE if timer.fire else Timer.Kind.ESCALATE,
                                 state=record.state, visit=record.revision, transition=timer.fire or "",
                                 escalate_to=list(timer.escalate_to), due_at=now + timer.after)
    return opened


def _assignee(spec: TaskSpec, names: dict):
    if spec.assignee is None:
        return None
    try:
        user_id = spec.assignee.evaluate(names)
    except ExpressionRuntimeError:
        return None  # nobody named: the task falls back to its roles
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def leave(record: Record, now: datetime, actor, done_task: Task | None = None) -> None:
    """Close the state's open tasks (the acting one as done) and cancel its timers."""
    open_tasks = Task.objects.filter(record=record, status=TaskStatus.OPEN)
    if done_task is not None:
        open_tasks.filter(pk=done_task.pk).update(status=TaskStatus.DONE, closed_at=now, closed_by=actor)
    open_tasks.update(status=TaskStatus.CANCELLED, closed_at=now)
    TaskCandidate.objects.filter(task__record=record, is_open=True).update(is_open=False)
    Timer.objects.filter(record=record, status=TimerStatus.PENDING).update(status=TimerStatus.CANCELLED)



__all__ = ["enter", "leave", "record_view", "slot_roles"]

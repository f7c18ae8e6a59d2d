"""Entering and leaving a state: tasks and timers open and close with it.

Written for few statements per transition: all tasks of a state are inserted in one
statement, their extra candidate roles and timers in one more each, and only when
there are any. A task one role may claim carries that role itself (`Task.role`);
only tasks shared by several roles need `TaskCandidate` rows.
"""
from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model

from definitions.expressions import ExpressionRuntimeError
from definitions.model import FlowDefinition, Task as TaskSpec

from ..models import Record, Task, TaskCandidate, TaskStatus, Timer, TimerStatus


def slot_roles(spec: TaskSpec) -> list[list[str]]:
    """The slots of a task: one for work and `any`, one per role for `all`, N for a number."""
    roles = list(spec.roles)
    if spec.kind != "approval" or spec.require == "any":
        return [roles]
    if spec.require == "all":
        return [[role] for role in roles]
    return [roles for _ in range(int(spec.require))]


def has_timers(definition: FlowDefinition, state_name: str) -> bool:
    """Whether entering the state starts timers (its own, or its tasks' deadlines)."""
    state = definition.state(state_name)
    if any(t.state == state_name for t in definition.timers):
        return True
    return any((task.deadline or state.deadline) and (task.deadline or state.deadline).escalate_to
               for task in state.tasks)


def enter(record: Record, definition: FlowDefinition, now: datetime, names: dict) -> list[Task]:
    """Open the state's tasks and start its timers. The record is locked by the caller."""
    state = definition.state(record.state)
    record.entered_state_at = now
    record.is_closed = state.final
    planned: list[tuple[Task, TaskSpec]] = []
    for spec in state.tasks:
        deadline = spec.deadline or state.deadline
        due = now + deadline.after if deadline else None
        assignee = _assignee(spec, names)
        for roles in slot_roles(spec):
            planned.append((Task(
                record=record, project_id=record.project_id, flow=record.flow, state=record.state,
                visit=record.revision, name=spec.name, kind=spec.kind, roles=roles, due_at=due,
                assignee=assignee, role=roles[0] if len(roles) == 1 else "",
            ), spec))
    tasks = Task.objects.bulk_create([task for task, _ in planned]) if planned else []
    candidates = [TaskCandidate(task=task, project_id=record.project_id, role=role, due_at=task.due_at,
                                is_open=task.assignee_id is None)
                  for task in tasks if len(task.roles) > 1 for role in task.roles]
    if candidates:
        TaskCandidate.objects.bulk_create(candidates)
    timers = [Timer(record=record, task=task, name=f"{spec.name}_deadline", kind=Timer.Kind.ESCALATE,
                    state=record.state, visit=record.revision,
                    escalate_to=list((spec.deadline or state.deadline).escalate_to), due_at=task.due_at)
              for task, (_, spec) in zip(tasks, planned)
              if (spec.deadline or state.deadline) and (spec.deadline or state.deadline).escalate_to]
    timers += flow_timers(record, definition, since=now)
    if timers:
        Timer.objects.bulk_create(timers)
    return tasks


def flow_timers(record: Record, definition: FlowDefinition, *, since: datetime,
                not_before: datetime | None = None) -> list[Timer]:
    """The definition's timers of the record's state, counted from `since` (unsaved)."""
    return [Timer(record=record, name=timer.name, kind=Timer.Kind.FIRE if timer.fire else Timer.Kind.ESCALATE,
                  state=record.state, visit=record.revision, transition=timer.fire or "",
                  escalate_to=list(timer.escalate_to),
                  due_at=max(since + timer.after, not_before) if not_before else since + timer.after)
            for timer in definition.timers if timer.state == record.state]


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


def leave(record: Record, definition: FlowDefinition, now: datetime, actor, open_tasks: list[Task],
          done_task: Task | None = None) -> None:
    """Close the state's open tasks (the acting one as done) and cancel its timers.

    `open_tasks` are the record's open tasks as the caller read them under the record
    lock; statements are only issued for what exists.
    """
    if open_tasks:
        if done_task is not None:
            Task.objects.filter(pk=done_task.pk).update(status=TaskStatus.DONE, closed_at=now, closed_by=actor)
        others = [t.pk for t in open_tasks if done_task is None or t.pk != done_task.pk]
        if others:
            Task.objects.filter(pk__in=others).update(status=TaskStatus.CANCELLED, closed_at=now)
        shared = [t.pk for t in open_tasks if len(t.roles) > 1 or t.escalated_at is not None]
        if shared:
            TaskCandidate.objects.filter(task_id__in=shared, is_open=True).update(is_open=False)
    if has_timers(definition, record.state):
        Timer.objects.filter(record=record, status=TimerStatus.PENDING).update(status=TimerStatus.CANCELLED)

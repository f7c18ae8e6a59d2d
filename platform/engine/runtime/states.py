"""Entering and leaving a state: tasks and timers open and close with it.

Written for few statements per transition: all tasks of a state are inserted in one
statement, their extra candidate roles and timers in one more each, and only when
there are any; all of them held in the step's batch (`Step.batch`). A
task one role may claim carries that role itself (`Task.role`); only tasks shared by
several roles need `TaskCandidate` rows.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from definitions.durations import After, DurationError
from definitions.expressions import ExpressionRuntimeError
from definitions.model import Deadline, FlowDefinition
from definitions.model import State as StateSpec
from definitions.model import Task as TaskSpec
from kernel import events

from ..models import Record, Task, TaskCandidate, TaskStatus, Timer, TimerStatus
from . import rows
from .errors import TransitionNotAvailable
from .step import Step


def slot_roles(spec: TaskSpec) -> list[list[str]]:
    """The slots of a task: one for work and `any`, one per role for `all`, N for a number."""
    roles = list(spec.roles)
    if spec.kind != "approval" or spec.require == "any":
        return [roles]
    if spec.require == "all":
        return [[role] for role in roles]
    return [roles for _ in range(int(spec.require or 1))]


def _escalation(spec: TaskSpec, state: StateSpec) -> Deadline | None:
    """The deadline that escalates this task when missed (its own, else the state's), if any."""
    deadline = spec.deadline or state.deadline
    return deadline if deadline and deadline.escalate_to else None


def has_timers(definition: FlowDefinition, state_name: str) -> bool:
    """Whether entering the state starts timers (its own, or its tasks' deadlines)."""
    state = definition.state(state_name)
    return (any(t.state == state_name for t in definition.timers)
            or any(_escalation(task, state) for task in state.tasks))


def enter(step: Step) -> None:
    """Open the state the step's record is now in: its tasks, and its timers.

    The rows are held in the step's batch; the tasks' ids are fetched only when
    candidate roles or deadline timers must point at them.
    """
    record, definition, now, names, batch = step.record, step.definition, step.now, step.scope, step.batch
    state = definition.state(record.state)
    record.entered_state_at = now
    record.is_closed = state.final
    planned: list[tuple[dict[str, Any], TaskSpec]] = []
    for spec in state.tasks:
        deadline = spec.deadline or state.deadline
        due = _due(now, deadline.after, record, names) if deadline else None
        assignee_id = _assignee(spec, names)
        planned += [({
            "record_id": record.pk, "project_id": record.project_id, "flow": record.flow,
            "state": record.state, "visit": record.revision, "name": spec.name, "kind": spec.kind,
            "status": TaskStatus.OPEN, "roles": roles, "role": roles[0] if len(roles) == 1 else "",
            "assignee_id": assignee_id, "due_at": due, "opened_at": now, "delegation_note": "", "outcome": "",
        }, spec) for roles in slot_roles(spec)]
    shared = [task for task, _ in planned if len(task["roles"]) > 1]
    escalating = [(task, spec, deadline) for task, spec in planned if (deadline := _escalation(spec, state))]
    if planned:
        cursor = batch.insert(Task, [task for task, _ in planned], returning=bool(shared or escalating))
        if shared or escalating:
            for (task, _), (task_id,) in zip(planned, cursor.fetchall()):
                task["id"] = task_id
        for task, _spec in planned:
            events.emit(record.project_id, events.TASK_CREATED, _created(record, task))
    if shared:
        batch.insert(TaskCandidate, [{"task_id": task["id"], "project_id": record.project_id, "role": role,
                                      "due_at": task["due_at"], "is_open": task["assignee_id"] is None}
                                     for task in shared for role in task["roles"]])
    timers = [Timer(record=record, task_id=task["id"], name=f"{spec.name}_deadline", kind=Timer.Kind.ESCALATE,
                    state=record.state, visit=record.revision, escalate_to=list(deadline.escalate_to),
                    due_at=task["due_at"])
              for task, spec, deadline in escalating]
    timers += flow_timers(record, definition, since=now, names=names)
    if timers:
        batch.insert(Timer, [rows.values_of(timer) for timer in timers])


def _created(record: Record, task: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """The payload of a task-created event, built only if a listener wants it."""
    def payload() -> dict[str, Any]:
        return {"record": {"id": record.pk, "reference": record.reference, "flow": record.flow},
                "task": {"name": task["name"], "kind": task["kind"], "state": task["state"], "roles": task["roles"],
                         "assignee_id": task["assignee_id"], "due_at": task["due_at"]}}
    return payload


def flow_timers(record: Record, definition: FlowDefinition, *, since: datetime,
                not_before: datetime | None = None, names: dict | None = None) -> list[Timer]:
    """The definition's timers of the record's state, counted from `since` (unsaved).

    `names` (the transition's expression names) give a duration read from a setting or
    field its values; without them they are read from the record and its project.
    """
    timers = []
    for timer in definition.timers:
        if timer.state == record.state:
            due = _due(since, timer.after, record, names)
            timers.append(Timer(record=record, name=timer.name,
                                kind=Timer.Kind.FIRE if timer.fire else Timer.Kind.ESCALATE,
                                state=record.state, visit=record.revision, transition=timer.fire or "",
                                escalate_to=list(timer.escalate_to),
                                due_at=max(due, not_before) if not_before else due))
    return timers


def _due(since: datetime, after: After, record: Record, names: dict | None) -> datetime:
    """When a deadline or timer counted from `since` falls due.

    A literal duration is added at once (the hot path: nothing read); one named by a
    setting or field is read from the transition's names, else from the record and its
    project. A value that is missing or not a duration refuses the step, saying which.
    """
    if isinstance(after, timedelta):
        return since + after
    if names is not None:
        record_values, project_values = names.get("record"), names.get("project")
    else:
        from .context import project_view

        record_values, project_values = record.data, project_view(record.project)
    try:
        return since + after.resolve(record_values, project_values)
    except DurationError as exc:
        raise TransitionNotAvailable(
            gettext_noop("{reference} cannot enter this state: its deadline or timer cannot start: {problem_en}"),
            reference=record.reference, state=record.state, problem_en=str(exc), problem_zh=exc.zh) from None


def stay(step: Step, visit: int) -> None:
    """A step from the state back to itself: its tasks and running timers stay as they are.

    Nothing closes or opens; the visit's tasks (open and done) and pending timers move on
    to the record's new revision, which names the current visit everywhere (`requires`,
    the record page, a timer checking that the record has not left). One statement, two
    with timers, in the step's batch: fewer than leaving and entering.
    """
    record = step.record
    step.batch.update(Task, {"record_id": record.pk, "state": record.state, "visit": visit},
                      {"visit": record.revision})
    if has_timers(step.definition, record.state):
        step.batch.update(Timer, {"record_id": record.pk, "status": TimerStatus.PENDING, "visit": visit},
                          {"visit": record.revision})


def restart_deadlines(step: Step, visit: int) -> None:
    """A step that stays and restarts the state's deadlines (`restart_deadlines: true`).

    The open tasks stay (who claimed them, their candidates) and fall due again from now;
    an escalation of a missed deadline is withdrawn, since the deadline is no longer
    missed (the history keeps the escalation); the state's timers start again from now.
    A rare step, so plain ORM statements, sent after what the step's batch held so far.
    """
    step.flush()
    record, definition, now, open_tasks = step.record, step.definition, step.now, step.open_tasks
    state = definition.state(record.state)
    Task.objects.filter(record_id=record.pk, state=record.state, visit=visit).update(visit=record.revision)
    Timer.objects.filter(record_id=record.pk, status=TimerStatus.PENDING).update(status=TimerStatus.CANCELLED)
    timers: list[Timer] = []
    for task in open_tasks:
        spec = state.task(task.name)
        if spec is None:
            continue  # a task of an older version of the flow: it keeps its due date
        deadline = spec.deadline or state.deadline
        due = _due(now, deadline.after, record, None) if deadline else None
        Task.objects.filter(pk=task.pk).update(due_at=due, escalated_at=None)
        if task.escalated_at is not None:
            TaskCandidate.objects.filter(task_id=task.pk).exclude(role__in=task.roles).delete()
        TaskCandidate.objects.filter(task_id=task.pk).update(due_at=due)
        if (escalation := _escalation(spec, state)) is not None and due is not None:
            timers.append(Timer(record=record, task_id=task.pk, name=f"{spec.name}_deadline",
                                kind=Timer.Kind.ESCALATE, state=record.state, visit=record.revision,
                                escalate_to=list(escalation.escalate_to), due_at=due))
    timers += flow_timers(record, definition, since=now)
    Timer.objects.bulk_create(timers)


def _assignee(spec: TaskSpec, names: dict) -> int | None:
    if spec.assignee is None:
        return None
    try:
        user_id = spec.assignee.evaluate(names)
    except ExpressionRuntimeError:
        return None  # nobody named: the task falls back to its roles
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=cast(Any, user_id), is_active=True).values_list("pk", flat=True).first()


def leave(step: Step, done_task: Task | None = None) -> None:
    """Close the state's open tasks (`done_task`, the one the actor finishes, as done) and cancel its timers.

    The step's open tasks are as it read them under the record lock; statements are
    only held for what exists.
    """
    record, open_tasks, now, actor, batch = step.record, step.open_tasks, step.now, step.actor, step.batch
    if open_tasks:
        ids = [t.pk for t in open_tasks]
        done_id = done_task.pk if done_task is not None else None
        batch.update(Task, {"id": ids}, {"closed_at": now}, cases={
            "status": (done_id, TaskStatus.DONE, TaskStatus.CANCELLED),
            "closed_by": (done_id, getattr(actor, "pk", None), None)})
        shared = [t.pk for t in open_tasks if len(t.roles) > 1 or t.escalated_at is not None]
        if shared:
            batch.update(TaskCandidate, {"task_id": shared, "is_open": True}, {"is_open": False})
    if has_timers(step.definition, record.state):
        batch.update(Timer, {"record_id": record.pk, "status": TimerStatus.PENDING},
                     {"status": TimerStatus.CANCELLED})

"""Firing transitions: one database transaction each, with the record row locked.

Order inside the transaction: lock the record, check the revision the user saw, check
the transition starts here, the role, the tasks it requires and who holds the step;
apply the form and validate the data; evaluate the guard; run the actions; close the
old state's tasks and timers; move; open the new state's; append one history entry.
Any failure raises and the transaction leaves nothing behind. The work of one step,
from the lock to the record's UPDATE, is a `Step` (engine.runtime.step): `move` and
`relocate` take it, and flush its batch of writes where the step needs them sent.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from definitions.expressions import ExpressionRuntimeError
from definitions.model import FlowDefinition, FormSpec, Text, Transition
from kernel.actions import ActionContext

from ..models import HistoryEntry, Record, Task, TaskStatus
from ..versions import definition_for
from . import actions, history, routing, states
from .access import user_facts
from .action_context import EngineActionContext
from .context import names, record_view
from .errors import (
    CustomerProtected,
    GuardFailed,
    InvalidForm,
    NotPermitted,
    RecordChanged,
    TransitionNotAvailable,
)
from .forms import apply_form
from .records import check_protection, locked_record, visible_record
from .step import Step


class ProtectedStep(CustomerProtected, InvalidForm):
    """A step refused by a customer's protection after its form was submitted (someone registered the
    customer meanwhile, or the form names a protected one): still a `CustomerProtected`, and also the
    form's error, so a page shows the form again as typed, with the refusal above its fields."""

    code = CustomerProtected.code

    def __init__(self, refusal: CustomerProtected):
        CustomerProtected.__init__(self, refusal)
        self.errors, self.errors_zh = {"__all__": [refusal.message_en]}, {"__all__": [refusal.message_zh]}


@dataclass(frozen=True)
class Available:
    """A step the user may take now. `to` is the default (or only) destination; `targets` all of them.

    `offered` is False when the step's guard or every branch is already false on the
    record's data and the step's form cannot change that (routing.offer): a page should
    not lay it out as something to do; `reason` says why in both languages.
    """

    name: str
    title: Text | None
    form: FormSpec | None
    to: str
    targets: tuple[str, ...] = ()
    offered: bool = True
    reason: Text | None = None


def available_transitions(user, record_id: int) -> list[Available]:
    """Transitions the user may fire on the record now (role, source state, who holds the step).

    Guards that read the step's form are not evaluated here (the user has yet to fill
    it); the others are, and a step they already refuse comes back with offered=False.
    """
    record, roles = visible_record(user, record_id)
    return available_on(record, roles, list(record.tasks.filter(status=TaskStatus.OPEN)), user)


def available_on(record: Record, roles: frozenset[str], open_tasks: list[Task], user) -> list[Available]:
    """`available_transitions` for a record, roles and open tasks the caller has already read.

    No query per transition: the tasks that `requires` names are read once for all of them,
    and guards are evaluated in memory on the record's data and the project's settings.
    """
    definition = definition_for(record)
    mine = [t for t in definition.transitions_from(record.state) if roles & set(t.roles)]
    if mine and _held_by_someone_else(open_tasks, user):
        mine = [t for t in mine if _stays(t, record.state)]  # they take nothing from whoever holds the step
    if not mine:
        return []
    done = _done_tasks(record, {name for t in mine for name in t.requires})
    scope = names(definition, record.data, None, record.project, user_facts(user, roles))
    out = []
    for t in mine:
        if any(name not in done for name in t.requires):
            continue
        verdict = routing.offer(definition, t, scope)
        out.append(Available(t.name, t.title, t.form, t.to, t.target_states, verdict.offered, verdict.reason))
    return out


def fire(user, record_id: int, transition: str, form: dict | None = None, *, comment: str = "",
         expected_revision: int | None = None, idempotency_key: str | None = None) -> Record:
    """Fire `transition` on the record as `user`; return the record after the move.

    `expected_revision` is the revision the user's form was built from: if someone
    moved the record since, RecordChanged. A repeated `idempotency_key` returns the
    record without acting twice.
    """
    try:
        with transaction.atomic():
            locked = locked_record(user, record_id, idempotency_key=idempotency_key)
            record, roles, open_tasks = locked.record, locked.roles, locked.open_tasks
            if locked.key_used:
                return record
            if expected_revision is not None and expected_revision != record.revision:
                raise RecordChanged(record.reference)
            definition = definition_for(record)
            t = _transition(definition, record, transition)
            if not roles & set(t.roles):
                raise NotPermitted(gettext_noop("fire '{transition}'"), t.roles, declared=definition.roles,
                                   transition=transition, step_zh=_title_zh(t))
            holder = None if _stays(t, record.state) else _held_by_someone_else(open_tasks, user)
            if holder is not None:
                raise NotPermitted(gettext_noop("fire '{transition}' while {holder} holds this step"),
                                   transition=transition, holder=str(holder), step_zh=_title_zh(t))
            try:
                check_protection(user, roles, record, form)
            except CustomerProtected as refusal:
                raise ProtectedStep(refusal) from refusal
            missing = _missing_tasks(record, t)
            if missing:
                raise TransitionNotAvailable(gettext_noop("'{transition}' needs these tasks done first: {tasks}"),
                                             transition=transition, tasks=", ".join(missing))
            return move(Step.of(locked, user, definition=definition), t, form, comment=comment,
                        idempotency_key=idempotency_key, done_task=_my_task(open_tasks, user, roles))
    except IntegrityError as exc:
        if idempotency_key and "idempotency" in str(exc).lower():
            return visible_record(user, record_id)[0]  # a concurrent duplicate committed first
        raise


def move(step: Step, t: Transition, form: dict | None, *, comment: str = "",
         kind: str = HistoryEntry.Kind.TRANSITION, idempotency_key: str | None = None,
         done_task: Task | None = None, details: dict | None = None, reenter: bool = False) -> Record:
    """The transition `t` itself, as the step on its locked record; also used by approvals, timers,
    linked steps and imports. `done_task` is the task the actor finishes by taking it.

    A step whose destination is the state it is in stays there (docs/flow-format.md,
    "Steps that stay"): the state's tasks, who holds them, and its running deadlines are
    kept, unless the transition says `restart_deadlines`. `reenter` leaves and enters
    the state anew even then: an approval's outcome, whose approval has been decided.
    """
    record, definition, actor, roles, now = step.record, step.definition, step.actor, step.roles, step.now
    old_data = dict(record.data)
    partial = routing.partial_for(definition, t)
    # Branches to states that disagree on `partial`: route on the lenient reading, then
    # check the required fields for the state the branch chose.
    new_data, form_values = apply_form(definition, t.form, old_data, form, partial=partial is not False)
    scope = step.scope = names(definition, new_data, form_values, record.project, user_facts(actor, roles))
    if t.guard is not None:
        _check_guard(t, scope)
    to_state = routing.choose_target(definition, t, scope)
    if partial is None and not definition.state(to_state).partial:
        apply_form(definition, t.form, old_data, form, partial=False)
    if t.actions:
        step.flush()  # actions are ORM code: what the step wrote before them (a vote) must be sent first
        kernel_ctx = ActionContext(
            project_id=record.project_id, record_id=record.pk, reference=record.reference, flow=record.flow,
            user_id=getattr(actor, "pk", None), now=now, data=dict(new_data), lineage=_lineage(record))
        ran = [call.action for call in t.actions
               if actions.run(call, scope, EngineActionContext(kernel_ctx, record, actor, move))]
        if any(call.when is not None for call in t.actions):
            # Which ran is not in the definition: send back and withdraw read it here.
            details = {**(details or {}), "actions_ran": ran}
        if kernel_ctx.changes:
            new_data.update(kernel_ctx.changes)
            scope["record"] = record_view(definition, new_data)  # the new state's assignees see them
    record.data = new_data
    staying = to_state == record.state and not reenter
    relocate(step, to_state, done_task=done_task, kind=kind, transition=t.name, comment=comment,
             changes=history.data_changes(old_data, new_data), idempotency_key=idempotency_key, details=details,
             stay=(RESTART if t.restart_deadlines else STAY) if staying else None)
    return record


STAY, RESTART = "stay", "restart"


def relocate(step: Step, to_state: str, *, kind: str, done_task: Task | None = None, transition: str = "",
             comment: str = "", changes: dict | None = None, idempotency_key: str | None = None,
             details: dict | None = None, stay: str | None = None) -> None:
    """Leave the current state, enter `to_state`, write the history entry and the record; flush the step.

    The one way a record changes state, for transitions and for the corrections in
    moves.py alike: the record row (state, data, revision, history counter) is
    written once, at the end, and the step's batch is sent with it. `stay` (STAY or
    RESTART, a step to the state it is in) keeps the state's tasks instead of closing
    and opening them (states.stay, states.restart_deadlines).
    """
    record = step.record
    from_state = record.state
    record.updated_at = step.now
    visit = record.revision
    if stay is None:
        states.leave(step, done_task)
    record.state = to_state
    record.revision += 1
    if stay is None:
        states.enter(step)
    elif stay == RESTART:
        states.restart_deadlines(step, visit)
    else:
        states.stay(step, visit)
    history.append(record, kind, step.actor, transition=transition, from_state=from_state, to_state=to_state,
                   comment=comment, changes=changes, idempotency_key=idempotency_key, details=details,
                   save_seq=False, batch=step.batch)
    step.batch.update(Record, {"id": record.pk}, {
        "state": record.state, "data": record.data, "revision": record.revision,
        "entered_state_at": record.entered_state_at, "is_closed": record.is_closed,
        "updated_at": record.updated_at, "last_seq": record.last_seq})
    step.flush()


def _transition(definition: FlowDefinition, record: Record, name: str) -> Transition:
    try:
        t = definition.transition(name)
    except KeyError:
        raise TransitionNotAvailable(gettext_noop("{flow} has no transition '{transition}'"),
                                     flow=record.flow, transition=name) from None
    if record.state not in t.sources:
        state = definition.state(record.state).title
        raise TransitionNotAvailable(
            gettext_noop("{reference} is {state_en}; '{transition}' cannot be fired from there"),
            reference=record.reference, state=record.state, state_en=state.en, state_zh=state.zh,
            transition=name, step_zh=_title_zh(t))
    return t


def _title_zh(t: Transition) -> str:
    return t.title.zh if t.title else t.name


def _check_guard(t: Transition, scope: dict) -> None:
    guard = t.guard
    assert guard is not None, "only a step with a guard is checked"
    try:
        ok = guard.evaluate(scope)
    except ExpressionRuntimeError as exc:
        raise GuardFailed(gettext_noop("the condition of '{transition}' could not be checked: {problem_en} (in {guard})"),
                          transition=t.name, problem_en=str(exc), problem_zh=exc.zh, guard=guard.source) from exc
    if not ok:
        if t.guard_message:
            raise GuardFailed.authored(t.guard_message, guard=guard.source, transition=t.name)
        raise GuardFailed(gettext_noop("the condition of '{transition}' is not met: {guard}"),
                          transition=t.name, guard=guard.source)


def _stays(t: Transition, state: str) -> bool:
    """Whether the step can only stay in `state`: it keeps the state's tasks, so whoever holds them keeps them."""
    return t.target_states == (state,)


def _held_by_someone_else(open_tasks: list[Task], user):
    """The user holding the current step's work, if that is not `user` (and nobody left it open)."""
    work = [t for t in open_tasks if t.kind == "work"]
    assigned = [t for t in work if t.assignee_id is not None]
    if not assigned or any(t.assignee_id == getattr(user, "pk", None) for t in assigned):
        return None
    if any(t.assignee_id is None for t in work):
        return None
    return assigned[0].assignee  # one query, only on the way to a refusal


def _my_task(open_tasks: list[Task], user, roles: frozenset[str] = frozenset()) -> Task | None:
    """The work task the user completes by firing: theirs, or an unclaimed one of their roles."""
    uid = getattr(user, "pk", None)
    mine = next((t for t in open_tasks if t.kind == "work" and t.assignee_id == uid), None)
    if mine is not None:
        return mine
    return next((t for t in open_tasks if t.kind == "work" and t.assignee_id is None and roles & set(t.roles)), None)


def _missing_tasks(record: Record, t: Transition) -> list[str]:
    done = _done_tasks(record, set(t.requires))
    return [name for name in t.requires if name not in done]


def _done_tasks(record: Record, names_: set[str]) -> set[str]:
    """Which of these tasks are done in the record's current visit of its state (no query for none)."""
    if not names_:
        return set()
    return set(record.tasks.filter(status=TaskStatus.DONE, visit=record.revision, name__in=names_)
               .values_list("name", flat=True))


def _lineage(record: Record) -> tuple[int, ...]:
    ids: list[int] = []
    current: Record | None = record
    while current is not None and len(ids) < 20:
        ids.append(current.pk)
        current = current.parent
    return tuple(ids)

"""Moves that are not declared transitions: send back (退回), withdraw (撤回), cancel.

Send back and withdraw only ever return a record to a state it has been in, and never
run actions: they are corrections, not business steps. Cancelling fires the flow's own
`cancel` transition, so its actions (releasing a unit, refunding) always run.

One exception, so a correction never leaves a unit tied up: a send back to a state the
record was in before it took a unit (a subscription sent back to draft after its submit
held the unit) gives the hold up as that state had it. A hold the record took itself
is released (the unit back on sale); one it carried on from an ancestor (the
reservation's or the queue number's) steps back to reserved, still the buyer's. And a
receivables schedule first drawn up since that state (at the subscription's submit) is
dropped: it is drawn up again when the step is taken again.
"""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from definitions.actions import ActionSpec
from kernel import receivables as kernel_receivables
from kernel import units as kernel_units
from kernel.actions import ActionContext
from kernel.models import SaleStatus, UnitHold

from ..environment import action_catalogue
from ..models import HistoryEntry, Record
from .access import MANAGER_ROLES
from .errors import NotPermitted, TransitionNotAvailable
from .records import check_protection, locked_record
from .step import Step
from .transitions import _lineage, fire, relocate


def _jump(step: Step, to_state: str, kind: str, comment: str, *, details: dict | None = None) -> Record:
    """A correction's move: to `to_state`, with no transition and no actions (its names: the record as it is)."""
    relocate(step, to_state, kind=kind, comment=comment, details=details)
    return step.record


SCHEDULE = "receivables.schedule"


def _kernel_context(record: Record, actor, now) -> ActionContext:
    return ActionContext(project_id=record.project_id, record_id=record.pk, reference=record.reference,
                         flow=record.flow, user_id=getattr(actor, "pk", None), now=now, data=dict(record.data),
                         lineage=_lineage(record))


def _ran(definition, steps, action: str) -> bool:
    """Whether any of these (transition, details) steps ran `action`."""
    return any(action in _actions_ran(definition, name, details) for name, details in steps)


def _give_up_holds(record: Record, since, actor, now) -> dict:
    """The units this record took since `since` (entering the state it goes back to), given up as they were then.

    Returns what the history says: the units released and those stepped back to reserved (by id).
    """
    taken = list(UnitHold.objects.filter(project_id=record.project_id, record_id=record.pk, released_at__isnull=True,
                                         held_at__gt=since).order_by("pk"))
    if not taken:
        return {}
    carried = set(UnitHold.objects.filter(transferred_to__in=taken).values_list("transferred_to_id", flat=True))
    ctx = _kernel_context(record, actor, now)
    released, stepped_back = [], []
    for hold in taken:
        if hold.pk in carried:
            kernel_units.step_back(ctx, hold.unit_id, SaleStatus.RESERVED)
            stepped_back.append(hold.unit_id)
        else:
            kernel_units.release(ctx, hold.unit_id, note="退回 sent back")
            released.append(hold.unit_id)
    return {k: v for k, v in (("units_released", released), ("units_stepped_back", stepped_back)) if v}


@transaction.atomic
def send_back(user, record_id: int, to_state: str, comment: str) -> Record:
    """退回: whoever may act on the current step returns the record to an earlier state."""
    locked = locked_record(user, record_id)
    record, roles, open_tasks = locked.record, locked.roles, locked.open_tasks
    step = Step.of(locked, user)
    definition = step.definition
    acts_here = any(t.assignee_id == user.pk or (t.assignee_id is None and roles & set(t.roles)) for t in open_tasks)
    if not (acts_here or roles & MANAGER_ROLES):
        raise NotPermitted(gettext_noop("send this record back"), sorted({r for t in open_tasks for r in t.roles}))
    check_protection(user, roles, record)
    _check_target(definition, record, to_state)
    story = list(record.history.order_by("seq").values_list("seq", "kind", "to_state", "transition", "details"))
    entered = max((seq for seq, _, state, _, _ in story if state == to_state), default=None)
    if to_state == record.state or entered is None:
        raise TransitionNotAvailable(gettext_noop("{reference} has not been in “{state_en}” before"),
                                     reference=record.reference, state=to_state, **_titles(definition, to_state, "state"))
    if definition.state(to_state).final:
        raise TransitionNotAvailable(gettext_noop("“{state_en}” is a final state"),
                                     state=to_state, **_titles(definition, to_state, "state"))
    if not comment.strip():
        raise TransitionNotAvailable(gettext_noop("say why the record is sent back"))
    steps = [(name, details) for seq, kind, _, name, details in story
             if seq > entered and kind in (HistoryEntry.Kind.TRANSITION, HistoryEntry.Kind.TIMER)]
    found = _unrepeatable(definition, steps)
    if found:
        # A correction never undoes business effects: going back past a recorded payment
        # or an issued number would repeat it when the step is taken again.
        transition, spec = found
        raise TransitionNotAvailable(
            gettext_noop("Since “{state_en}”, the step “{step_en}” ran “{action_en}”, which taking the step again "
                         "would repeat; cancel the record, or send it back to a later state"),
            state=to_state, transition=transition, action=spec.name, action_en=spec.title_en or spec.name,
            action_zh=spec.title_zh or spec.name, **_titles(definition, to_state, "state"),
            **_titles(definition, transition, "step"))
    now = step.now
    since = record.history.filter(seq=entered).values_list("at", flat=True).first()
    details = _give_up_holds(record, since, user, now) if since is not None else {}
    scheduled_before = [(name, details) for seq, kind, _, name, details in story
                        if seq <= entered and kind in (HistoryEntry.Kind.TRANSITION, HistoryEntry.Kind.TIMER)]
    if _ran(definition, steps, SCHEDULE) and not _ran(definition, scheduled_before, SCHEDULE):
        if kernel_receivables.void(_kernel_context(record, user, now)):
            details["schedule_dropped"] = True
    return _jump(step, to_state, HistoryEntry.Kind.SEND_BACK, comment, details=details or None)


def _check_target(definition, record: Record, to_state: str) -> None:
    """Refuse, in words, a target that is no state of the flow (a post without one, or a made-up one).

    Without this an empty name matched the history's vote entries (whose to_state is "") and
    the flow's state look-up raised a KeyError (a 500); the raw text posted is not echoed back.
    """
    if not (to_state or "").strip():
        raise TransitionNotAvailable(gettext_noop("choose the earlier state to send {reference} back to"),
                                     reference=record.reference)
    try:
        definition.state(to_state)
    except KeyError:
        raise TransitionNotAvailable(
            gettext_noop("{reference} cannot be sent back there: its flow has no such state; "
                         "choose one of the earlier states offered"), reference=record.reference) from None


def _unrepeatable(definition, steps) -> tuple[str, ActionSpec] | None:
    """The first (transition, action) among these (transition, details) steps whose action must not run twice.

    An action no longer installed counts as unrepeatable: nothing says it is safe.
    """
    catalogue = action_catalogue()
    for name, details in steps:
        for action in _actions_ran(definition, name, details):
            spec = catalogue.get(action) or ActionSpec(action, {})
            if not spec.repeatable:
                return name, spec
    return None


def _actions_ran(definition, transition: str, details) -> tuple[str, ...]:
    """The actions a step ran: as its history entry says when some were conditional, else all it declares."""
    if isinstance(details, dict) and isinstance(details.get("actions_ran"), list):
        return tuple(details["actions_ran"])
    try:
        return tuple(call.action for call in definition.transition(transition).actions) if transition else ()
    except KeyError:
        return ()  # a transition of an older version the record was moved from


def _title(definition, name: str, language: str) -> str:
    """A state's or transition's title in `language` ("en" or "zh"), for messages (its name if it has none)."""
    for find in (definition.state, definition.transition):
        try:
            title = find(name).title
        except KeyError:
            continue
        return getattr(title, language) if title else name
    return name


def _titles(definition, name: str, key: str) -> dict[str, str]:
    """A state's or step's title in both languages, as a refusal's `KEY_en` / `KEY_zh` params."""
    return {f"{key}_en": _title_en(definition, name), f"{key}_zh": _title_zh(definition, name)}


def _title_zh(definition, name: str) -> str:
    return _title(definition, name, "zh")


def _title_en(definition, name: str) -> str:
    return _title(definition, name, "en")


@transaction.atomic
def withdraw(user, record_id: int, comment: str = "") -> Record:
    """撤回: the submitter takes back the last step while nobody has acted on it yet."""
    locked = locked_record(user, record_id)
    record = locked.record
    step = Step.of(locked, user)
    definition = step.definition
    last = record.history.filter(kind=HistoryEntry.Kind.TRANSITION, to_state=record.state).order_by("-seq").first()
    if last is None or last.actor_id != user.pk:
        raise NotPermitted(gettext_noop("withdraw a step you did not submit"))
    if last.from_state == last.to_state:
        # A step that stayed in its state moved nothing back to undo (it kept the tasks).
        raise TransitionNotAvailable(
            gettext_noop("'{transition}' kept the record in this state; there is no step to withdraw"),
            transition=last.transition, step_zh=_title_zh(definition, last.transition))
    check_protection(user, locked.roles, record)
    # every act on a record (a vote, a claim, a step) appends to its history
    if record.history.filter(seq__gt=last.seq).exclude(kind=HistoryEntry.Kind.ESCALATE).exists():
        raise TransitionNotAvailable(
            gettext_noop("someone has already acted on this step; it can no longer be withdrawn"))
    if _actions_ran(definition, last.transition, last.details):
        raise TransitionNotAvailable(
            gettext_noop("'{transition}' ran actions (such as holding a unit) that a withdrawal cannot undo"),
            transition=last.transition, step_zh=_title_zh(definition, last.transition))
    return _jump(step, last.from_state, HistoryEntry.Kind.WITHDRAW, comment)


def cancel(user, record_id: int, comment: str, form: dict | None = None) -> Record:
    """Cancel through the flow's `cancel` transition, so its actions run."""
    return fire(user, record_id, "cancel", form, comment=comment)


__all__ = ["cancel", "send_back", "withdraw"]

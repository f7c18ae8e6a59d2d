"""Moves that are not declared transitions: send back (退回), withdraw (撤回), cancel.

Send back and withdraw only ever return a record to a state it has been in, and never
run actions: they are corrections, not business steps. Cancelling fires the flow's own
`cancel` transition, so its actions (releasing a unit, refunding) always run.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import HistoryEntry, Record, TaskStatus, Vote
from ..versions import definition_for
from .access import MANAGER_ROLES, user_facts
from .context import names
from .errors import NotPermitted, TransitionNotAvailable
from .records import visible_record
from .transitions import fire, relocate


def _jump(record: Record, definition, to_state: str, actor, roles, kind: str, comment: str) -> Record:
    scope = names(definition, record.data, None, record.project, user_facts(actor, roles))
    relocate(record, definition, to_state, actor, scope, timezone.now(), kind=kind, comment=comment)
    return record


@transaction.atomic
def send_back(user, record_id: int, to_state: str, comment: str) -> Record:
    """退回: whoever may act on the current step returns the record to an earlier state."""
    record, roles = visible_record(user, record_id, lock=True)
    definition = definition_for(record)
    open_tasks = list(record.tasks.filter(status=TaskStatus.OPEN))
    acts_here = any(t.assignee_id == user.pk or (t.assignee_id is None and roles & set(t.roles)) for t in open_tasks)
    if not (acts_here or roles & MANAGER_ROLES):
        raise NotPermitted("send this record back", sorted({r for t in open_tasks for r in t.roles}))
    entered = record.history.filter(to_state=to_state).order_by("-seq").values_list("seq", flat=True).first()
    if to_state == record.state or entered is None:
        raise TransitionNotAvailable(f"{record.reference} has not been in '{to_state}' before",
                                     f"{record.reference} 之前未处于状态 '{to_state}'")
    if definition.state(to_state).final:
        raise TransitionNotAvailable(f"'{to_state}' is final", f"'{to_state}' 是终态")
    if not comment.strip():
        raise TransitionNotAvailable("say why the record is sent back", "请填写退回原因")
    since = record.history.filter(seq__gt=entered, kind__in=[HistoryEntry.Kind.TRANSITION, HistoryEntry.Kind.TIMER])
    done = _unrepeatable(definition, since.values_list("transition", flat=True))
    if done:
        # A correction never undoes business effects: going back past a recorded payment
        # or an issued number would repeat it when the step is taken again.
        transition, action = done
        raise TransitionNotAvailable(
            f"'{transition}' ran {action} since '{to_state}', which taking the step again would repeat; "
            f"cancel the record, or send it back to a later state",
            f"自「{to_state}」以来的「{transition}」已执行 {action}，重新办理会重复执行：请作废记录，或退回到更晚的状态")
    return _jump(record, definition, to_state, user, roles, HistoryEntry.Kind.SEND_BACK, comment)


def _unrepeatable(definition, transitions) -> tuple[str, str] | None:
    """The first (transition, action) among these that must not run twice for one record."""
    from ..environment import action_catalogue

    catalogue = action_catalogue()
    for name in transitions:
        try:
            calls = definition.transition(name).actions if name else ()
        except KeyError:
            continue  # a transition of an older version the record was moved from
        for call in calls:
            spec = catalogue.get(call.action)
            if spec is None or not spec.repeatable:
                return name, call.action
    return None


@transaction.atomic
def withdraw(user, record_id: int, comment: str = "") -> Record:
    """撤回: the submitter takes back the last step while nobody has acted on it yet."""
    record, roles = visible_record(user, record_id, lock=True)
    definition = definition_for(record)
    last = record.history.filter(kind=HistoryEntry.Kind.TRANSITION, to_state=record.state).order_by("-seq").first()
    if last is None or last.actor_id != user.pk:
        raise NotPermitted("withdraw a step you did not submit")
    acted = (record.history.filter(seq__gt=last.seq).exclude(kind=HistoryEntry.Kind.ESCALATE).exists()
             or Vote.objects.filter(record=record, at__gte=last.at).exists())
    if acted:
        raise TransitionNotAvailable("someone has already acted on this step; it can no longer be withdrawn",
                                     "已有人处理该步骤，无法撤回")
    if definition.transition(last.transition).actions:
        raise TransitionNotAvailable(
            f"'{last.transition}' ran actions (such as holding a unit) that a withdrawal cannot undo",
            f"「{last.transition}」已执行动作（如锁定房源），无法撤回")
    return _jump(record, definition, last.from_state, user, roles, HistoryEntry.Kind.WITHDRAW, comment)


def cancel(user, record_id: int, comment: str, form: dict | None = None) -> Record:
    """Cancel through the flow's `cancel` transition, so its actions run."""
    return fire(user, record_id, "cancel", form, comment=comment)


__all__ = ["cancel", "send_back", "withdraw"]

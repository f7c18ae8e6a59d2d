"""Approvals: votes on slots (会签 all / 或签 any / N of a set), and adding an approver (加签).

An approval is the group of open slots with one task name in the current visit of a
state. A rejection on any slot decides at once; otherwise the approval passes when
every slot has an approving vote. The decision fires the transition the definition
names for it, inside the same transaction as the deciding vote.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext_noop

from ..models import HistoryEntry, Task, Vote
from ..versions import definition_for
from . import history
from .access import MANAGER_ROLES
from .errors import BadRequest, NotPermitted, TaskNotOpen
from .records import check_protection, locked_record
from .step import Step
from .tasks import _colleague, _locked_task, close
from .transitions import move


def _group(task: Task):
    return Task.objects.filter(record=task.record, name=task.name, visit=task.visit, kind="approval")


def vote_refusal(user, roles: frozenset[str], task: Task, declared: Sequence = ()) -> NotPermitted | None:
    """Why the user may not vote on this open slot, or None if they may (`declared`: the flow's own roles).

    The one rule for the vote itself and for the pages that offer the buttons (whether
    the user already voted on the approval is checked separately, with the votes).
    """
    if task.kind != "approval":
        return NotPermitted(gettext_noop("vote on a work task"))
    if task.delegate_id is not None:
        return NotPermitted(gettext_noop("vote while {delegate} works on this approval"), delegate=str(task.delegate))
    if task.assignee_id not in (None, user.pk):
        return NotPermitted(gettext_noop("vote on a slot {assignee} holds"), assignee=str(task.assignee))
    if task.assignee_id != user.pk and not roles & set(task.roles):
        return NotPermitted(gettext_noop("vote on this approval"), task.roles, declared=declared)
    return None


@transaction.atomic
def vote(user, task_id: int, decision: str, comment: str = ""):
    """Record the user's vote on an approval slot; decide the approval if this vote does.

    One read of the record's open tasks serves every decision here: which slot, whether
    others of the approval are still open, and the tasks the deciding move closes.
    """
    if decision not in Vote.Decision.values:
        raise BadRequest(gettext_noop("a vote is approve or reject, not {decision!r}"), decision=decision)
    locked = locked_record(user, None, task_id=task_id, voter_id=user.pk)
    record, roles, open_tasks = locked.record, locked.roles, locked.open_tasks
    task = next((t for t in open_tasks if t.pk == task_id), None)
    if task is None:
        raise TaskNotOpen.closed(Task.objects.get(pk=task_id), record.reference)
    task.record = record
    step = Step.of(locked, user)
    definition = step.definition
    refusal = vote_refusal(user, roles, task, definition.roles)
    if refusal is not None:
        raise refusal
    check_protection(user, roles, record)
    if locked.voted:
        raise TaskNotOpen(gettext_noop("you have already voted on this approval"))
    held = roles & set(task.roles)
    role = min(held) if held else ""
    now = step.now
    spec = definition.state(record.state).task(task.name)
    assert spec is not None, "an open approval slot is a task of its record's version"
    still_open = step.open_tasks = [t for t in open_tasks if t.pk != task.pk]
    waiting = any(t.kind == "approval" and t.name == task.name and t.visit == task.visit for t in still_open)
    decided = decision == Vote.Decision.REJECT or not waiting
    details = {"task": task.name, "task_id": task.pk, "decision": decision, "role": role}
    outcome = None
    if decided:
        leads_to = spec.rejected if decision == Vote.Decision.REJECT else spec.approved
        assert leads_to is not None, "the validator requires an approval's approved and rejected steps"
        outcome = definition.transition(leads_to)
    step.batch.insert(Vote, [{"task_id": task.pk, "record_id": record.pk, "user_id": user.pk, "role": role,
                              "decision": decision, "comment": comment, "at": now}])
    close(task, user, now, outcome=decision, batch=step.batch)
    # When the vote decides, the move's record UPDATE also stores the history counter.
    history.append(record, HistoryEntry.Kind.VOTE, user, comment=comment, details=details,
                   save_seq=not decided, batch=step.batch)
    if outcome is None:
        step.flush()
        return record  # still waiting for other slots
    # The vote travels with the move's statements (the move sends it first if the outcome runs actions).
    # An outcome back to the same state asks anew: the decided approval does not stay open.
    return move(step, outcome, None, comment=comment, details={"approval": task.name, "decision": decision},
                reenter=True)


@transaction.atomic
def add_approver(user, task_id: int, *, role: str | None = None, user_id: int | None = None, comment: str = "") -> Task:
    """加签: one more slot the running approval must wait for, for a role or a person."""
    if (role is None) == (user_id is None):
        raise BadRequest(gettext_noop("name either a role or a colleague to add"))
    task, roles = _locked_task(user, task_id)
    if task.kind != "approval":
        raise NotPermitted(gettext_noop("add an approver to a work task"))
    group = list(_group(task))
    voters = set(Vote.objects.filter(task__in=group).values_list("user_id", flat=True))
    in_group = roles & {r for t in group for r in t.roles}
    if not (in_group or user.pk in voters or roles & MANAGER_ROLES):
        raise NotPermitted(gettext_noop("add an approver"), sorted(MANAGER_ROLES))
    if role is not None:
        known = definition_for(task.record).role_names
        if role not in known:
            raise BadRequest(gettext_noop("unknown role {role!r}: nobody could take the added approval"), role=role)
    assignee = _colleague(task.project_id, user_id, None) if user_id else None
    slot = Task.objects.create(
        record=task.record, project_id=task.project_id, flow=task.flow, state=task.state, visit=task.visit,
        name=task.name, kind="approval", roles=[role] if role else [], role=role or "", assignee=assignee,
        due_at=task.due_at, added_by=user)
    history.append(task.record, HistoryEntry.Kind.ADD_APPROVER, user, comment=comment,
                   details={"task": task.name, "task_id": slot.pk, "role": role or "", "user": str(assignee or "")})
    return slot

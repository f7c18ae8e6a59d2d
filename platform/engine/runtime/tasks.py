"""Claiming and handing on tasks: claim, unclaim, reassign, transfer, delegate, complete."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from ..models import HistoryEntry, Task, TaskCandidate, TaskStatus
from ..versions import definition_for
from . import history, rows
from .access import MANAGER_ROLES, roles_in
from .errors import NotPermitted, RecordNotFound, TaskNotOpen, task_titles
from .records import check_protection, locked_record


def _locked_task(user, task_id: int) -> tuple[Task, frozenset[str]]:
    """Lock the task's record (the same lock transitions take), then read the task.

    Every change to a task happens under its record's lock, so the task read after
    it is current; it needs no lock of its own.
    """
    locked = locked_record(user, None, task_id=task_id)
    task = next((t for t in locked.open_tasks if t.pk == task_id), None)
    if task is None:
        raise TaskNotOpen.closed(Task.objects.get(pk=task_id), locked.record.reference)
    return task, locked.roles


def _set_assignee(task: Task, user) -> None:
    task.assignee = user
    task.save(update_fields=["assignee"])
    if len(task.roles) > 1 or task.escalated_at is not None:
        TaskCandidate.objects.filter(task=task).update(is_open=user is None)


def _colleague(project_id: int, user_id: int, roles: list[str] | None):
    colleague = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if colleague is None:
        raise RecordNotFound("user")
    theirs = roles_in(colleague, project_id)
    if roles is not None and not theirs & set(roles):
        raise NotPermitted(gettext_noop("hand this task to {colleague}"), roles, colleague=str(colleague))
    if not theirs:
        raise NotPermitted(gettext_noop("hand this task to {colleague}, who is not a member of this project"),
                           colleague=str(colleague))
    return colleague


def close(task: Task, user, now, outcome: str = "", *, batch: rows.Batch) -> None:
    """Mark an open task done by `user` (who then holds it), with the outcome of a vote if any (held in `batch`)."""
    task.status, task.outcome, task.closed_at, task.closed_by_id = TaskStatus.DONE, outcome, now, user.pk
    task.assignee_id = task.assignee_id or user.pk
    batch.update(Task, {"id": task.pk}, {"status": task.status, "outcome": outcome, "closed_at": now,
                                         "closed_by": user.pk, "assignee": task.assignee_id})
    if len(task.roles) > 1 or task.escalated_at is not None:
        batch.update(TaskCandidate, {"task_id": task.pk}, {"is_open": False})


@transaction.atomic
def claim(user, task_id: int) -> Task:
    task, roles = _locked_task(user, task_id)
    if task.assignee_id == user.pk:
        return task  # a double click claims once
    if task.assignee_id is not None:
        en, zh = task_titles(task)
        raise TaskNotOpen(gettext_noop("{assignee} has already claimed “{task_en}” of {reference}"),
                          assignee=str(task.assignee), reference=task.record.reference, task=task.name,
                          task_en=en, task_zh=zh)
    if not roles & set(task.roles):
        en, zh = task_titles(task)
        raise NotPermitted(gettext_noop("claim this task (“{task_en}” of {reference})"), task.roles,
                           declared=definition_for(task.record).roles, reference=task.record.reference,
                           task=task.name, task_en=en, task_zh=zh)
    check_protection(user, roles, task.record)
    _set_assignee(task, user)
    history.append(task.record, HistoryEntry.Kind.CLAIM, user, details={"task": task.name, "task_id": task.pk})
    return task


@transaction.atomic
def unclaim(user, task_id: int) -> Task:
    task, roles = _locked_task(user, task_id)
    if task.assignee_id != user.pk and not roles & MANAGER_ROLES:
        raise NotPermitted(gettext_noop("release a task someone else holds"), sorted(MANAGER_ROLES))
    _set_assignee(task, None)
    history.append(task.record, HistoryEntry.Kind.UNCLAIM, user, details={"task": task.name, "task_id": task.pk})
    return task


@transaction.atomic
def reassign(manager, task_id: int, to_user_id: int, comment: str = "") -> Task:
    """A manager gives the task to a colleague who holds one of its roles."""
    task, roles = _locked_task(manager, task_id)
    if not roles & MANAGER_ROLES:
        raise NotPermitted(gettext_noop("reassign tasks"), sorted(MANAGER_ROLES))
    colleague = _colleague(task.project_id, to_user_id, task.roles)
    previous = task.assignee
    _set_assignee(task, colleague)
    history.append(task.record, HistoryEntry.Kind.REASSIGN, manager, comment=comment,
                   details={"task": task.name, "task_id": task.pk, "from": str(previous or ""), "to": str(colleague)})
    return task


@transaction.atomic
def transfer(user, task_id: int, to_user_id: int, comment: str = "") -> Task:
    """转办: the holder hands the task over; it becomes the colleague's."""
    task, _ = _locked_task(user, task_id)
    if task.assignee_id != user.pk:
        raise NotPermitted(gettext_noop("transfer a task you do not hold"))
    colleague = _colleague(task.project_id, to_user_id, task.roles)
    _set_assignee(task, colleague)
    history.append(task.record, HistoryEntry.Kind.TRANSFER, user, comment=comment,
                   details={"task": task.name, "task_id": task.pk, "to": str(colleague)})
    return task


@transaction.atomic
def delegate(user, task_id: int, to_user_id: int, comment: str = "") -> Task:
    """委托: a colleague works on it, then hands it back for the holder to confirm."""
    task, _ = _locked_task(user, task_id)
    if task.assignee_id != user.pk:
        raise NotPermitted(gettext_noop("delegate a task you do not hold"))
    colleague = _colleague(task.project_id, to_user_id, None)
    task.delegate = colleague
    task.delegation_note = ""
    task.save(update_fields=["delegate", "delegation_note"])
    history.append(task.record, HistoryEntry.Kind.DELEGATE, user, comment=comment,
                   details={"task": task.name, "task_id": task.pk, "to": str(colleague)})
    return task


@transaction.atomic
def return_delegation(delegate_user, task_id: int, note: str) -> Task:
    """The delegate hands the task back with their findings; the holder then acts."""
    task, _ = _locked_task(delegate_user, task_id)
    if task.delegate_id != delegate_user.pk:
        raise NotPermitted(gettext_noop("return a task that was not delegated to you"))
    task.delegate = None
    task.delegation_note = note
    task.save(update_fields=["delegate", "delegation_note"])
    history.append(task.record, HistoryEntry.Kind.RETURN, delegate_user, comment=note,
                   details={"task": task.name, "task_id": task.pk, "to": str(task.assignee)})
    return task


@transaction.atomic
def complete(user, task_id: int, comment: str = "") -> Task:
    """Finish a work task without moving the record (parallel work; see `requires`)."""
    task, roles = _locked_task(user, task_id)
    if task.kind != "work":
        raise NotPermitted(gettext_noop("complete an approval; vote on it instead"))
    mine = task.assignee_id == user.pk
    if not mine and (task.assignee_id is not None or not roles & set(task.roles)):
        raise NotPermitted(gettext_noop("complete this task"), task.roles, declared=definition_for(task.record).roles)
    if task.delegate_id is not None:
        raise NotPermitted(gettext_noop("complete this task while {delegate} works on it"),
                           delegate=str(task.delegate))
    check_protection(user, roles, task.record)
    batch = rows.Batch()
    close(task, user, timezone.now(), batch=batch)
    history.append(task.record, HistoryEntry.Kind.COMPLETE, user, comment=comment,
                   details={"task": task.name, "task_id": task.pk}, batch=batch)
    batch.flush()
    return task

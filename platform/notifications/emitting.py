"""From the engine's events to notifications: which person learns of which piece of work.

The engine emits events inside its transaction (kernel.events); they only register an
after-commit hook that enqueues the record's job (`notifications.tasks.on_event`, beside the
job it queues), so a rolled-back step tells nobody. The job (`create`, here) reads the
record's current work and creates the notifications it implies, each named by an event
key: a second run, or a second consumer running at the same moment, finds them made (unique
event key and recipient, INSERT ... ON CONFLICT DO NOTHING) and delivers nothing twice.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse

from .models import Delivery, Kind, Notification

log = logging.getLogger(__name__)

def _members(project_id: int, roles, record_id: int, skip: int | None) -> list[int]:
    """The active members holding one of `roles` who may see the record, less `skip` (who acted).

    A consultant sees only their own work (engine.runtime.visibility): a task of a colleague's
    record is not offered to them in the inbox, so they are not told of it either.
    """
    from accounts.models import Membership
    from engine.models import Record
    from engine.runtime.visibility import own_work, restricted_roles

    held: dict[int, set[str]] = {}
    for user_id, role in Membership.objects.filter(project_id=project_id, user__is_active=True,
                                                   user_id__in=Membership.objects.filter(
                                                       project_id=project_id, role__in=list(roles))
                                                   .values("user_id")).values_list("user_id", "role"):
        held.setdefault(user_id, set()).add(role)
    out = []
    for user_id, their in sorted(held.items()):
        if user_id == skip:
            continue
        through = their & set(roles)
        if through <= restricted_roles(frozenset(their)):  # only through own-work roles: their own records only
            if not Record.objects.filter(own_work(user_id, project_id=project_id, held_before=False),
                                         pk=record_id).exists():
                continue
        out.append(user_id)
    return out


def planned(record_id: int) -> list[dict]:
    """The notifications the record's current work implies (made or not yet).

    Three reads when nobody new is to be told (the record with its version's hash, its claims,
    send-backs and last entry in one, its open tasks), plus the members of the roles a task is
    offered to: the consumer runs this after nearly every step.
    """
    from django.db.models import F, Q

    from engine.models import HistoryEntry, Record, TaskCandidate, TaskStatus
    from engine.runtime.errors import task_titles

    record = (Record.objects.filter(pk=record_id).annotate(version_hash=F("version__content_hash"))
              .only("id", "project_id", "version_id", "flow", "reference", "created_by_id", "last_seq").first())
    if record is None:
        return []
    link = reverse("web:record", args=[record.pk])
    base = {"project_id": record.project_id, "record_id": record.pk, "link": link}
    ref = record.reference
    out: list[dict] = []
    # one read for claims, send-backs, approvals' decisions (the move of the deciding vote) and the last entry
    entries = list(HistoryEntry.objects.filter(Q(kind__in=[HistoryEntry.Kind.CLAIM, HistoryEntry.Kind.SEND_BACK])
                                               | Q(kind=HistoryEntry.Kind.TRANSITION, details__has_key="approval")
                                               | Q(seq=record.last_seq), record_id=record.pk)
                   .values_list("pk", "seq", "kind", "actor_id", "details", "comment", "from_state"))
    # who acted last knows what they did: a consultant starting a draft is not told of its first task
    actor = next((e[3] for e in entries if e[1] == record.last_seq), None)
    claimed = {(actor_id, (details or {}).get("task_id"))
               for _pk, _seq, kind, actor_id, details, _c, _f in entries if kind == HistoryEntry.Kind.CLAIM}
    tasks = list(record.tasks.filter(status=TaskStatus.OPEN))
    extra_roles: dict[int, list[str]] = {}
    escalated = [t.pk for t in tasks if t.escalated_at is not None]
    if escalated:
        for task_id, role in TaskCandidate.objects.filter(task__in=escalated).values_list("task_id", "role"):
            extra_roles.setdefault(task_id, []).append(role)
    for task in tasks:
        task.record = record  # its definition is found through the record's version, without a query
        en, zh = task_titles(task)
        params = {"reference": ref, "task_en": en, "task_zh": zh}
        if task.assignee_id is not None:
            if (task.assignee_id, task.pk) not in claimed and task.assignee_id != actor:  # they know it already
                out.append({**base, "kind": Kind.TASK_ASSIGNED, "recipient_id": task.assignee_id, "params": params,
                            "event_key": f"task:{task.pk}:assigned"})
        else:
            for user_id in _members(record.project_id, task.roles, record.pk, actor):
                out.append({**base, "kind": Kind.TASK_OFFERED, "recipient_id": user_id, "params": params,
                            "event_key": f"task:{task.pk}:offered"})
        if task.escalated_at is not None:
            roles = [r for r in extra_roles.get(task.pk, []) if r not in task.roles]
            at = int(task.escalated_at.timestamp())
            for user_id in _members(record.project_id, roles, record.pk, None):
                out.append({**base, "kind": Kind.TASK_ESCALATED, "recipient_id": user_id, "params": params,
                            "event_key": f"task:{task.pk}:escalated:{at}"})
    if record.created_by_id is not None:
        for entry_id, _seq, kind, actor_id, details, comment, from_state in entries:
            if actor_id == record.created_by_id:
                continue  # who decided, or sent back, their own record knows it
            if kind == HistoryEntry.Kind.SEND_BACK:
                out.append({**base, "kind": Kind.SENT_BACK, "recipient_id": record.created_by_id,
                            "params": {"reference": ref, "comment": comment}, "event_key": f"history:{entry_id}"})
            elif kind == HistoryEntry.Kind.TRANSITION and "approval" in (details or {}):
                en, zh = _approval_titles(record, from_state, details["approval"])
                out.append({**base, "kind": Kind.APPROVAL_DECIDED, "recipient_id": record.created_by_id,
                            "params": {"reference": ref, "task_en": en, "task_zh": zh,
                                       "decision": details.get("decision", ""), "comment": comment},
                            "event_key": f"history:{entry_id}"})
    return out


def _approval_titles(record, state: str, name: str) -> tuple[str, str]:
    """The decided approval's title (English, Chinese) as the record's flow version gives it; its name if untitled."""
    from engine.versions import definition_for

    try:
        spec = definition_for(record).state(state).task(name)
    except KeyError:
        spec = None
    if spec is None or spec.title is None:
        return name, name
    return spec.title.en, spec.title.zh


def create(record_id: int) -> list[int]:
    """Create the record's due notifications and their deliveries; the ids of the deliveries still to send.

    Safe to run twice and from two consumers at once: both inserts ignore rows that exist.
    """
    wanted = planned(record_id)
    if not wanted:
        return []
    from .preferences import any_extra, deliveries  # each recipient's chosen channels, EXTRA_CHANNELS by default

    if not any_extra(wanted):  # the bell only, as everyone concerned chose: nothing to deliver, then or before
        Notification.objects.bulk_create([Notification(**w) for w in wanted], ignore_conflicts=True)
        return []
    with transaction.atomic():
        Notification.objects.bulk_create([Notification(**w) for w in wanted], ignore_conflicts=True)
        keys = {w["event_key"] for w in wanted}
        made = list(Notification.objects.filter(record_id=record_id, event_key__in=keys)
                    .values_list("pk", "kind"))
        Delivery.objects.bulk_create(deliveries(made), ignore_conflicts=True)
        return list(Delivery.objects.filter(notification_id__in=[pk for pk, _ in made])
                    .exclude(status=Delivery.Status.SENT).values_list("pk", flat=True))

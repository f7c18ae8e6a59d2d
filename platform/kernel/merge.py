"""Duplicates: two customers who are one person made one, in one transaction, losing nothing.

`merge_customers` moves everything the duplicate has to the survivor — registrations,
visits and calls (then recounting which are first visits and which returning), follow-ups,
relations, change requests, earlier merges, payment reminders, the profile fields the
survivor lacks — then
asks the layers above the kernel to move what they keep (the engine's records naming the
customer, the points plugin's accounts), deletes the duplicate and writes a
`CustomerMerge` with the counts. Any refusal or failure on the way rolls the whole merge
back: both customers stay as they were.

The kernel may not import the engine or the plugins, so their parts are named here by
dotted path (`PARTS`, overridable with the `CUSTOMER_MERGE_PARTS` setting) and loaded
when a merge runs. The duplicate's phone stays the survivor's: the merge keeps it
(`CustomerMerge.merged_phone`) and kernel.customers.by_phone finds the survivor by it, so
the front desk and the searches know the number and registering it again names the
survivor; the duplicate's old id leads to the survivor too (`customers.survivor_of`).
Each part is a module with
`count(survivor_id, duplicate_id) -> dict[str, int]` (what would move),
`check(survivor, duplicate, now) -> None` (raises a `KernelError` to refuse) and
`move(survivor, duplicate, now, by_user_id) -> dict[str, int]`.

Registrations in a project where both are registered: one stays. The survivor's is
kept, unless its protection has ended while the duplicate's still runs; then the
duplicate's consultant and protection period are carried over onto the survivor's row
(so the consultant who is protected now keeps the customer). The latest stage and
contact, and the nearer next follow-up date, are kept either way.
"""
from __future__ import annotations

from datetime import datetime
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .access import MANAGER_ROLES, memberships_of
from .audit import stamp
from .errors import CustomerNotFound, KernelError, MergeConflict, MergeSameCustomer, NotPermitted
from .models.customers import (
    ChangeStatus,
    Customer,
    CustomerChangeRequest,
    CustomerMerge,
    CustomerRegistration,
    CustomerRelation,
)
from .models.dunning import DunningNotice
from .models.followups import FollowUp
from .models.projects import Project
from .models.visits import Visit

# (app label that must be installed, module): the engine's records, the points plugin's accounts.
PARTS = (("engine", "engine.customer_merge"), ("points", "plugins.points.merge"))
KERNEL_KINDS = ("registrations", "visits", "follow_ups", "relations", "change_requests", "merges", "profile_fields",
                "reminders")


def parts() -> list[ModuleType]:
    found = []
    for label, module in getattr(settings, "CUSTOMER_MERGE_PARTS", PARTS):
        if any(config.label == label for config in apps.get_app_configs()):
            found.append(import_module(module))
    return found


def ensure_may_merge(*, survivor: Customer, duplicate: Customer, by_user_id: int) -> None:
    """A manager in every project where the duplicate is registered, and in one of the survivor's."""
    roles = memberships_of(by_user_id)
    theirs = {r.project_id for r in duplicate.registrations.all()}
    ours = {r.project_id for r in survivor.registrations.all()}
    missing = sorted(p for p in theirs if not roles.get(p, frozenset()) & MANAGER_ROLES)
    if not theirs and not any(roles.get(p, frozenset()) & MANAGER_ROLES for p in ours):
        missing = sorted(ours) or [None]  # type: ignore[list-item]  # None: no project at all (NotPermitted names none)
    if missing:
        codes = [c for c in Project.objects.filter(pk__in=[p for p in missing if p]).values_list("code", flat=True)]
        raise NotPermitted(action="merging customers", action_zh="合并客户", project="、".join(codes) or "—",
                           roles=sorted(MANAGER_ROLES))


def preview(*, survivor_id: int, duplicate_id: int, by_user_id: int,
            now: datetime | None = None) -> tuple[dict[str, int], KernelError | None]:
    """What a merge would move (kind -> count, only kinds with something) and the refusal it would meet, if any."""
    now = now or timezone.now()
    refusal = None
    try:
        survivor, duplicate = _pair(survivor_id, duplicate_id, lock=False)
        ensure_may_merge(survivor=survivor, duplicate=duplicate, by_user_id=by_user_id)
        for part in parts():
            part.check(survivor, duplicate, now)
    except KernelError as error:
        refusal = error
    counts = {
        "registrations": CustomerRegistration.objects.filter(customer_id=duplicate_id).count(),
        "visits": Visit.objects.filter(customer_id=duplicate_id).count(),
        "follow_ups": FollowUp.objects.filter(customer_id=duplicate_id).count(),
        "relations": CustomerRelation.objects.filter(Q(from_customer_id=duplicate_id)
                                                     | Q(to_customer_id=duplicate_id)).count(),
        "change_requests": CustomerChangeRequest.objects.filter(customer_id=duplicate_id).count(),
        "reminders": DunningNotice.objects.filter(customer_id=duplicate_id).count(),
    }
    for part in parts():
        counts.update(part.count(survivor_id, duplicate_id))
    return {k: v for k, v in counts.items() if v}, refusal


@transaction.atomic
def merge_customers(*, survivor_id: int, duplicate_id: int, by_user_id: int,
                    now: datetime | None = None) -> CustomerMerge:
    """Make `duplicate_id` part of `survivor_id` (manager only), all or nothing; returns the merge's record."""
    now = now or timezone.now()
    survivor, duplicate = _pair(survivor_id, duplicate_id, lock=True)
    ensure_may_merge(survivor=survivor, duplicate=duplicate, by_user_id=by_user_id)
    loaded = parts()
    for part in loaded:
        part.check(survivor, duplicate, now)
    moved = {
        "registrations": _move_registrations(survivor, duplicate, now, by_user_id),
        "visits": _move_visits(survivor, duplicate),
        "follow_ups": FollowUp.objects.filter(customer=duplicate).update(customer=survivor),
        "relations": _move_relations(survivor, duplicate),
        "change_requests": _move_change_requests(survivor, duplicate, now, by_user_id),
        "merges": CustomerMerge.objects.filter(survivor=duplicate).update(survivor=survivor),
        "profile_fields": _fill_profile(survivor, duplicate, now, by_user_id),
        # payment reminders name their customer by a hidden relation (no reverse name), which the
        # sweep of other rows below cannot see: deleting the duplicate would blank them
        "reminders": DunningNotice.objects.filter(customer=duplicate).update(customer=survivor),
    }
    for part in loaded:
        moved.update(part.move(survivor, duplicate, now, by_user_id))
    moved.update(_move_other_rows(survivor, duplicate))
    merge = CustomerMerge.objects.create(survivor=survivor, merged_id=duplicate.pk, merged_name=duplicate.name,
                                         merged_phone=duplicate.phone, moved={k: v for k, v in moved.items() if v},
                                         by_id=by_user_id, at=now)
    stamp(duplicate, by_user_id, now)
    duplicate.delete()
    return merge


def _pair(survivor_id: int, duplicate_id: int, *, lock: bool) -> tuple[Customer, Customer]:
    if survivor_id == duplicate_id:
        raise MergeSameCustomer(customer_id=survivor_id)
    rows = Customer.objects.filter(pk__in=[survivor_id, duplicate_id]).order_by("pk")  # lock in id order
    if lock:
        rows = rows.select_for_update()
    found = {c.pk: c for c in rows.prefetch_related("registrations")}
    for pk in (survivor_id, duplicate_id):
        if pk not in found:
            raise CustomerNotFound(customer_id=pk)
    return found[survivor_id], found[duplicate_id]


def _running(registration: CustomerRegistration, now: datetime) -> bool:
    return registration.released_at is None and registration.protected_until > now


def _move_registrations(survivor: Customer, duplicate: Customer, now: datetime, by_user_id: int) -> int:
    ours = {r.project_id: r for r in CustomerRegistration.objects.select_for_update().filter(customer=survivor)}
    moved = 0
    for theirs in CustomerRegistration.objects.select_for_update().filter(customer=duplicate).order_by("pk"):
        kept = ours.get(theirs.project_id)
        if kept is None:
            theirs.customer = survivor
            stamp(theirs, by_user_id, now)
            theirs.save(update_fields=["customer"])
        else:
            if not _running(kept, now) and _running(theirs, now):
                for name in ("consultant_id", "registered_at", "protected_until", "released_at", "reassigned_by_id"):
                    setattr(kept, name, getattr(theirs, name))
            if theirs.last_contact_at and (kept.last_contact_at is None or theirs.last_contact_at > kept.last_contact_at):
                kept.last_contact_at, kept.stage = theirs.last_contact_at, theirs.stage or kept.stage
            kept.stage = kept.stage or theirs.stage
            dates = [d for d in (kept.next_follow_up_on, theirs.next_follow_up_on) if d]
            kept.next_follow_up_on = min(dates) if dates else None
            kept.note = (kept.note or theirs.note)[:200]
            stamp(kept, by_user_id, now)
            kept.save()
            stamp(theirs, by_user_id, now)
            theirs.delete()
        moved += 1
    return moved


def _move_visits(survivor: Customer, duplicate: Customer) -> int:
    """The duplicate's visits and calls become the survivor's; then, in each project they were in, only the
    first of the survivor's visits (in time order) is the first one, every later one is returning (回访)."""
    projects = set(Visit.objects.filter(customer=duplicate).values_list("project_id", flat=True))
    moved = Visit.objects.filter(customer=duplicate).update(customer=survivor)
    seen: set[int] = set()
    returning: list[int] = []
    first: list[int] = []
    for pk, project_id, was in (Visit.objects.filter(customer=survivor, project_id__in=projects)
                                .order_by("at", "pk").values_list("pk", "project_id", "returning")):
        now_returning = project_id in seen
        seen.add(project_id)
        if now_returning != was:
            (returning if now_returning else first).append(pk)
    if returning:
        Visit.objects.filter(pk__in=returning).update(returning=True)
    if first:
        Visit.objects.filter(pk__in=first).update(returning=False)
    return moved


def _move_relations(survivor: Customer, duplicate: Customer) -> int:
    """Relations of the duplicate become the survivor's; one that would relate the survivor to itself, or
    repeat one the survivor has, is dropped (it says nothing new)."""
    existing = set(CustomerRelation.objects.filter(Q(from_customer=survivor) | Q(to_customer=survivor))
                   .values_list("from_customer_id", "to_customer_id", "kind"))
    moved = 0
    for relation in CustomerRelation.objects.filter(Q(from_customer=duplicate) | Q(to_customer=duplicate)):
        a = survivor.pk if relation.from_customer_id == duplicate.pk else relation.from_customer_id
        b = survivor.pk if relation.to_customer_id == duplicate.pk else relation.to_customer_id
        if a == b or (a, b, relation.kind) in existing:
            relation.delete()
            continue
        CustomerRelation.objects.filter(pk=relation.pk).update(from_customer_id=a, to_customer_id=b)
        existing.add((a, b, relation.kind))
        moved += 1
    return moved


def _move_change_requests(survivor: Customer, duplicate: Customer, now: datetime, by_user_id: int) -> int:
    """Decided requests move with their history; a pending one asked to change the duplicate, which is gone:
    it is closed as rejected, saying why, and moves too."""
    CustomerChangeRequest.objects.filter(customer=duplicate, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.REJECTED, decided_by_id=by_user_id, decided_at=now,
        decision_note=f"merged into #{survivor.pk} {survivor.name}"[:300])
    return CustomerChangeRequest.objects.filter(customer=duplicate).update(customer=survivor)


def _fill_profile(survivor: Customer, duplicate: Customer, now: datetime, by_user_id: int) -> int:
    """Profile fields the survivor has no value for take the duplicate's (an ID number, a birthday)."""
    missing = {k: v for k, v in (duplicate.extra or {}).items() if v not in (None, "") and not survivor.extra.get(k)}
    if missing:
        survivor.extra = {**survivor.extra, **missing}
        stamp(survivor, by_user_id, now)
        survivor.save(update_fields=["extra"])
    return len(missing)


def _move_other_rows(survivor: Customer, duplicate: Customer) -> dict[str, int]:
    """Rows of models added later that point at a customer, moved so the delete below never cascades them away."""
    out = {}
    for relation in _customer_relations():
        model, name = relation.related_model, relation.field.name
        try:
            with transaction.atomic():
                count = model._default_manager.filter(**{name: duplicate}).update(**{name: survivor})
        except IntegrityError:  # both have a row that may exist once per customer
            raise MergeConflict(what=str(model._meta.verbose_name_plural), survivor=survivor.name,
                                duplicate=duplicate.name) from None
        if count:
            out[str(model._meta.verbose_name_plural)] = count
    return out


def _customer_relations() -> list:
    known = {CustomerRegistration, Visit, FollowUp, CustomerRelation, CustomerChangeRequest, CustomerMerge,
             DunningNotice}
    return [r for r in Customer._meta.related_objects
            if r.related_model not in known and getattr(r.field, "many_to_one", False)
            and not r.related_model._meta.app_label.startswith("points")
            and not r.related_model.__name__.startswith("Historical")]

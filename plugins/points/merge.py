"""The points plugin's part of merging two customers (kernel.merge): their accounts become one.

In a project where only the duplicate has an account, the account passes to the
survivor as it is. Where both have one, the duplicate's lots (with what is left of them
and when they expire) and journal entries move to the survivor's account, whose
balance and points ever earned add the duplicate's, and the level follows the sum by
the project's rules. The moved entries keep the balance they recorded (the duplicate's
statement as it was); the duplicate's emptied account is deleted. One event awards a
member once, so two awards of the same event (`purchase:SUB-000012`) refuse the merge
until one is reversed.
"""
from __future__ import annotations

from datetime import datetime

from django.db.models import Sum

from extensions.api import MergePointsConflict, RulesMissing, rules_for

from .earning import level_for
from .models import PointsAccount, PointsEntry, PointsLot
from .rules import parse


def count(survivor_id: int, duplicate_id: int) -> dict[str, int]:
    found = PointsAccount.objects.filter(customer_id=duplicate_id).aggregate(n=Sum("balance"))
    accounts = PointsAccount.objects.filter(customer_id=duplicate_id).count()
    return {"points_accounts": accounts, "points": found["n"] or 0}


def check(survivor, duplicate, now: datetime) -> None:
    ours = {a.project_id: a for a in PointsAccount.objects.filter(customer=survivor).select_related("project")}
    for theirs in PointsAccount.objects.filter(customer=duplicate, project_id__in=list(ours)):
        same = (PointsLot.objects.filter(account=theirs, source_key__in=PointsLot.objects.filter(
            account=ours[theirs.project_id]).values("source_key")).values_list("source_key", flat=True).first())
        if same:
            raise MergePointsConflict(survivor=survivor.name, duplicate=duplicate.name, event=same,
                                      project=ours[theirs.project_id].project.code)


def move(survivor, duplicate, now: datetime, by_user_id: int) -> dict[str, int]:
    ours = {a.project_id: a for a in PointsAccount.objects.select_for_update().filter(customer=survivor)}
    accounts = points = 0
    for theirs in PointsAccount.objects.select_for_update().filter(customer=duplicate).order_by("pk"):
        accounts += 1
        points += theirs.balance
        kept = ours.get(theirs.project_id)
        if kept is None:
            PointsAccount.objects.filter(pk=theirs.pk).update(customer=survivor)
            continue
        PointsLot.objects.filter(account=theirs).update(account=kept)
        PointsEntry.objects.filter(account=theirs).update(account=kept)  # bulk update: the journal rows stay as written
        kept.balance += theirs.balance
        kept.points_ever_earned += theirs.points_ever_earned
        try:
            found = rules_for(kept.project_id, "points")
        except RulesMissing:  # no rules (any more): the level stays as the survivor had it
            found = None
        if found is not None:
            kept.level = level_for(kept.points_ever_earned, parse(found.config, found.revision).levels).code
        kept.save(update_fields=["balance", "points_ever_earned", "level", "updated_at"])
        theirs.delete()
    return {"points_accounts": accounts, "points": points}

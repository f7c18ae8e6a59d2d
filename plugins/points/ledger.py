"""Points services: award once per event, redeem oldest first without overdrawing, expire what is due,
reverse an award when its deal is cancelled.

Each service locks the member's account row (`SELECT … FOR UPDATE`) before it reads
lots or the balance, so awards, redemptions and expiry of one member run one after
another; the balance check happens under the lock, and the database's check
constraint backs it up.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from extensions.api import locked_row

from .earning import LotBalance, Overdraw, allocate, due_to_expire, level_for
from .errors import BelowRedemptionMinimum, PointsInsufficient
from .models import EntryKind, PointsAccount, PointsEntry, PointsLot
from .rules import PointsRules


@dataclass(frozen=True)
class Award:
    lot: PointsLot
    created: bool  # False: this event had already awarded the member; nothing changed


@transaction.atomic
def award(*, project_id: int, customer_id: int, rule: str, source_key: str, reference: str, points: int,
          rules: PointsRules, now: datetime, note: str = "") -> Award | None:
    """Award `points` for one event, once. None when the event earns no points (a tiny purchase)."""
    if points <= 0:
        return None
    account = _locked_account(project_id, customer_id)
    existing = account.lots.filter(source_key=source_key).first()
    if existing is not None:
        return Award(existing, False)
    expires_at = now + timedelta(days=rules.expiry_days) if rules.expiry_days else None
    try:
        with transaction.atomic():
            lot = PointsLot.objects.create(account=account, rule=rule, source_key=source_key, reference=reference,
                                           points=points, remaining=points, earned_at=now, expires_at=expires_at,
                                           rules_revision=rules.revision)
    except IntegrityError:
        # Only reachable by a writer that did not lock the account first.
        return Award(PointsLot.objects.get(account=account, source_key=source_key), False)
    account.balance += points
    account.points_ever_earned += points
    account.level = level_for(account.points_ever_earned, rules.levels).code
    account.save(update_fields=["balance", "points_ever_earned", "level", "updated_at"])
    PointsEntry.objects.create(account=account, kind=EntryKind.EARN, points=points, balance_after=account.balance,
                               lot=lot, source_key=source_key, reference=reference, at=now, note=note[:200])
    return Award(lot, True)


@transaction.atomic
def redeem(*, project_id: int, customer_id: int, points: int, source_key: str, reference: str,
           rules: PointsRules, now: datetime, note: str = "") -> PointsEntry:
    """Spend points, oldest first, after expiring what is due. Never below zero; once per `source_key`."""
    if points < rules.redemption_minimum:
        raise BelowRedemptionMinimum(minimum=rules.redemption_minimum, wanted=points)
    account = _locked_account(project_id, customer_id)
    done = account.entries.filter(kind=EntryKind.REDEEM, source_key=source_key).first() if source_key else None
    if done is not None:
        return done
    _expire(account, now)
    lots = list(account.lots.filter(remaining__gt=0))
    try:
        taken = allocate([_balance(lot) for lot in lots], points)
    except Overdraw:
        raise PointsInsufficient(customer=customer_id, balance=account.balance, wanted=points) from None
    by_id = {lot.pk: lot for lot in lots}
    for lot_id, take in taken:
        by_id[lot_id].remaining -= take
        by_id[lot_id].save(update_fields=["remaining"])
    account.balance -= points
    account.save(update_fields=["balance", "updated_at"])
    return PointsEntry.objects.create(account=account, kind=EntryKind.REDEEM, points=-points,
                                      balance_after=account.balance, source_key=source_key, reference=reference,
                                      allocations=[list(pair) for pair in taken], at=now, note=note[:200])


@dataclass(frozen=True)
class Reversal:
    lot: PointsLot
    taken: int       # points taken back from the member
    shortfall: int   # points of the award already redeemed that the balance could not cover
    created: bool    # False: the award had already been reversed; nothing changed


@transaction.atomic
def reverse(*, project_id: int, source_key: str, reference: str, rules: PointsRules, now: datetime,
            note: str = "") -> list[Reversal]:
    """Take back every award of one event (`purchase:1042`) in the project, once, never below zero.

    Per award: due points expire first; what is left of the award goes; the part of it the
    member already redeemed is taken from their other points, soonest to expire first, as
    far as the balance goes (the rest is the shortfall, written in the journal); what
    expired is gone already and is not taken twice. The award stops counting towards the
    member's level. Accounts are locked in id order, so two reversals cannot deadlock.
    """
    account_ids = sorted(set(PointsLot.objects.filter(account__project_id=project_id, source_key=source_key)
                             .values_list("account_id", flat=True)))
    out = []
    for account_id in account_ids:
        account = PointsAccount.objects.select_for_update().get(pk=account_id)
        out.append(_reverse_lot(account, source_key, reference, rules, now, note))
    return out


def _reverse_lot(account: PointsAccount, source_key: str, reference: str, rules: PointsRules, now: datetime,
                 note: str) -> Reversal:
    lot = account.lots.get(source_key=source_key)
    if lot.reversed_at is not None:
        done = account.entries.filter(kind=EntryKind.REVERSE, lot=lot).first()
        taken = -done.points if done else 0
        return Reversal(lot, taken, done.shortfall if done else 0, False)
    _expire(account, now)
    lot.refresh_from_db(fields=["remaining"])
    spent = sum(take for entry in account.entries.filter(kind=EntryKind.REDEEM)
                for lot_id, take in entry.allocations if lot_id == lot.pk)
    others = list(account.lots.filter(remaining__gt=0).exclude(pk=lot.pk))
    available = sum(other.remaining for other in others)
    from_others = allocate([_balance(other) for other in others], min(spent, available))
    taken_lots = [(lot.pk, lot.remaining)] if lot.remaining else []
    by_id = {other.pk: other for other in others}
    for lot_id, take in from_others:
        by_id[lot_id].remaining -= take
        by_id[lot_id].save(update_fields=["remaining"])
    taken = lot.remaining + sum(take for _, take in from_others)
    shortfall = spent - sum(take for _, take in from_others)
    lot.remaining, lot.reversed_at = 0, now
    lot.save(update_fields=["remaining", "reversed_at"])
    account.balance -= taken
    account.points_ever_earned -= lot.points
    account.level = level_for(account.points_ever_earned, rules.levels).code
    account.save(update_fields=["balance", "points_ever_earned", "level", "updated_at"])
    PointsEntry.objects.create(account=account, kind=EntryKind.REVERSE, points=-taken, balance_after=account.balance,
                               lot=lot, source_key=source_key, reference=reference,
                               allocations=[list(pair) for pair in taken_lots + from_others], shortfall=shortfall,
                               at=now, note=note[:200])
    return Reversal(lot, taken, shortfall, True)


def expire_due(*, now: datetime, project_id: int | None = None) -> int:
    """Expire every lot whose time has come; one transaction per member. Returns the points expired."""
    due = PointsLot.objects.filter(expires_at__lte=now, remaining__gt=0)
    if project_id is not None:
        due = due.filter(account__project_id=project_id)
    expired = 0
    for account_id in due.values_list("account_id", flat=True).distinct().order_by("account_id"):
        with transaction.atomic():
            expired += _expire(PointsAccount.objects.select_for_update().get(pk=account_id), now)
    return expired


def balance(project_id: int, customer_id: int) -> int:
    account = PointsAccount.objects.filter(project_id=project_id, customer_id=customer_id).first()
    return 0 if account is None else account.balance


def _expire(account: PointsAccount, now: datetime) -> int:
    """Expire the locked account's due lots, oldest first, one journal entry per lot."""
    lots = {lot.pk: lot for lot in account.lots.filter(expires_at__lte=now, remaining__gt=0)}
    total = 0
    for lot_id, lost in due_to_expire([_balance(lot) for lot in lots.values()], now):
        lot = lots[lot_id]
        lot.remaining = 0
        lot.save(update_fields=["remaining"])
        account.balance -= lost
        total += lost
        PointsEntry.objects.create(account=account, kind=EntryKind.EXPIRE, points=-lost,
                                   balance_after=account.balance, lot=lot, source_key=lot.source_key,
                                   reference=lot.reference, at=now, note="expired")
    if total:
        account.save(update_fields=["balance", "updated_at"])
    return total


def _locked_account(project_id: int, customer_id: int) -> PointsAccount:
    return locked_row(PointsAccount, project_id=project_id, customer_id=customer_id)


def _balance(lot: PointsLot) -> LotBalance:
    return LotBalance(lot.pk, lot.remaining, lot.earned_at, lot.expires_at)

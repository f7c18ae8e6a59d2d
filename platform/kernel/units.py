"""Hold, advance and release units for deals: the actions behind `unit.*`, and sale control.

Why it is safe under a launch-day rush: every operation first locks the unit's row
(`SELECT ... FOR UPDATE`), so operations on one unit run one after another, and each
reads the holds only once it has the lock. Behind that, the partial unique index
`unit_hold_one_live_per_unit` makes a second live hold impossible to write at all;
should it ever fire, the insert's savepoint turns it into the same `UnitUnavailable`.

A deal is an engine record, named by id. A record acts for the holds of its ancestors
(`ctx.lineage`): a subscription started from a reservation takes the reservation's hold
over when it holds, advances or releases the unit.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from . import events
from .action_context import ActionContext
from .audit import stamp
from .errors import UnitNotChosen, UnitNotFound, UnitNotHeld, UnitUnavailable
from .models.units import SALE_STATUS_ZH, ReleaseReason, SaleStatus, Unit, UnitHold
from .sale_status import DEAL_ORDER, UnitSale, refused


@transaction.atomic
def hold(ctx: ActionContext, unit: object, status: str = SaleStatus.RESERVED) -> UnitHold:
    """Make this record the unit's one live deal, in sale status `status`.

    Already held by this record: nothing to do beyond moving the status forward.
    Held by an ancestor: the hold passes to this record. Held by anyone else, or not on
    sale: `UnitUnavailable`, naming the holder.
    """
    locked = _lock(ctx, unit)
    live = live_hold(locked)
    if live is not None:
        if live.record_id not in ctx.deal:
            raise UnitUnavailable.held_by(locked.code, live.reference)
        held = _take_over(live, locked, ctx)
        if DEAL_ORDER[SaleStatus(status)] > DEAL_ORDER[SaleStatus(locked.status)]:
            _move(locked, status, ctx)
        return held
    if locked.status != SaleStatus.AVAILABLE:
        raise UnitUnavailable.in_status(locked.code, locked.status, SALE_STATUS_ZH[SaleStatus(locked.status)])
    _move(locked, status, ctx)
    return _new_hold(locked, ctx)


@transaction.atomic
def advance(ctx: ActionContext, unit: object, status: str) -> UnitHold:
    """Move the unit this deal holds to a later sale status (signed, filed, delivered ...)."""
    locked = _lock(ctx, unit)
    live = live_hold(locked)
    if live is None:
        raise UnitNotHeld(unit=locked.code, reference=ctx.reference,
                          detail_en="no deal holds it", detail_zh="当前无交易锁定")
    if live.record_id not in ctx.deal:
        raise UnitNotHeld(unit=locked.code, reference=ctx.reference,
                          detail_en=f"{live.reference} holds it", detail_zh=f"由 {live.reference} 锁定")
    held = _take_over(live, locked, ctx)
    if locked.status != status:
        _move(locked, status, ctx)
    return held


@transaction.atomic
def step_back(ctx: ActionContext, unit: object, status: str = SaleStatus.RESERVED) -> UnitHold | None:
    """Move the unit this deal holds back to `status` (reserved), keeping the hold.

    For a deal sent back before it took effect: a subscription whose discount is
    rejected returns to draft holding the unit as reserved, not subscribed. A unit this
    deal does not hold, or holds at `status` or earlier already, is left alone.
    """
    if unit is None:
        return None
    locked = _lock(ctx, unit)
    live = live_hold(locked)
    if live is None or live.record_id not in ctx.deal:
        return None
    if DEAL_ORDER.get(SaleStatus(locked.status), 0) <= DEAL_ORDER[SaleStatus(status)]:
        return live
    held = _take_over(live, locked, ctx)
    UnitSale(locked).move_back_to(status)
    _save_status(locked, ctx.user_id, ctx.now)
    return held


@transaction.atomic
def release(ctx: ActionContext, unit: object, note: object = "") -> UnitHold | None:
    """Put the unit back on sale if this deal (or an ancestor it continues) holds it.

    A record that holds nothing releases nothing: cancelling a draft that never held
    its unit, or a reservation whose hold already passed on, leaves the unit alone.
    """
    if unit is None:
        return None
    locked = _lock(ctx, unit)
    live = live_hold(locked)
    if live is None or live.record_id not in ctx.deal:
        return None
    _move(locked, SaleStatus.AVAILABLE, ctx)
    _close(live, ctx, ReleaseReason.RELEASED, str(note or ""))
    return live


@transaction.atomic
def withhold(project_id: int, unit_id: int, *, user_id: int | None, now: datetime) -> Unit:
    """Take an available unit off sale 销控 (management's decision, not a deal)."""
    locked = _lock_by_id(project_id, unit_id)
    UnitSale(locked).move_to(SaleStatus.WITHHELD)
    _save_status(locked, user_id, now)
    return locked


@transaction.atomic
def put_on_sale(project_id: int, unit_id: int, *, user_id: int | None, now: datetime) -> Unit:
    """Put a withheld unit back on sale."""
    locked = _lock_by_id(project_id, unit_id)
    if locked.status != SaleStatus.WITHHELD:
        raise refused(locked, SaleStatus.AVAILABLE)
    UnitSale(locked).put_on_sale()
    _save_status(locked, user_id, now)
    return locked


def live_hold(unit: Unit) -> UnitHold | None:
    """The hold that ties `unit` to its deal now, if any. Read it after locking the unit."""
    return UnitHold.objects.filter(unit=unit, released_at__isnull=True).first()


def unit_id_of(value: object) -> int | None:
    """The unit id an expression produced: an integer, or digits in a string (form data)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a unit id is not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise TypeError(f"{value!r} is not a unit id")


def _lock(ctx: ActionContext, unit: object) -> Unit:
    try:
        unit_id = unit_id_of(unit)
    except TypeError:
        raise UnitNotFound(unit=unit) from None
    if unit_id is None:
        raise UnitNotChosen(reference=ctx.reference)
    return _lock_by_id(ctx.project_id, unit_id)


def _lock_by_id(project_id: int, unit_id: int) -> Unit:
    try:
        return Unit.objects.select_for_update().get(pk=unit_id, project_id=project_id)
    except Unit.DoesNotExist:
        raise UnitNotFound(unit=unit_id) from None


def _move(unit: Unit, status: str, ctx: ActionContext) -> None:
    UnitSale(unit).move_to(status)
    _save_status(unit, ctx.user_id, ctx.now)


def _save_status(unit: Unit, user_id: int | None, now: datetime) -> None:
    stamp(unit, user_id, now)
    unit.save(update_fields=["status"])
    events.emit(unit.project_id, events.UNIT_STATUS_CHANGED, lambda: {
        "unit": {"id": unit.pk, "code": unit.code, "building_id": unit.building_id, "status": unit.status}})


def _new_hold(unit: Unit, ctx: ActionContext) -> UnitHold:
    try:
        with transaction.atomic():
            return UnitHold.objects.create(
                project_id=ctx.project_id, unit=unit, record_id=ctx.record_id, reference=ctx.reference,
                flow=ctx.flow, held_at=ctx.now, held_by_id=ctx.user_id)
    except IntegrityError:
        # Only reachable if something wrote a hold without locking the unit first.
        holder = live_hold(unit)
        raise UnitUnavailable.held_by(unit.code, holder.reference if holder else "another deal") from None


def _take_over(live: UnitHold, unit: Unit, ctx: ActionContext) -> UnitHold:
    """This record's hold on `unit`: `live` itself, or, if an ancestor holds it, a new hold passed on from it."""
    if live.record_id == ctx.record_id:
        return live
    _close(live, ctx, ReleaseReason.TRANSFERRED, f"to {ctx.reference}")
    successor = _new_hold(unit, ctx)
    live.transferred_to = successor
    live.save(update_fields=["transferred_to"])
    return successor


def _close(live: UnitHold, ctx: ActionContext, reason: str, note: str) -> None:
    live.released_at = ctx.now
    live.released_by_id = ctx.user_id
    live.release_reason = reason
    live.release_note = note[:200]
    live.save(update_fields=["released_at", "released_by", "release_reason", "release_note"])

"""Points figures: what a purchase earns, which level a member is at, which points go first.

Points are whole numbers. A purchase earns one point per `yuan_per_point` yuan, rounded
down (a fraction of a point is never owed), up to a cap per purchase. Levels follow
the points ever earned, so redeeming points never costs a member their level.
Points leave oldest first: a redemption takes from the lots that expire soonest, so
the member loses as little as possible to expiry.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal


@dataclass(frozen=True)
class Level:
    code: str
    title: str
    threshold: int  # points ever earned needed to reach it


@dataclass(frozen=True)
class LotBalance:
    """An award's points still available, and when they expire (None: never)."""

    id: int
    remaining: int
    earned_at: datetime
    expires_at: datetime | None


class Overdraw(ValueError):
    def __init__(self, balance: int, wanted: int):
        self.balance, self.wanted = balance, wanted
        super().__init__(f"{wanted} points wanted, {balance} available")


def purchase_points(amount: Decimal, yuan_per_point: Decimal, cap: int | None = None) -> int:
    points = int((amount / yuan_per_point).to_integral_value(rounding=ROUND_DOWN))
    return max(0, points if cap is None else min(points, cap))


def level_for(points_ever_earned: int, levels: Sequence[Level]) -> Level:
    """The highest level whose threshold the member has reached (levels start at 0, in order)."""
    reached = [level for level in levels if level.threshold <= points_ever_earned]
    return reached[-1]


def oldest_first(lots: Sequence[LotBalance]) -> list[LotBalance]:
    """Soonest to expire first (never-expiring last), then earliest earned."""
    return sorted(lots, key=lambda lot: (lot.expires_at is None, lot.expires_at or lot.earned_at, lot.earned_at, lot.id))


def allocate(lots: Sequence[LotBalance], points: int) -> list[tuple[int, int]]:
    """(lot id, points taken) for a redemption of `points`, oldest first; `Overdraw` if they do not suffice."""
    available = sum(lot.remaining for lot in lots)
    if points > available:
        raise Overdraw(available, points)
    taken: list[tuple[int, int]] = []
    left = points
    for lot in oldest_first(lots):
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take:
            taken.append((lot.id, take))
            left -= take
    return taken


def due_to_expire(lots: Sequence[LotBalance], now: datetime) -> list[tuple[int, int]]:
    """(lot id, points lost) for every lot whose expiry has come, oldest first."""
    return [(lot.id, lot.remaining) for lot in oldest_first(lots)
            if lot.expires_at is not None and lot.expires_at <= now and lot.remaining > 0]

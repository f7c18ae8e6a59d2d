"""Points figures: purchase points, levels, oldest-first redemption and expiry; worked by hand."""
from datetime import datetime
from decimal import Decimal as D

import pytest

from plugins.points.earning import Level, LotBalance, Overdraw, allocate, due_to_expire, level_for, purchase_points

from .conftest import SHANGHAI


@pytest.mark.parametrize("amount, yuan_per_point, cap, points", [
    (D("2908116.00"), D("100.00"), 20000, 20000),    # 29 081 points, capped at 20 000
    (D("2908116.00"), D("100.00"), None, 29081),
    (D("1500000.00"), D("100.00"), 20000, 15000),
    (D("100.00"), D("100.00"), 20000, 1),
    (D("199.99"), D("100.00"), 20000, 1),            # a fraction of a point is never owed
    (D("99.99"), D("100.00"), 20000, 0),
    (D("1000.00"), D("150.00"), None, 6),            # 6.67 → 6
])
def test_a_purchase_earns_a_point_per_so_many_yuan_rounded_down_and_capped(amount, yuan_per_point, cap, points):
    assert purchase_points(amount, yuan_per_point, cap) == points


LEVELS = (Level("member", "普通会员", 0), Level("silver", "银卡", 5000), Level("gold", "金卡", 20000),
          Level("platinum", "白金卡", 50000))


@pytest.mark.parametrize("earned, level", [(0, "member"), (4999, "member"), (5000, "silver"), (19999, "silver"),
                                           (20000, "gold"), (49999, "gold"), (50000, "platinum"),
                                           (1000000, "platinum")])
def test_level_follows_points_ever_earned(earned, level):
    assert level_for(earned, LEVELS).code == level


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=SHANGHAI)


LOTS = (
    LotBalance(1, 1000, at(2024, 5, 1), at(2026, 5, 1)),   # A: expires first
    LotBalance(2, 500, at(2025, 3, 1), at(2027, 3, 1)),    # B
    LotBalance(3, 300, at(2025, 1, 1), None),              # C: never expires, so it goes last
    LotBalance(4, 200, at(2025, 6, 1), at(2027, 6, 1)),    # D
)


@pytest.mark.parametrize("points, taken", [
    (1, [(1, 1)]),
    (1000, [(1, 1000)]),
    (1200, [(1, 1000), (2, 200)]),
    (1700, [(1, 1000), (2, 500), (4, 200)]),
    (2000, [(1, 1000), (2, 500), (4, 200), (3, 300)]),
])
def test_redemption_takes_the_points_that_expire_soonest_first(points, taken):
    assert allocate(LOTS, points) == taken


def test_a_redemption_that_would_overdraw_is_refused():
    with pytest.raises(Overdraw) as refused:
        allocate(LOTS, 2001)

    assert (refused.value.balance, refused.value.wanted) == (2000, 2001)


@pytest.mark.parametrize("now, expired", [
    (at(2026, 4, 30), []),
    (at(2026, 5, 1), [(1, 1000)]),                        # at the moment of expiry
    (at(2027, 3, 1), [(1, 1000), (2, 500)]),
    (at(2030, 1, 1), [(1, 1000), (2, 500), (4, 200)]),    # C never expires
])
def test_expiry_takes_whole_lots_oldest_first(now, expired):
    assert due_to_expire(LOTS, now) == expired

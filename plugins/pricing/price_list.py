"""Generating a price list 价目表: base price × floor coefficient × orientation coefficient.

On an area basis the coefficients make a price per m² (rounded by its own rule), which
times the unit's area on that basis gives the total; on a per-unit basis (parking
spaces, storerooms) they apply to the unit price directly.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .rounding import Rounding, round_to

ONE = Decimal("1")


class Basis(str, Enum):
    BUILT_AREA = "built_area"  # 按建筑面积
    INNER_AREA = "inner_area"  # 按套内面积
    UNIT = "unit"              # 按套


@dataclass(frozen=True)
class FloorBand:
    first: int
    last: int | None  # None: this floor and every floor above
    coefficient: Decimal

    def covers(self, floor: int) -> bool:
        return self.first <= floor and (self.last is None or floor <= self.last)


@dataclass(frozen=True)
class UnitFacts:
    """What pricing needs to know about a unit, read once from the kernel."""

    code: str
    building: str
    floor: int
    orientation: str
    built_area: Decimal
    inner_area: Decimal

    def area(self, basis: Basis) -> Decimal | None:
        return {Basis.BUILT_AREA: self.built_area, Basis.INNER_AREA: self.inner_area}.get(basis)


@dataclass(frozen=True)
class PriceListRules:
    basis: Basis
    base_price: Decimal | None
    building_base_prices: Mapping[str, Decimal]
    floor_bands: tuple[FloorBand, ...]
    orientation_coefficients: Mapping[str, Decimal]
    price_per_m2_rounding: Rounding
    total_rounding: Rounding


@dataclass(frozen=True)
class PriceLine:
    code: str
    basis: Basis
    area: Decimal | None
    floor_coefficient: Decimal
    orientation_coefficient: Decimal
    price_per_m2: Decimal | None
    total: Decimal


class NoBasePrice(ValueError):
    def __init__(self, unit: str, building: str):
        self.unit, self.building = unit, building
        super().__init__(f"no base price for building {building} (unit {unit})")


def floor_coefficient(floor: int, bands: Iterable[FloorBand]) -> Decimal:
    """The first band covering `floor`; floors no band covers are priced at the base (1)."""
    return next((band.coefficient for band in bands if band.covers(floor)), ONE)


def orientation_coefficient(orientation: str, table: Mapping[str, Decimal]) -> Decimal:
    """The orientation's coefficient; orientations the table does not name are priced at the base (1)."""
    return table.get(orientation.strip(), ONE)


def price_line(unit: UnitFacts, rules: PriceListRules) -> PriceLine:
    base = rules.building_base_prices.get(unit.building, rules.base_price)
    if base is None:
        raise NoBasePrice(unit.code, unit.building)
    f = floor_coefficient(unit.floor, rules.floor_bands)
    o = orientation_coefficient(unit.orientation, rules.orientation_coefficients)
    area = unit.area(rules.basis)
    if area is None:
        return PriceLine(unit.code, rules.basis, None, f, o, None, round_to(base * f * o, rules.total_rounding))
    per_m2 = round_to(base * f * o, rules.price_per_m2_rounding)
    return PriceLine(unit.code, rules.basis, area, f, o, per_m2, round_to(per_m2 * area, rules.total_rounding))

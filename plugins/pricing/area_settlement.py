"""Area settlement 面积补差: the measured area replaces the contract area, and the difference is paid.

The default rule (domain.md), with r = (measured − contracted) / contracted and P the
contract price per m² on the same area basis:
- |r| ≤ band (3 %): the whole difference at P, either way;
- r > band: the buyer pays the first band at P; the part beyond is charged at
  `increase_factor` × P (default 0: the developer bears it);
- r < −band: the first band is refunded at P; the part beyond at `decrease_factor` × P
  (default 2);
- |r| > band: the buyer may instead cancel (`cancel_beyond_band`).

The band is compared as areas (|measured − contracted| ≤ contracted × band), never as a
rounded ratio, so exactly 3 % is inside the band whatever the contract area.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from extensions.api import fen

ZERO = Decimal("0")
RATIO_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class AreaRule:
    band: Decimal = Decimal("0.03")
    increase_factor: Decimal = Decimal("0")
    decrease_factor: Decimal = Decimal("2")
    cancel_beyond_band: bool = True


@dataclass(frozen=True)
class AreaSettlement:
    contracted_area: Decimal
    measured_area: Decimal
    price_per_m2: Decimal
    ratio: Decimal               # r, to six decimals, for people; the bands use exact areas
    difference: Decimal          # measured − contracted, m²
    within_band: Decimal         # m² settled at P (signed like the difference)
    beyond_band: Decimal         # m² beyond the band (signed like the difference)
    buyer_pays: Decimal          # ≥ 0
    refund: Decimal              # ≥ 0
    developer_bears: Decimal     # ≥ 0: the increase beyond the band the buyer is not charged for
    may_cancel: bool

    @property
    def amount(self) -> Decimal:
        """Signed: positive when the buyer pays, negative when the buyer is refunded."""
        return self.buyer_pays - self.refund


def settle(contracted_area: Decimal, measured_area: Decimal, price_per_m2: Decimal,
           rule: AreaRule = AreaRule()) -> AreaSettlement:
    if contracted_area <= 0 or measured_area <= 0 or price_per_m2 < 0:
        raise ValueError("areas must be positive and the price not negative")
    difference = measured_area - contracted_area
    band_area = contracted_area * rule.band
    sign = 1 if difference >= 0 else -1
    within = min(abs(difference), band_area) * sign
    beyond = difference - within
    buyer_pays = refund = developer_bears = ZERO
    if difference > 0:
        buyer_pays = fen(within * price_per_m2 + beyond * price_per_m2 * rule.increase_factor)
        developer_bears = fen(beyond * price_per_m2 * (1 - rule.increase_factor)) if rule.increase_factor < 1 else ZERO
    elif difference < 0:
        refund = fen(-within * price_per_m2 + -beyond * price_per_m2 * rule.decrease_factor)
    return AreaSettlement(
        contracted_area=contracted_area, measured_area=measured_area, price_per_m2=price_per_m2,
        ratio=(difference / contracted_area).quantize(RATIO_PLACES), difference=difference,
        within_band=within, beyond_band=beyond, buyer_pays=buyer_pays, refund=fen(refund),
        developer_bears=developer_bears, may_cancel=rule.cancel_beyond_band and beyond != 0,
    )

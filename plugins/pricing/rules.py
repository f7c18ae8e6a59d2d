"""A project's pricing rules, read once into frozen values, and the checks JSON Schema cannot make."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from extensions.api import Problem, cached_schema, duplicate_codes, rule_problem

from .area_settlement import AreaRule
from .credits import CreditCap, CreditKind
from .discounts import Discount
from .manual_discount import ManualDiscountRules
from .price_list import Basis, FloorBand, PriceListRules
from .rounding import Rounding, RoundingMode

SCHEMA_PATH = Path(__file__).with_name("rules.schema.json")
ZERO, ONE = Decimal("0"), Decimal("1")


def schema() -> dict:
    """The rule schema, read exactly by the platform's one schema loader (shared: copy before changing)."""
    return cached_schema(SCHEMA_PATH)


@dataclass(frozen=True)
class PricingRules:
    revision: int
    price_list: PriceListRules
    deal_rounding: Rounding
    discounts: tuple[Discount, ...]
    manual: ManualDiscountRules
    area: AreaRule
    credits: Mapping[CreditKind, CreditCap] = field(default_factory=lambda: MappingProxyType({}))  # capped kinds

    @property
    def basis(self) -> Basis:
        return self.price_list.basis


def parse(config: Mapping, revision: int = 0) -> PricingRules:
    """Rules from a configuration that passed validation; absent keys take the documented defaults."""
    rounding = config.get("rounding", {})
    manual = config.get("manual_discount", {})
    area = config.get("area_settlement", {})
    return PricingRules(
        revision=revision,
        price_list=PriceListRules(
            basis=Basis(config["basis"]),
            base_price=_dec(config.get("base_price")),
            building_base_prices=MappingProxyType({k: Decimal(v) for k, v in config.get("building_base_prices", {}).items()}),
            floor_bands=tuple(FloorBand(b["from"], b.get("to"), Decimal(b["coefficient"]))
                              for b in config.get("floor_coefficients", [])),
            orientation_coefficients=MappingProxyType(
                {k.strip(): Decimal(v) for k, v in config.get("orientation_coefficients", {}).items()}),
            price_per_m2_rounding=_rounding(rounding.get("price_per_m2")),
            total_rounding=_rounding(rounding.get("total")),
        ),
        deal_rounding=_rounding(rounding.get("deal_price")),
        discounts=tuple(
            Discount(d["code"], d["title"], Decimal(d["multiplier"]),
                     frozenset(d["payment_plans"]) if "payment_plans" in d else None,
                     bool(d.get("on_request", False)), _date(d.get("valid_from")), _date(d.get("valid_until")))
            for d in config.get("discounts", [])),
        manual=ManualDiscountRules(Decimal(manual.get("consultant_allowance", "0")),
                                   _dec(manual.get("countersign_above")), _dec(manual.get("maximum"))),
        area=AreaRule(band=Decimal(area.get("band", "0.03")), increase_factor=Decimal(area.get("increase_factor", "0")),
                      decrease_factor=Decimal(area.get("decrease_factor", "2")),
                      cancel_beyond_band=bool(area.get("cancel_beyond_band", True))),
        credits=MappingProxyType({CreditKind(kind): CreditCap(_dec(cap.get("max_share_of_price")),
                                                              _dec(cap.get("max_amount")))
                                  for kind, cap in config.get("credits", {}).items()}),
    )


def check(config: Mapping) -> list[Problem]:
    """Ranges and orderings: coefficients positive, floor bands in order without overlap, limits ordered."""
    problems: list[Problem] = []
    for key in ("base_price",):
        if key in config and Decimal(config[key]) <= 0:
            problems.append(rule_problem((key,), "must be more than 0", "必须大于 0"))
    for code, price in config.get("building_base_prices", {}).items():
        if Decimal(price) <= 0:
            problems.append(rule_problem(("building_base_prices", code), "must be more than 0", "必须大于 0"))
    problems += _floor_band_problems(config.get("floor_coefficients", []))
    for name, value in config.get("orientation_coefficients", {}).items():
        if Decimal(value) <= 0:
            problems.append(rule_problem(("orientation_coefficients", name), "must be more than 0", "必须大于 0"))
    problems += _discount_problems(config.get("discounts", []))
    problems += _manual_problems(config.get("manual_discount", {}))
    area = config.get("area_settlement", {})
    if "band" in area and not ZERO < Decimal(area["band"]) < ONE:
        problems.append(rule_problem(("area_settlement", "band"), "must be between 0 and 1 (0.03 is 3 %)",
                                     "必须在 0 和 1 之间（0.03 即 3%）"))
    for key in ("increase_factor", "decrease_factor"):
        if key in area and Decimal(area[key]) < 0:
            problems.append(rule_problem(("area_settlement", key), "must not be negative", "不能为负数"))
    problems += _credit_problems(config.get("credits", {}))
    return problems


def _credit_problems(credits: Mapping) -> list[Problem]:
    """A cap's share in [0, 1] (0: no credit of that kind at all) and its amount not negative."""
    problems: list[Problem] = []
    for kind, cap in credits.items():
        if "max_share_of_price" in cap and not ZERO <= Decimal(cap["max_share_of_price"]) <= ONE:
            problems.append(rule_problem(("credits", kind, "max_share_of_price"),
                                         "must be between 0 and 1 (0.30 is 30 % of the price after discounts)",
                                         "必须在 0 和 1 之间（0.30 即折后价的 30%）"))
        if "max_amount" in cap and Decimal(cap["max_amount"]) < 0:
            problems.append(rule_problem(("credits", kind, "max_amount"), "must not be negative", "不能为负数"))
    return problems


def _floor_band_problems(bands: list) -> list[Problem]:
    problems: list[Problem] = []
    previous_last: int | None = None
    for i, band in enumerate(bands):
        first, last = band["from"], band.get("to")
        if Decimal(band["coefficient"]) <= 0:
            problems.append(rule_problem(("floor_coefficients", i, "coefficient"), "must be more than 0", "必须大于 0"))
        if last is not None and last < first:
            problems.append(rule_problem(("floor_coefficients", i, "to"), f"floor {last} is below 'from' ({first})",
                                         f"楼层 {last} 低于起始楼层 {first}"))
        if i > 0 and (previous_last is None or first <= previous_last):
            problems.append(rule_problem(
                ("floor_coefficients", i, "from"),
                "overlaps the band before it: list bands from the lowest floor up, without overlap",
                "与上一档重叠：请从低楼层到高楼层排列，且不要重叠"))
        previous_last = last
    return problems


def _discount_problems(discounts: list) -> list[Problem]:
    problems: list[Problem] = list(duplicate_codes(discounts, "discounts"))
    for i, d in enumerate(discounts):
        if not ZERO < Decimal(d["multiplier"]) <= ONE:
            problems.append(rule_problem(("discounts", i, "multiplier"),
                                         "must be more than 0 and at most 1 (the share kept: 0.98 is 2 % off)",
                                         "必须大于 0 且不超过 1（保留的比例：0.98 即九八折）"))
        if "valid_from" in d and "valid_until" in d and d["valid_until"] < d["valid_from"]:
            problems.append(rule_problem(("discounts", i, "valid_until"), "is before valid_from", "早于 valid_from"))
    return problems


def _manual_problems(manual: Mapping) -> list[Problem]:
    problems: list[Problem] = []
    for key, value in manual.items():
        if not ZERO <= Decimal(value) < ONE:
            problems.append(rule_problem(("manual_discount", key), "must be at least 0 and below 1 (0.02 is 2 % off)",
                                         "必须不小于 0 且小于 1（0.02 即 2%）"))
    if problems:
        return problems
    order = [k for k in ("consultant_allowance", "countersign_above", "maximum") if k in manual]
    for lower, higher in zip(order, order[1:]):
        if Decimal(manual[higher]) < Decimal(manual[lower]):
            problems.append(rule_problem(("manual_discount", higher), f"is below {lower}", f"小于 {lower}"))
    return problems


def _rounding(value: Mapping | None) -> Rounding:
    value = value or {}
    return Rounding(Decimal(value.get("step", "1")), RoundingMode(value.get("mode", "half_up")))


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)

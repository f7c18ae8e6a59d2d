"""A project's price list generated from its pricing rules, next to the list prices units carry now.

Pricing never writes units: the generated list is reviewed, approved and loaded through
the kernel's import like any price list, so the sale-control chart keeps one source.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from extensions.api import Unit, rules_for

from .actions import unit_facts
from .price_list import PriceLine, price_line
from .rules import parse


@dataclass(frozen=True)
class ListedUnit:
    unit_id: int
    line: PriceLine
    current: Decimal

    @property
    def change(self) -> Decimal:
        return self.line.total - self.current


def generated_price_list(project_id: int, building: str | None = None) -> list[ListedUnit]:
    """Every unit of the project (or one building), priced by the current rules; `NoBasePrice` if one cannot be."""
    found = rules_for(project_id, "pricing")
    rules = parse(found.config, found.revision).price_list
    units = Unit.objects.filter(project_id=project_id).select_related("building")
    if building is not None:
        units = units.filter(building__code=building)
    return [ListedUnit(u.pk, price_line(unit_facts(u), rules), u.list_price)
            for u in units.order_by("building__code", "-floor", "position")]

"""Inventory 货值 and sell-through 去化.

- **Value on sale** 货值: the list prices of the units available for sale (status
  available), by building; the table shows every status's units and value.
- **Sell-through**: net subscriptions in the last 30 days; **months of inventory** = the
  units available / that 30-day pace (none when nothing sold).
Inventory is the project's, whoever reads it (the sale-control chart shows it to every member).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F
from django.utils.translation import gettext as _

from kernel.models import SaleStatus, Unit

from . import sales
from .periods import Kind, Period
from .scope import ZERO, Scope, fen_sum, money_of
from .tables import COUNT, MONEY, NUMBER, TEXT, Chart, Column, Headline, Section, Table

STATUSES = [s for s in SaleStatus]


def section(scope: Scope, today: date) -> Section:
    cells: dict[tuple[str, str], tuple[int, Decimal]] = {}
    buildings: dict[str, str] = {}
    for row in (Unit.objects.filter(project_id__in=scope.project_ids)
                .values("building_id", "building__name", "building__code", "project__code", "status")
                .annotate(n=Count("pk"), fen=fen_sum(F("list_price"))).order_by()):
        name = row["building__name"] or row["building__code"]
        key = f"{row['project__code']}·{row['building__code']}"
        buildings[key] = name if len(scope.project_ids) == 1 else f"{row['project__code']} {name}"
        cells[(key, row["status"])] = (row["n"], money_of(row["fen"]))
    columns = [Column("building", _("Building"), TEXT)]
    for status in STATUSES:
        columns += [Column(f"{status.value}_units", _("%(status)s: units") % {"status": status.label}, COUNT),
                    Column(f"{status.value}_value", _("%(status)s: value") % {"status": status.label}, MONEY)]
    rows: list[list] = []
    for key in sorted(buildings):
        line: list = [buildings[key]]
        for status in STATUSES:
            line += list(cells.get((key, status.value), (0, ZERO)))
        rows.append(line)
    available = sum(cells.get((k, SaleStatus.AVAILABLE), (0, ZERO))[0] for k in buildings)
    value = sum((cells.get((k, SaleStatus.AVAILABLE), (0, ZERO))[1] for k in buildings), ZERO)
    last30 = Period(Kind.RANGE, today - timedelta(days=29), today + timedelta(days=1))
    pace = sales.totals(scope, last30)["subscriptions"]
    months = (Decimal(available) / Decimal(pace)).quantize(Decimal("0.1")) if pace else None
    heads = [Headline("value_on_sale", _("Value on sale"), MONEY, value),
             Headline("units_on_sale", _("Units on sale"), COUNT, available),
             Headline("deals_30_days", _("Subscriptions, last 30 days"), COUNT, pace),
             Headline("months_of_inventory", _("Months of inventory at that pace"), NUMBER, months)]
    return Section("inventory", _("Inventory"), heads, [Table(
        "inventory", _("Units and value by building and sale status"), columns, rows,
        Chart("bar", "building", tuple(f"{s.value}_value" for s in STATUSES), stacked=True))])



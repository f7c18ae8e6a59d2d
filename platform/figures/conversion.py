"""Conversion 来访成交率: net subscriptions / new visits, in a period; and over the last 30 days against the 30 before."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from . import sales, visits
from .periods import Kind, Period, compared
from .scope import Scope, rate
from .tables import COUNT, RATE, TEXT, Column, Headline, Section, Table


def of(scope: Scope, period: Period) -> tuple[int, int, Decimal | None]:
    deals_made = sales.totals(scope, period)["subscriptions"]
    new = visits.totals(scope, period)["new_visits"]
    return deals_made, new, rate(deals_made, new)


def section(scope: Scope, period: Period, today: date) -> Section:
    last30 = Period(Kind.RANGE, today - timedelta(days=29), today + timedelta(days=1))
    now, before = of(scope, period), of(scope, compared(period, today))
    recent, earlier = of(scope, last30), of(scope, last30.previous())
    heads = [Headline("conversion", _("Visit-to-deal rate"), RATE, now[2], before[2]),
             Headline("conversion_30_days", _("Visit-to-deal rate, last 30 days"), RATE, recent[2], earlier[2])]
    columns = [Column("period", _("Period"), TEXT), Column("deals", _("Subscriptions"), COUNT),
               Column("new_visits", _("New visits"), COUNT), Column("rate", _("Visit-to-deal rate"), RATE)]
    return Section("conversion", _("Conversion"), heads, [Table("conversion", _("Visit-to-deal rate"), columns, [
        [_("This period"), *now], [_("Previous period"), *before],
        [_("Last 30 days"), *recent], [_("The 30 days before"), *earlier]])])

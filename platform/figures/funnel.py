"""The funnel 销售漏斗: customers by opportunity stage now, and the conversion from each stage to the next.

Each registration stands in its stage until it holds a live deal (set by the last follow-up, one of the project's
`opportunity_stages` in their order); a customer "reached" a stage when they stand in
it or a later one, or hold a live deal. The last two steps are customers holding a live
subscription and a live signed deal. Stage-to-stage conversion = reached(next) / reached(this).
"""
from __future__ import annotations

from django.db.models import BigIntegerField, Count, F, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kernel.models import Project

from .deals import deals
from .scope import Scope, rate
from .tables import COUNT, RATE, TEXT, Chart, Column, Section, Table
from .visits import registrations


def section(scope: Scope, projects: list[Project]) -> Section:
    lang_titles: list[tuple[str, str]] = []
    for project in projects:
        from .names import coded_titles

        for code, title in coded_titles([project], "opportunity_stages").items():
            if code not in dict(lang_titles):
                lang_titles.append((code, title))
    live = deals(scope).filter(cancelled_at__isnull=True)
    dealing = live.annotate(cid=Cast("customer_key", BigIntegerField())).values("cid")
    standing = {r["stage"]: r["n"] for r in registrations(scope).exclude(customer_id__in=dealing)
                .values("stage").annotate(n=Count("pk")).order_by()}
    held = live.aggregate(subscribed=Count("customer_key", distinct=True),
                          signed=Count("customer_key", distinct=True, filter=Q(signed_at__isnull=False)))
    steps = [(title, standing.get(code, 0)) for code, title in lang_titles]
    # reached a stage: standing in it or any later one, and the deals beyond the stages
    reached, running = [], held["subscribed"]
    for title, n in reversed(steps):
        running += n
        reached.append((title, running))
    reached.reverse()
    reached += [(_("Subscribed"), held["subscribed"]), (_("Signed"), held["signed"])]
    rows = []
    for i, (title, n) in enumerate(reached):
        following = reached[i + 1][1] if i + 1 < len(reached) else None
        rows.append([title, n, rate(following, n) if following is not None else None])
    return Section("funnel", _("Funnel"), [], [Table("funnel", _("Customers by opportunity stage"), [
        Column("stage", _("Stage"), TEXT), Column("customers", pgettext("count column", "Customers at or beyond"), COUNT),
        Column("to_next", _("On to the next stage"), RATE)], rows, Chart("funnel", "stage", ("customers",)))])


__all__ = ["F", "section"]

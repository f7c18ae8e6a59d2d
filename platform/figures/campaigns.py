"""Campaign return 活动回报: per campaign, its leads, visits, deals and contract amount against its cost.

Over the campaign's whole life (not the dashboard's period), for the campaigns running
at some time in the period: **leads** the distinct customers whose visits or calls name
the campaign; **visits** its visits; a **deal** is the campaign's when the customer's
first visit or call to the project named it (one campaign per deal, never two);
**deals** counts the live subscriptions, **contract amount** the signed amount of those
signed; **return** = contract amount / cost.
"""
from __future__ import annotations

from decimal import Decimal

from django.db.models import BigIntegerField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from kernel.models import Campaign, Visit, VisitKind

from .deals import deals
from .periods import Period
from .scope import Scope, fen_sum, money_of
from .tables import COUNT, MONEY, NUMBER, TEXT, Chart, Column, Section, Table


def section(scope: Scope, period: Period) -> Section:
    running = list(Campaign.objects.filter(project_id__in=scope.project_ids, starts_on__lt=period.after,
                                           ends_on__gte=period.first).order_by("-starts_on", "name"))
    ids = [c.pk for c in running]
    reach = {r["campaign_id"]: r for r in Visit.objects.filter(campaign_id__in=ids).values("campaign_id").annotate(
        leads=Count("customer_id", distinct=True), visits=Count("pk", filter=Q(kind=VisitKind.VISIT))).order_by()}
    first_visit = (Visit.objects.filter(project_id=OuterRef("project_id"), customer_id=OuterRef("cid"))
                   .order_by("at", "pk").values("campaign_id")[:1])
    won = {r["campaign"]: r for r in deals(scope).filter(cancelled_at__isnull=True)
           .annotate(cid=Cast("customer_key", BigIntegerField()))
           .annotate(campaign=Subquery(first_visit)).filter(campaign__in=ids).values("campaign")
           .annotate(n=Count("pk"), fen=fen_sum(F("sign_amount"), filter=Q(signed_at__isnull=False))).order_by()}
    rows = []
    for c in running:
        r, w = reach.get(c.pk, {"leads": 0, "visits": 0}), won.get(c.pk, {"n": 0, "fen": 0})
        amount = money_of(w["fen"])
        rows.append([c.name, r["leads"], r["visits"], w["n"], amount, c.cost,
                     (amount / c.cost).quantize(Decimal("0.01")) if c.cost else None])
    return Section("campaigns", _("Campaign return"), [], [Table("campaigns", _("Campaigns"), [
        Column("campaign", _("Campaign"), TEXT), Column("leads", _("Leads"), COUNT), Column("visits", _("Visits"), COUNT),
        Column("deals", _("Deals"), COUNT), Column("contract_amount", _("Contract amount"), MONEY),
        Column("cost", _("Cost"), MONEY), Column("return", _("Return (amount / cost)"), NUMBER)],
        rows, Chart("bar", "campaign", ("contract_amount", "cost")))])

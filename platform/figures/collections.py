"""Collections 回款: net collections by month and year to date against the target; the collection rate.

Net collections = cash (the deposits and down payments) + installments (with area
differences) + bank loans + provident-fund loans − refunds, as kernel.payments defines
them (rent, security deposits and fees collected for others are no sales collections),
dated by when the money was received, in the project's zone.

Collection rate = what the deals signed by the period's end had collected net by then
(on the subscription, the contract and the records the contract started, such as the
mortgage) / their signed amount. A cancelled deal is out of both.
For a consultant: the payments of the deals naming them.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Aggregate, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from engine.models import Record
from kernel.models import Payment, PaymentKind
from kernel.payments import CASH_KINDS

from . import rollups
from .buckets import bucket_days
from .deals import deals
from .periods import Kind, Period, compared, twelve_months
from .scope import ZERO, Scope, fen_sum, money_of, rate
from .tables import MONEY, MONTH, RATE, Chart, Column, Headline, Section, Table
from .targets import target_sums

PLUS = (*CASH_KINDS, PaymentKind.INSTALLMENT, PaymentKind.AREA_DIFFERENCE, PaymentKind.BANK_LOAN,
        PaymentKind.PROVIDENT_FUND_LOAN)
SIGNED_NET = fen_sum(F("amount"), filter=Q(kind__in=PLUS)), fen_sum(F("amount"), filter=Q(kind=PaymentKind.REFUND))


def deal_records(deal_ids: QuerySet) -> QuerySet:
    """The records of these deals: the subscriptions, their contracts, and what the contracts started."""
    return Record.objects.filter(Q(pk__in=deal_ids) | Q(parent_id__in=deal_ids) | Q(parent__parent_id__in=deal_ids)
                                 ).values("pk")


def payments(scope: Scope) -> QuerySet:
    query = Payment.objects.filter(project_id__in=scope.project_ids)
    if scope.consultant_id is not None:
        query = query.filter(record_id__in=deal_records(deals(scope).values("pk")))
    return query


def _net(query: QuerySet) -> Decimal:
    got = query.aggregate(plus=SIGNED_NET[0], minus=SIGNED_NET[1])
    return money_of((got["plus"] or 0) - (got["minus"] or 0))


def _own_deals(scope: Scope) -> QuerySet | None:
    return None if scope.consultant_id is None else deals(scope).values("pk")


def net(scope: Scope, period: Period) -> Decimal:
    """Net collections of the period: from the daily rollup (figures_dealpaid), else from the payments."""
    return nets(scope, (period,))[0]


def nets(scope: Scope, periods: tuple[Period, ...]) -> list[Decimal]:
    """`net` of several periods, in one query of the daily rollup."""
    rolled = rollups.paid_in(scope, periods, _own_deals(scope))
    if rolled is not None:
        return [money_of(fen) for fen in rolled]
    return [live_net(scope, period) for period in periods]


def live_net(scope: Scope, period: Period) -> Decimal:
    since, until = period.bounds(scope.zone)
    return _net(payments(scope).filter(received_at__gte=since, received_at__lt=until))


EVER, NEVER = date(1900, 1, 1), date(9999, 1, 1)


Rate = tuple[Decimal, Decimal, Decimal | None]


def collection_rates(scope: Scope, moments: tuple[date, ...]) -> list[Rate]:
    """(net collected, signed amount, rate) of the deals signed and not cancelled before each local day of `moments`.

    Collected = each deal's net of all time (figures_dealtotal, joined to the deal rows) less
    what came in from the moment on (the deals' daily rows from then, few). Both in one query
    each for every moment (FILTERs over a join). Without the daily rows (another zone): from
    the payments of the deals' records, one moment at a time (the OR of three IN-subqueries
    PostgreSQL evaluates per payment: 80 ms a moment at 5,000 deals).
    """
    untils = [Period(Kind.RANGE, EVER, after).bounds(scope.zone)[1] for after in moments]
    live = deals(scope).filter(cancelled_at__isnull=True, signed_at__lt=max(untils))
    sums: dict[str, Aggregate] = {}
    for i, until in enumerate(untils):
        sums[f"fen{i}"] = fen_sum(F("sign_amount"), filter=Q(signed_at__lt=until))
        sums[f"paid{i}"] = Sum("paid__fen", filter=Q(signed_at__lt=until))
    got = live.aggregate(**sums)
    later = rollups.paid_from(scope, live, tuple(zip(moments, untils)))
    out: list[Rate] = []
    for i, until in enumerate(untils):
        amount = money_of(got[f"fen{i}"])
        if later is not None:
            collected = money_of((got[f"paid{i}"] or 0) - later[i])
        else:
            signed = live.filter(signed_at__lt=until)
            collected = _net(Payment.objects.filter(project_id__in=scope.project_ids, received_at__lt=until,
                                                    record_id__in=deal_records(signed.values("pk"))))
        out.append((collected, amount, rate(collected, amount)))
    return out


def collection_rate(scope: Scope, after: date) -> Rate:
    """(net collected, signed amount, rate) of the deals signed and not cancelled before the local day `after`."""
    return collection_rates(scope, (after,))[0]


def monthly(scope: Scope, period: Period) -> list[list]:
    """Per month: net collections, the target, achievement."""
    from django.db.models.functions import TruncMonth

    found: dict[date, int] = {}
    days = rollups.paid(scope, period, _own_deals(scope), by_day=True)
    if days is not None:
        for day, fen in days.items():
            found[day.replace(day=1)] = found.get(day.replace(day=1), 0) + fen
    else:
        since, until = period.bounds(scope.zone)
        for row in (payments(scope).filter(received_at__gte=since, received_at__lt=until)
                    .annotate(m=TruncMonth("received_at", tzinfo=scope.zone)).values("m")
                    .annotate(plus=SIGNED_NET[0], minus=SIGNED_NET[1]).order_by()):
            found[row["m"].date() if hasattr(row["m"], "date") else row["m"]] = (row["plus"] or 0) - (row["minus"] or 0)
    targets = target_sums(scope, period)
    rows = []
    for month in bucket_days(period, True):
        got, goal = money_of(found.get(month)), targets.get(month, {}).get("collection", ZERO)
        rows.append([month, got, goal, rate(got, goal)])
    return rows


def section(scope: Scope, period: Period, today: date) -> Section:
    year = Period(Kind.RANGE, date(period.last.year, 1, 1), period.after)
    ytd_target = sum((t.get("collection", ZERO) for t in target_sums(scope, year).values()), ZERO)
    earlier = compared(period, today)
    now, then, ytd = nets(scope, (period, earlier, year))
    (collected, signed, collection), before = collection_rates(scope, (period.after, earlier.after))
    heads = [Headline("net_collections", _("Net collections"), MONEY, now, then),
             Headline("net_collections_ytd", _("Net collections, year to date"), MONEY, ytd),
             Headline("collection_target_ytd", _("Collection target, year to date"), MONEY, ytd_target),
             Headline("collection_achievement_ytd", _("Collection target achieved, year to date"), RATE,
                      rate(ytd, ytd_target)),
             Headline("collection_rate", _("Collection rate (net collected / signed amount)"), RATE, collection,
                      before[2])]
    columns = [Column("month", _("Month"), MONTH), Column("net", _("Net collections"), MONEY),
               Column("target", _("Collection target"), MONEY), Column("achievement", _("Achieved"), RATE)]
    return Section("collections", _("Collections"), heads, [
        Table("collections_trend", _("Net collections by month, last 12 months"), columns,
              monthly(scope, twelve_months(today)), Chart("bar", "month", ("net", "target"))),
        Table("collection_rate", _("Collection rate"), [
            Column("signed", _("Signed amount"), MONEY), Column("collected", _("Net collected on signed deals"), MONEY),
            Column("rate", _("Collection rate"), RATE)], [[signed, collected, collection]]),
    ])


__all__ = ["collection_rate", "live_net", "net", "payments", "section"]

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

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from engine.models import Record
from kernel.models import Payment, PaymentKind
from kernel.payments import CASH_KINDS

from .buckets import bucket_days
from .deals import deals
from .periods import Kind, Period, twelve_months
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


def net(scope: Scope, period: Period):
    since, until = period.bounds(scope.zone)
    return _net(payments(scope).filter(received_at__gte=since, received_at__lt=until))


def collection_rate(scope: Scope, until) -> tuple[Decimal, Decimal, Decimal | None]:
    """(net collected, signed amount, rate) of the deals signed and not cancelled before `until`.

    Measured: folding two moments into one query with FILTERs over IN-subqueries was slower
    (PostgreSQL evaluated the subqueries per payment), so each moment is its own query.
    """
    signed = deals(scope).filter(signed_at__lt=until, cancelled_at__isnull=True)
    amount = money_of(signed.aggregate(fen=fen_sum(F("sign_amount")))["fen"])
    collected = _net(Payment.objects.filter(project_id__in=scope.project_ids, received_at__lt=until,
                                            record_id__in=deal_records(signed.values("pk"))))
    return collected, amount, rate(collected, amount)


def monthly(scope: Scope, period: Period) -> list[list]:
    """Per month: net collections, the target, achievement."""
    from django.db.models.functions import TruncMonth

    since, until = period.bounds(scope.zone)
    found: dict[date, int] = {}
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
    ytd = net(scope, year)
    ytd_target = sum((t.get("collection", ZERO) for t in target_sums(scope, year).values()), ZERO)
    collected, signed, collection = collection_rate(scope, period.bounds(scope.zone)[1])
    before = collection_rate(scope, period.previous().bounds(scope.zone)[1])
    heads = [Headline("net_collections", _("Net collections"), MONEY, net(scope, period), net(scope, period.previous())),
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


__all__ = ["collection_rate", "net", "payments", "section"]

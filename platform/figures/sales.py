"""Sales 销售: subscriptions 认购 and signings 签约, by count and amount, with their 12-month trend."""
from __future__ import annotations

from datetime import date

from django.db.models import Count, F
from django.utils.translation import gettext as _

from . import memo
from .buckets import bucket_days, counted
from .deals import cancelled_in, deals, live_in
from .periods import Kind, Period, add_months, compared, twelve_months
from .scope import ZERO, Scope, fen_sum, money_of
from .tables import COUNT, DAY, MONEY, MONTH, Chart, Column, Headline, Section, Table


@memo.once
def totals(scope: Scope, period: Period) -> dict:
    """Net subscriptions and signings of the period (count, amount), and the cancellations dated in it."""
    return totals_of(scope, (period,))[0]


def totals_of(scope: Scope, periods: tuple[Period, ...]) -> list[dict]:
    """`totals` of several periods in one query (FILTERs per period); remembered for the reading."""
    sums = {}
    for i, period in enumerate(periods):
        since, until = period.bounds(scope.zone)
        subs, signs = live_in("subscribed_at", since, until), live_in("signed_at", since, until)
        sums.update({f"subscriptions{i}": Count("pk", filter=subs),
                     f"subscription_fen{i}": fen_sum(F("sub_amount"), filter=subs),
                     f"signings{i}": Count("pk", filter=signs), f"signing_fen{i}": fen_sum(F("sign_amount"), filter=signs),
                     f"cancellations{i}": Count("pk", filter=cancelled_in(since, until))})
    got = deals(scope).aggregate(**sums)
    out = []
    for i, period in enumerate(periods):
        found = {"subscriptions": got[f"subscriptions{i}"], "subscription_amount": money_of(got[f"subscription_fen{i}"]),
                 "signings": got[f"signings{i}"], "signing_amount": money_of(got[f"signing_fen{i}"]),
                 "cancellations": got[f"cancellations{i}"]}
        memo.remember(totals, (scope, period), found)
        out.append(found)
    return out


@memo.once
def _by_month(scope: Scope, months: Period) -> tuple[dict, dict]:
    base = deals(scope).filter(cancelled_at__isnull=True)
    return (counted(base, "subscribed_at", scope, months, True, amount=F("sub_amount")),
            counted(base, "signed_at", scope, months, True, amount=F("sign_amount")))


def by_month(scope: Scope, period: Period) -> tuple[dict, dict]:
    """({month: (count, amount)} of net subscriptions, the same of signings) of the whole months the period touches.

    Within a reading, counted once over the months of its span: the 12-month trend and the
    targets' months read the same deal rows by month.
    """
    months = Period(Kind.RANGE, period.first.replace(day=1), add_months(period.last, 1))
    span = memo.span()
    if span is not None:
        wide = Period(Kind.RANGE, span.first.replace(day=1), add_months(span.last, 1))
        if wide.first <= months.first and months.after <= wide.after:
            return _by_month(scope, wide)
    return _by_month(scope, months)


def series(scope: Scope, period: Period, monthly: bool) -> list[list]:
    """Per bucket: subscriptions (count, amount), signings (count, amount)."""
    if monthly:
        subs, signs = by_month(scope, period)
    else:
        base = deals(scope).filter(cancelled_at__isnull=True)
        subs = counted(base, "subscribed_at", scope, period, monthly, amount=F("sub_amount"))
        signs = counted(base, "signed_at", scope, period, monthly, amount=F("sign_amount"))
    return [[d, *subs.get(d, (0, ZERO)), *signs.get(d, (0, ZERO))] for d in bucket_days(period, monthly)]


def _table(key: str, title: str, rows: list[list], monthly: bool) -> Table:
    return Table(key, title, [
        Column("bucket", _("Month") if monthly else _("Day"), MONTH if monthly else DAY),
        Column("subscriptions", _("Subscriptions"), COUNT), Column("subscription_amount", _("Subscribed amount"), MONEY),
        Column("signings", _("Signings"), COUNT), Column("signing_amount", _("Signed amount"), MONEY),
    ], rows, Chart("bar", "bucket", ("subscription_amount", "signing_amount")))


def section(scope: Scope, period: Period, today: date) -> Section:
    now, before = totals(scope, period), totals(scope, compared(period, today))
    heads = [Headline("subscriptions", _("Subscriptions"), COUNT, now["subscriptions"], before["subscriptions"]),
             Headline("subscription_amount", _("Subscribed amount"), MONEY, now["subscription_amount"],
                      before["subscription_amount"]),
             Headline("signings", _("Signings"), COUNT, now["signings"], before["signings"]),
             Headline("signing_amount", _("Signed amount"), MONEY, now["signing_amount"], before["signing_amount"]),
             Headline("cancellations", _("Cancellations"), COUNT, now["cancellations"], before["cancellations"])]
    return Section("sales", _("Sales"), heads, [
        _table("sales_period", _("Sales in the period"), series(scope, period, period.monthly), period.monthly),
        _table("sales_trend", _("Sales, last 12 months"), series(scope, twelve_months(today), True), True),
    ])

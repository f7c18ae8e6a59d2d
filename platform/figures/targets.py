"""Targets 指标 and their achievement: monthly subscriptions (count) and signed amount, and collections.

A project's targets are its rows without a consultant; a consultant's own figures are
measured against the rows naming them; a group's are its projects' targets added up.
Achievement = the month's actual / its target (none when no target was set).
"""
from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from . import memo, sales
from .buckets import bucket_days
from .deals import deals, live_in
from .models import Target
from .periods import Kind, Period, add_months
from .scope import ZERO, Scope, fen_sum, money_of, rate
from .tables import COUNT, MONEY, MONTH, RATE, TEXT, Chart, Column, Section, Table


def _months(period: Period) -> Period:
    """The whole months the period touches: targets are monthly."""
    first = period.first.replace(day=1)
    return Period(Kind.RANGE, first, add_months(period.last, 1))


@memo.once
def target_sums(scope: Scope, period: Period) -> dict[date, dict]:
    """month -> {subscriptions, signing, collection} targets of the months the period touches."""
    months = _months(period)
    rows = Target.objects.filter(project_id__in=scope.project_ids, month__gte=months.first, month__lt=months.after)
    rows = rows.filter(consultant_id=scope.consultant_id) if scope.consultant_id else rows.filter(consultant__isnull=True)
    found = {}
    for row in rows.values("month").annotate(subs=Sum("subscription_count"), signing=fen_sum(F("signing_amount")),
                                             collection=fen_sum(F("collection_amount"))).order_by():
        found[row["month"]] = {"subscriptions": row["subs"] or 0, "signing": money_of(row["signing"]),
                               "collection": money_of(row["collection"])}
    return found


def by_month(scope: Scope, period: Period) -> Table:
    months = _months(period)
    subs, signs = sales.by_month(scope, months)  # the trend's counts by month, read once per board
    goals = target_sums(scope, months)
    rows = []
    for month in bucket_days(months, True):
        goal = goals.get(month, {"subscriptions": 0, "signing": ZERO})
        count, amount = subs.get(month, (0,))[0], signs.get(month, (0, ZERO))[1]
        rows.append([month, goal["subscriptions"], count, rate(count, goal["subscriptions"]),
                     goal["signing"], amount, rate(amount, goal["signing"])])
    return Table("targets", _("Targets and achievement by month"), [
        Column("month", _("Month"), MONTH), Column("subscription_target", _("Subscriptions target"), COUNT),
        Column("subscriptions", _("Subscriptions"), COUNT), Column("subscription_achievement", _("Achieved"), RATE),
        Column("signing_target", _("Signing amount target"), MONEY), Column("signing_amount", _("Signed amount"), MONEY),
        Column("signing_achievement", _("Achieved"), RATE)],
        rows, Chart("bar", "month", ("signing_target", "signing_amount")))


def by_consultant(scope: Scope, period: Period, names: dict[int, str]) -> Table:
    """Each consultant's targets of the months the period touches, against what they did in those months."""
    months = _months(period)
    since, until = months.bounds(scope.zone)
    goals = {r["consultant_id"]: r for r in Target.objects.filter(
        project_id__in=scope.project_ids, month__gte=months.first, month__lt=months.after, consultant__isnull=False)
        .values("consultant_id").annotate(subs=Sum("subscription_count"), signing=fen_sum(F("signing_amount")))
        .order_by()}
    subs, signs = live_in("subscribed_at", since, until), live_in("signed_at", since, until)
    done = {str(r["consultant"]): r for r in deals(scope).values("consultant").annotate(
        n=Count("pk", filter=subs), fen=fen_sum(F("sign_amount"), filter=signs)).order_by()}
    rows = []
    for consultant, goal in goals.items():
        got = done.get(str(consultant), {"n": 0, "fen": 0})
        amount, target = money_of(got["fen"]), money_of(goal["signing"])
        rows.append([names.get(consultant, "—"), goal["subs"] or 0, got["n"], rate(got["n"], goal["subs"]),
                     target, amount, rate(amount, target)])
    rows.sort(key=lambda r: r[0])
    return Table("targets_by_consultant", _("Consultants' targets"), [
        Column("consultant", _("Consultant"), TEXT), Column("subscription_target", _("Subscriptions target"), COUNT),
        Column("subscriptions", _("Subscriptions"), COUNT), Column("subscription_achievement", _("Achieved"), RATE),
        Column("signing_target", _("Signing amount target"), MONEY), Column("signing_amount", _("Signed amount"), MONEY),
        Column("signing_achievement", _("Achieved"), RATE)], rows)


def section(scope: Scope, period: Period, names: dict[int, str] | None) -> Section:
    tables = [by_month(scope, period)]
    if names is not None:
        tables.append(by_consultant(scope, period, names))
    return Section("targets", _("Targets"), [], tables)

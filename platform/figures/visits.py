"""Visits 来访 and the customers they bring: new and returning, by source type; agencies' registrations 报备.

- A **visit** is a `Visit` of kind visit (calls 来电 are not visits), dated by its time;
  **new** when the customer had never visited or called the project before
  (`returning` false), **returning** otherwise.
- A **new customer** is a customer registered (报备) in the project in the period,
  dated by the registration.
- An **agency registration** is one made by a member holding the channel agent role in
  the project; its visits are the visits of the customers it registered.
- For a consultant's own figures: the visits of the customers registered to them.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Membership
from kernel.models import CustomerRegistration, Project, Visit, VisitKind

from . import memo, rollups
from .buckets import bucket_days, day_key
from .names import coded_titles, people, source_title
from .periods import Kind, Period, add_months, compared
from .scope import Scope
from .tables import COUNT, DAY, MONTH, TEXT, Chart, Column, Headline, Section, Table


def visits(scope: Scope) -> QuerySet:
    query = Visit.objects.filter(project_id__in=scope.project_ids, kind=VisitKind.VISIT)
    if scope.consultant_id is not None:
        query = query.filter(Exists(CustomerRegistration.objects.filter(
            project_id=OuterRef("project_id"), customer_id=OuterRef("customer_id"),
            consultant_id=scope.consultant_id)))
    return query


def registrations(scope: Scope) -> QuerySet:
    query = CustomerRegistration.objects.filter(project_id__in=scope.project_ids)
    if scope.consultant_id is not None:
        query = query.filter(consultant_id=scope.consultant_id)
    return query


def agency_registrations(scope: Scope) -> QuerySet:
    return registrations(scope).filter(Exists(Membership.objects.filter(
        user_id=OuterRef("consultant_id"), project_id=OuterRef("project_id"), role="channel_agent")))


def _covering(period: Period) -> Period:
    """The reading's span when it holds the period (one query for all the board's visit figures), else the period."""
    span = memo.span()
    return span if span is not None and span.first <= period.first and period.after <= span.after else period


@memo.once
def _visit_days(scope: Scope, span: Period) -> dict[tuple[date, bool], int]:
    """{(local day, returning): visits} of the span: from the daily rollup, else in one GROUP BY of the visits."""
    rolled = rollups.visit_days(scope, span)
    return rolled if rolled is not None else live_visit_days(scope, span)


def live_visit_days(scope: Scope, span: Period) -> dict[tuple[date, bool], int]:
    """The same counted from the visits (what the rollup holds; the tests compare the two)."""
    since, until = span.bounds(scope.zone)
    return {(day_key(r["day"]), r["returning"]): r["n"] for r in visits(scope)
            .filter(at__gte=since, at__lt=until).annotate(day=TruncDate("at", tzinfo=scope.zone))
            .values("day", "returning").annotate(n=Count("pk")).order_by()}


@memo.once
def agents(scope: Scope) -> frozenset[tuple[int, int]]:
    """(project, user) of the scope's channel agents."""
    return frozenset(Membership.objects.filter(project_id__in=scope.project_ids, role="channel_agent")
                     .values_list("project_id", "user_id"))


@memo.once
def _registration_days(scope: Scope, span: Period) -> dict[tuple[date, bool], int]:
    """{(local day, by an agency?): registrations} of the span: from the daily rollup, else in one GROUP BY."""
    rolled = rollups.registration_days(scope, span, agents(scope))
    return rolled if rolled is not None else live_registration_days(scope, span)


def live_registration_days(scope: Scope, span: Period) -> dict[tuple[date, bool], int]:
    since, until = span.bounds(scope.zone)
    agency = Exists(Membership.objects.filter(user_id=OuterRef("consultant_id"), project_id=OuterRef("project_id"),
                                              role="channel_agent"))
    return {(day_key(r["day"]), r["agency"]): r["n"] for r in registrations(scope)
            .filter(registered_at__gte=since, registered_at__lt=until)
            .annotate(day=TruncDate("registered_at", tzinfo=scope.zone), agency=agency)
            .values("day", "agency").annotate(n=Count("pk")).order_by()}


def visit_days(scope: Scope, period: Period) -> list[tuple[date, bool, int]]:
    """(day, returning, visits) of each local day of the period that had visits."""
    return [(d, back, n) for (d, back), n in _visit_days(scope, _covering(period)).items()
            if period.first <= d < period.after]


def registration_days(scope: Scope, period: Period) -> list[tuple[date, bool, int]]:
    return [(d, agency, n) for (d, agency), n in _registration_days(scope, _covering(period)).items()
            if period.first <= d < period.after]


def totals(scope: Scope, period: Period) -> dict:
    seen, regs = visit_days(scope, period), registration_days(scope, period)
    return {"new_visits": sum(n for _d, back, n in seen if not back),
            "returning_visits": sum(n for _d, back, n in seen if back),
            "new_customers": sum(n for _d, _a, n in regs),
            "agency_registrations": sum(n for _d, agency, n in regs if agency)}


def by_source(scope: Scope, period: Period, projects: list[Project]) -> Table:
    titles = coded_titles(projects, "source_types")
    found: dict[str, list[int]] = {code: [0, 0] for code in titles}
    counts = rollups.by_source(scope, period)
    if counts is None:
        since, until = period.bounds(scope.zone)
        counts = {(r["source_type"], r["returning"]): r["n"] for r in visits(scope).filter(
            at__gte=since, at__lt=until).values("source_type", "returning").annotate(n=Count("pk")).order_by()}
    for (source, back), n in counts.items():
        found.setdefault(source, [0, 0])[1 if back else 0] += n
    rows = [[source_title(titles, code), new, back, new + back] for code, (new, back) in found.items()]
    return Table("visits_by_source", _("Visits by source type"), [
        Column("source", _("Source type"), TEXT), Column("new", _("New visits"), COUNT),
        Column("returning", _("Returning visits"), COUNT), Column("total", _("All visits"), COUNT)],
        rows, Chart("bar", "source", ("new", "returning"), stacked=True))


def daily(scope: Scope, period: Period, key: str, title: str) -> Table:
    """New and returning visits and new customers per bucket (day, or month for long periods)."""
    monthly = period.monthly
    buckets: dict[date, list] = {d: [d, 0, 0, 0] for d in bucket_days(period, monthly)}
    for d, back, n in visit_days(scope, period):
        buckets[d.replace(day=1) if monthly else d][2 if back else 1] += n
    for d, _a, n in registration_days(scope, period):
        buckets[d.replace(day=1) if monthly else d][3] += n
    return Table(key, title, [
        Column("bucket", _("Month") if monthly else _("Day"), MONTH if monthly else DAY),
        Column("new", _("New visits"), COUNT), Column("returning", _("Returning visits"), COUNT),
        # a count, titled so in Chinese (新增客户数): 新增客户 alone reads as a person's column
        Column("new_customers", pgettext("count column", "New customers"), COUNT)], list(buckets.values()),
        Chart("line", "bucket", ("new", "returning", "new_customers")))


def registered_consultant(query: QuerySet) -> QuerySet:
    """Visits with `by`: the member the visit's customer is registered to in the visit's project (a join, one per visit)."""
    return query.filter(customer__registrations__project_id=F("project_id")).annotate(
        by=F("customer__registrations__consultant_id"))


@memo.once
def by_registered(scope: Scope, period: Period) -> dict[tuple[int, int, bool], int]:
    """{(project, member the customer is registered to, returning): visits} of the period, in one joined GROUP BY.

    Read by the agencies' table and the consultants' ranking alike; from the daily rollup when it can.
    """
    rolled = rollups.by_registered(scope, period)
    if rolled is not None:
        return rolled
    since, until = period.bounds(scope.zone)
    return {(r["project_id"], r["by"], r["returning"]): r["n"] for r in
            registered_consultant(visits(scope).filter(at__gte=since, at__lt=until))
            .values("project_id", "by", "returning").annotate(n=Count("pk")).order_by()}


def agencies(scope: Scope, period: Period) -> Table:
    """Per channel agent: the customers they registered in the period, and those customers' visits in it."""
    agency = agents(scope)
    rolled = rollups.agency_registrations(scope, period, agency)
    if rolled is not None:
        regs = rolled
    else:
        since, until = period.bounds(scope.zone)
        regs = {r["consultant_id"]: r["n"] for r in agency_registrations(scope)
                .filter(registered_at__gte=since, registered_at__lt=until)
                .values("consultant_id").annotate(n=Count("pk")).order_by()}
    seen: dict[int, tuple[int, int]] = {}
    for (project_id, by, back), n in by_registered(scope, period).items():
        if (project_id, by) in agency:
            total, new = seen.get(by, (0, 0))
            seen[by] = (total + n, new + (0 if back else n))
    names = people(set(regs) | set(seen))
    rows: list[list] = sorted(([names.get(a, "—"), regs.get(a, 0), *seen.get(a, (0, 0))] for a in set(regs) | set(seen)),
                              key=lambda r: (-r[1], -r[2], r[0]))
    return Table("agencies", _("Agency channels: registrations and visits"), [
        Column("agent", _("Channel agent"), TEXT), Column("registrations", _("Registrations"), COUNT),
        Column("visits", _("Visits"), COUNT), Column("new", _("New visits"), COUNT)],
        rows, Chart("bar", "agent", ("registrations", "visits")))


def section(scope: Scope, period: Period, today: date, projects: list[Project]) -> Section:
    now, before = totals(scope, period), totals(scope, compared(period, today))
    heads = [Headline(k, t, COUNT, now[k], before[k]) for k, t in (
        ("new_visits", _("New visits")), ("returning_visits", _("Returning visits")),
        ("new_customers", _("New customers")), ("agency_registrations", _("Agency registrations")))]
    last30 = Period(Kind.RANGE, today - timedelta(days=29), today + timedelta(days=1))
    six = Period(Kind.RANGE, add_months(today, -5), add_months(today, 1))
    twelve = Period(Kind.RANGE, add_months(today, -11), add_months(today, 1))
    return Section("visits", _("Visits and customers"), heads, [
        daily(scope, period, "visits_period", _("Visits in the period")),
        by_source(scope, period, projects),
        agencies(scope, period),
        daily(scope, last30, "acquisition_30_days", _("Acquisition, last 30 days")),
        daily(scope, six, "acquisition_6_months", _("Acquisition, last 6 months")),
        daily(scope, twelve, "acquisition_12_months", _("Acquisition, last 12 months")),
    ])

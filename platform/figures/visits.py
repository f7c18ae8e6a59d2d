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

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Membership
from kernel.models import CustomerRegistration, Project, Visit, VisitKind

from .buckets import bucket_days, counted
from .periods import Kind, Period, add_months
from .scope import Scope
from .tables import COUNT, DAY, MONTH, TEXT, Chart, Column, Headline, Section, Table

from django.utils.translation import gettext as _

from .names import coded_titles, people, source_title


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


def totals(scope: Scope, period: Period) -> dict:
    since, until = period.bounds(scope.zone)
    got = visits(scope).filter(at__gte=since, at__lt=until).aggregate(
        new=Count("pk", filter=Q(returning=False)), returning=Count("pk", filter=Q(returning=True)))
    regs = registrations(scope).filter(registered_at__gte=since, registered_at__lt=until)
    return {"new_visits": got["new"], "returning_visits": got["returning"], "new_customers": regs.count(),
            "agency_registrations": agency_registrations(scope).filter(registered_at__gte=since,
                                                                       registered_at__lt=until).count()}


def by_source(scope: Scope, period: Period, projects: list[Project]) -> Table:
    since, until = period.bounds(scope.zone)
    titles = coded_titles(projects, "source_types")
    found: dict[str, list[int]] = {code: [0, 0] for code in titles}
    for row in (visits(scope).filter(at__gte=since, at__lt=until).values("source_type")
                .annotate(new=Count("pk", filter=Q(returning=False)), back=Count("pk", filter=Q(returning=True)))
                .order_by()):
        counts = found.setdefault(row["source_type"], [0, 0])
        counts[0] += row["new"]
        counts[1] += row["back"]
    rows = [[source_title(titles, code), new, back, new + back] for code, (new, back) in found.items()]
    return Table("visits_by_source", _("Visits by source type"), [
        Column("source", _("Source type"), TEXT), Column("new", _("New visits"), COUNT),
        Column("returning", _("Returning visits"), COUNT), Column("total", _("All visits"), COUNT)],
        rows, Chart("bar", "source", ("new", "returning"), stacked=True))


def daily(scope: Scope, period: Period, key: str, title: str) -> Table:
    """New and returning visits and new customers per bucket (day, or month for long periods)."""
    monthly = period.monthly
    found = counted(visits(scope), "at", scope, period, monthly, split="returning")
    regs = counted(registrations(scope), "registered_at", scope, period, monthly)
    rows = [[d, found.get((d, False), (0,))[0], found.get((d, True), (0,))[0], regs.get(d, (0,))[0]]
            for d in bucket_days(period, monthly)]
    return Table(key, title, [
        Column("bucket", _("Month") if monthly else _("Day"), MONTH if monthly else DAY),
        Column("new", _("New visits"), COUNT), Column("returning", _("Returning visits"), COUNT),
        Column("new_customers", _("New customers"), COUNT)], rows, Chart("line", "bucket", ("new", "returning", "new_customers")))


def agencies(scope: Scope, period: Period) -> Table:
    """Per channel agent: the customers they registered in the period, and those customers' visits in it."""
    since, until = period.bounds(scope.zone)
    regs = {r["consultant_id"]: r["n"] for r in agency_registrations(scope)
            .filter(registered_at__gte=since, registered_at__lt=until)
            .values("consultant_id").annotate(n=Count("pk")).order_by()}
    agent_customers = agency_registrations(scope).filter(project_id=OuterRef("project_id"),
                                                         customer_id=OuterRef("customer_id"))
    seen = {r["agent"]: (r["n"], r["new"]) for r in visits(scope).filter(at__gte=since, at__lt=until)
            .annotate(agent=agent_customers.values("consultant_id")[:1]).filter(agent__isnull=False)
            .values("agent").annotate(n=Count("pk"), new=Count("pk", filter=Q(returning=False))).order_by()}
    names = people(set(regs) | set(seen))
    rows = sorted(([names.get(a, "—"), regs.get(a, 0), *seen.get(a, (0, 0))] for a in set(regs) | set(seen)),
                  key=lambda r: (-r[1], -r[2], r[0]))
    return Table("agencies", _("Agency channels: registrations and visits"), [
        Column("agent", _("Channel agent"), TEXT), Column("registrations", _("Registrations"), COUNT),
        Column("visits", _("Visits"), COUNT), Column("new", _("New visits"), COUNT)],
        rows, Chart("bar", "agent", ("registrations", "visits")))


def section(scope: Scope, period: Period, today: date, projects: list[Project]) -> Section:
    now, before = totals(scope, period), totals(scope, period.previous())
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

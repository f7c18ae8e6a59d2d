"""Reading the daily rollups the triggers keep (figures.rollup_triggers): visits, registrations, collections by day.

Each reader returns None when a row it would add up was read in another time zone than
the scope's (a group of projects in several zones is read in the installation's; an
installation whose TIME_ZONE changed after the triggers were made): the caller then
counts from the facts themselves, as the rollups would (figures.visits, figures.collections).
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import TypeVar

from django.db.models import BooleanField, Case, Q, QuerySet, Sum, Value, When

from . import memo
from .models import DealPaid, RegistrationDay, VisitDay, VisitTotal
from .periods import Period
from .scope import Scope

K = TypeVar("K", bound=Hashable)

_bypassed: ContextVar[bool] = ContextVar("figures_rollups_bypassed", default=False)


@contextmanager
def bypassed() -> Iterator[None]:
    """Inside, every reader answers None and the figures are counted from the facts (the benchmark's comparison)."""
    token = _bypassed.set(True)
    try:
        yield
    finally:
        _bypassed.reset(token)


def _rows(query: QuerySet, scope: Scope, period: Period, *keys: str, total: str = "n") -> list[dict] | None:
    if _bypassed.get():
        return None
    # rows counted down to 0 stay in the tables (figures.rollup_triggers); they add nothing
    rows = list(query.filter(project_id__in=scope.project_ids, day__gte=period.first, day__lt=period.after)
                .exclude(**{total: 0}).values(*keys, "zone").annotate(total=Sum(total)).order_by())
    if any(r["zone"] != scope.zone.key for r in rows):
        return None
    return rows


def _summed(rows: list[dict] | None, key: Callable[[dict], K | None]) -> dict[K, int] | None:
    """The rows' totals added up by `key` (a row whose key is None left out); None when the rollups cannot answer."""
    if rows is None:
        return None
    found: dict[K, int] = {}
    for r in rows:
        if (k := key(r)) is not None:
            found[k] = found.get(k, 0) + r["total"]
    return found


def _visits(scope: Scope) -> QuerySet:
    query = VisitDay.objects.all()
    return query if scope.consultant_id is None else query.filter(consultant_id=scope.consultant_id)


@memo.once
def visit_days(scope: Scope, span: Period) -> dict[tuple[date, bool], int] | None:
    """{(local day, returning): visits} of the span."""
    query = VisitTotal.objects.all() if scope.consultant_id is None else _visits(scope)
    return _summed(_rows(query, scope, span, "day", "returning"), lambda r: (r["day"], r["returning"]))


def _registrations(scope: Scope) -> QuerySet:
    query = RegistrationDay.objects.all()
    return query if scope.consultant_id is None else query.filter(consultant_id=scope.consultant_id)


def _by_agents(agents: frozenset[tuple[int, int]]) -> Q:
    """Rows of registrations made by these (project, channel agent) pairs."""
    found = Q(pk__in=[])
    for project_id, user_id in agents:
        found |= Q(project_id=project_id, consultant_id=user_id)
    return found


@memo.once
def registration_days(scope: Scope, span: Period, agents: frozenset[tuple[int, int]]
                      ) -> dict[tuple[date, bool], int] | None:
    """{(local day, by a channel agent?): registrations} of the span, in one GROUP BY (two rows a day at most)."""
    agency = Case(When(_by_agents(agents), then=Value(True)), default=Value(False), output_field=BooleanField())
    rows = _rows(_registrations(scope).annotate(agency=agency), scope, span, "day", "agency")
    return None if rows is None else {(r["day"], r["agency"]): r["total"] for r in rows}


def agency_registrations(scope: Scope, period: Period, agents: frozenset[tuple[int, int]]) -> dict[int, int] | None:
    """{channel agent: registrations} of the period."""
    if not agents:
        return {}
    return _summed(_rows(_registrations(scope).filter(_by_agents(agents)), scope, period, "consultant_id"),
                   lambda r: r["consultant_id"])


@memo.once
def _mix(scope: Scope, period: Period) -> list[dict] | None:
    """The period's visits by project, registered consultant, source type and returning: one query for both below."""
    return _rows(_visits(scope), scope, period, "project_id", "consultant_id", "source_type", "returning")


def by_source(scope: Scope, period: Period) -> dict[tuple[str, bool], int] | None:
    return _summed(_mix(scope, period), lambda r: (r["source_type"], r["returning"]))


def by_registered(scope: Scope, period: Period) -> dict[tuple[int, int, bool], int] | None:
    """{(project, consultant the customer is registered to, returning): visits}; unregistered customers left out."""
    return _summed(_mix(scope, period),
                   lambda r: (r["project_id"], r["consultant_id"], r["returning"]) if r["consultant_id"] else None)


def paid_in(scope: Scope, periods: tuple[Period, ...], deal_ids: QuerySet | None = None) -> list[int] | None:
    """Net collections in fen of each period (of these deals), in one query (FILTERs per period); None: another zone."""
    if _bypassed.get():
        return None
    query = DealPaid.objects.all() if deal_ids is None else DealPaid.objects.filter(deal_id__in=deal_ids)
    sums = {f"fen{i}": Sum("fen", filter=Q(day__gte=p.first, day__lt=p.after)) for i, p in enumerate(periods)}
    rows: list[dict] = list(query.filter(  # type: ignore[arg-type]
        project_id__in=scope.project_ids, day__gte=min(p.first for p in periods),
        day__lt=max(p.after for p in periods)).exclude(fen=0).values("zone").annotate(**sums).order_by())
    if any(r["zone"] != scope.zone.key for r in rows):
        return None
    return [sum(r[f"fen{i}"] or 0 for r in rows) for i in range(len(periods))]


def paid(scope: Scope, period: Period, deal_ids: QuerySet | None = None, *, by_day: bool = False):
    """Net collections in fen of the period (of these deals), or {local day: fen} with by_day; None: another zone."""
    query = DealPaid.objects.all() if deal_ids is None else DealPaid.objects.filter(deal_id__in=deal_ids)
    rows = _rows(query, scope, period, *(("day",) if by_day else ()), total="fen")
    if rows is None:
        return None
    if by_day:
        return {r["day"]: r["total"] or 0 for r in rows}
    return sum(r["total"] or 0 for r in rows)


def paid_from(scope: Scope, signed: QuerySet, moments: tuple[tuple[date, object], ...]) -> list[int] | None:
    """For each (local day, its start as a datetime): the net fen the deals signed before it received from that day on.

    `signed` holds the deals signed before the latest moment; one query for all moments.
    """
    if _bypassed.get():
        return None
    first = min(day for day, _until in moments)
    sums = {f"later{i}": Sum("fen", filter=Q(day__gte=day, deal__signed_at__lt=until))
            for i, (day, until) in enumerate(moments)}
    rows: list[dict] = list(DealPaid.objects.filter(project_id__in=scope.project_ids, day__gte=first,  # type: ignore[arg-type]
                                        deal_id__in=signed.values("pk")).exclude(fen=0)
                .values("zone").annotate(**sums).order_by())
    if any(r["zone"] != scope.zone.key for r in rows):
        return None
    return [sum(r[f"later{i}"] or 0 for r in rows) for i in range(len(moments))]

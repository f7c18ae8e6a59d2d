"""Counting facts per local day or month in one GROUP BY, and laying them on every bucket of a period."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Aggregate, Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth

from .periods import Period, add_months
from .scope import Scope, fen_sum, money_of


def bucket_days(period: Period, monthly: bool) -> list[date]:
    """The first day of every bucket (day or month) of the period."""
    if monthly:
        out, d = [], period.first.replace(day=1)
        while d < period.after:
            out.append(d)
            d = add_months(d, 1)
        return out
    return [period.first + timedelta(days=i) for i in range(period.days)]


def day_key(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def counted(query: QuerySet, field: str, scope: Scope, period: Period, monthly: bool, *,
            amount=None, where: Q | None = None, split: str | None = None) -> dict:
    """{(bucket day[, split value]): (count, amount)} of the rows whose `field` falls in the period.

    One query. Days are the scope's local days; `amount` an expression summed in fen.
    """
    since, until = period.bounds(scope.zone)
    trunc = (TruncMonth if monthly else TruncDate)(field, tzinfo=scope.zone)
    rows = query.filter(**{f"{field}__gte": since, f"{field}__lt": until})
    if where is not None:
        rows = rows.filter(where)
    keys = ["bucket", split] if split else ["bucket"]
    aggregates: dict[str, Aggregate] = {"n": Count("pk")}
    if amount is not None:
        aggregates["fen"] = fen_sum(amount)
    found = {}
    for row in rows.annotate(bucket=trunc).values(*keys).annotate(**aggregates).order_by():
        key = (day_key(row["bucket"]), row[split]) if split else day_key(row["bucket"])
        found[key] = (row["n"], money_of(row.get("fen")))
    return found


def filled(found: dict, days: Iterable[date]) -> list[tuple[date, int, object]]:
    from .scope import ZERO

    return [(d, *found.get(d, (0, ZERO))) for d in days]

"""Whose figures: one project or a group of projects, all of it or one consultant's own work."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import BigIntegerField, DecimalField, F, Sum
from django.db.models.functions import Cast, Round

from kernel.money import FEN, MONEY_COLUMN

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Scope:
    """The projects the figures are of, the zone their days are read in, and optionally one consultant.

    `consultant_id` set: only that consultant's work counts (deals naming them, customers
    registered to them, visits of those customers): a consultant's own figures.
    """

    project_ids: tuple[int, ...]
    zone: ZoneInfo
    consultant_id: int | None = None

    @classmethod
    def of_project(cls, project, consultant_id: int | None = None) -> Scope:
        return cls((project.pk,), project.zone, consultant_id)

    @classmethod
    def of_projects(cls, projects) -> Scope:
        """A group: its days are read in its projects' zone when they share one, else the installation's."""
        projects = list(projects)
        zones = {p.zone.key for p in projects}
        zone = projects[0].zone if len(zones) == 1 else ZoneInfo(settings.TIME_ZONE)
        return cls(tuple(sorted(p.pk for p in projects)), zone)


def fen_sum(expression, **extra) -> Sum:
    """The exact sum of a money expression, in whole fen (SQLite would add decimals as floats)."""
    return Sum(Cast(Round(expression * 100), BigIntegerField()), **extra)


def money_of(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) * FEN).quantize(FEN)


def json_money(key: str):
    """A money value kept in a record's data (a decimal string), as a number the database can add."""
    from django.db.models.fields.json import KT

    return Cast(KT(f"data__{key}"), DecimalField(**MONEY_COLUMN))


def rate(part, whole) -> Decimal | None:
    """part / whole to four places (a percentage to two), None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


__all__ = ["F", "Scope", "ZERO", "fen_sum", "json_money", "money_of", "rate"]

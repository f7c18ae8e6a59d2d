"""What a figure comes out as: headline numbers and tables, each table optionally drawn as a chart.

The dashboard pages, the xlsx export and the `figures` command all read these, so they
show the same numbers. Values stay typed (int, Decimal money, Decimal rates, dates);
each reader formats them its way: the page in the user's language, the workbook as
numeric cells, JSON as decimal strings (never floats).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

TEXT, COUNT, MONEY, RATE, NUMBER, DAY, MONTH = "text", "count", "money", "rate", "number", "day", "month"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = TEXT


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: `kind` line, bar, pie or funnel; the x column; the columns drawn as series."""

    kind: str
    x: str
    series: tuple[str, ...]
    stacked: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    chart: Chart | None = None
    note: str = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def as_dicts(self) -> list[dict]:
        return [dict(zip((c.key for c in self.columns), row)) for row in self.rows]


@dataclass(frozen=True)
class Headline:
    """One number at the top of a section, with the previous period's for comparison."""

    key: str
    title: str
    kind: str
    value: int | Decimal | None
    previous: int | Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        if self.value is None or self.previous is None or self.kind == RATE:
            return None if self.value is None or self.previous is None else Decimal(self.value) - Decimal(self.previous)
        if not self.previous:
            return None
        return ((Decimal(self.value) - Decimal(self.previous)) / Decimal(self.previous)).quantize(Decimal("0.0001"))


@dataclass
class Section:
    key: str
    title: str
    headlines: list[Headline] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def plain(value):
    """A value for JSON: money and rates as decimal strings, dates as ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value

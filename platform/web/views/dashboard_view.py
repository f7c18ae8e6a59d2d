"""The dashboards' figures as the pages show them: formatted cells, chart data, the period and pickers.

Kept apart from the views (dashboard.py) so the page and its refresh share one
rendering, and the export (dashboard_export.py) reads the same Board.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from figures.board import Board
from figures.periods import BadPeriod, Kind, Period, period_of, running
from figures.tables import COUNT, DAY, MONEY, MONTH, NUMBER, RATE, Headline, Table, plain

from ..display import DASH, day, money

# lazy: made at import, read in each request's language (a plain pgettext froze the first request's)
KINDS = (("day", pgettext_lazy("period", "Day")), ("week", pgettext_lazy("period", "Week")),
         ("month", pgettext_lazy("period", "Month")), ("year", pgettext_lazy("period", "Year")),
         ("range", pgettext_lazy("period", "Date range")))


def _rate(value) -> str:
    return DASH if value is None else f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def cell(value, kind: str) -> str:
    """A figure as the page shows it: money ¥1,234.00, rates 12.3%, days in the user's language."""
    if value is None:
        return DASH
    if kind == MONEY:
        return money(value)
    if kind == RATE:
        return _rate(value)
    if kind == MONTH and isinstance(value, date):
        return f"{value:%Y-%m}"
    if kind == DAY and isinstance(value, date):
        return day(value)
    if kind in (COUNT, NUMBER) and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def change(head: Headline) -> dict | None:
    """The change against the previous period, in words and a direction (up, down, same)."""
    delta = head.change
    if delta is None:
        return None
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    if head.kind == RATE:  # a change of a rate is in percentage points (个百分点), not a percentage of it
        text = pgettext("percentage points", "%(change)s pt") % {
            "change": f"{'+' if delta >= 0 else ''}{(delta * 100).quantize(Decimal('0.1'))}"}
    else:
        text = f"{'+' if delta >= 0 else ''}{(delta * 100).quantize(Decimal('0.1'))}%"
    return {"text": text, "direction": direction}


def chart_data(table: Table) -> dict | None:
    """What dashboard.js draws: x labels, one series per drawn column (numbers as decimal strings)."""
    if table.chart is None:
        return None
    x = table.column(table.chart.x)
    index = {c.key: i for i, c in enumerate(table.columns)}
    return {"key": table.key, "kind": table.chart.kind, "stacked": table.chart.stacked, "title": table.title,
            "x": [cell(row[index[x.key]], x.kind) for row in table.rows],
            "series": [{"name": table.column(k).title, "money": table.column(k).kind == MONEY,
                        "data": [plain(row[index[k]]) if row[index[k]] is not None else None for row in table.rows]}
                       for k in table.chart.series]}


@dataclass
class Shown:
    sections: list[dict]
    charts: list[dict]


def shown(board: Board) -> Shown:
    sections, charts = [], []
    for s in board.sections:
        heads = [{"key": h.key, "title": h.title, "value": cell(h.value, h.kind),
                  "previous": None if h.previous is None else cell(h.previous, h.kind), "change": change(h)}
                 for h in s.headlines]
        tables = []
        for t in s.tables:
            data = chart_data(t)
            if data:
                charts.append(data)
            numeric = [c.kind != "text" and c.kind not in (DAY, MONTH) for c in t.columns]
            tables.append({"key": t.key, "title": t.title, "chart": data is not None,
                           "columns": [{"title": c.title, "num": n} for c, n in zip(t.columns, numeric)],
                           "rows": [[{"text": cell(v, c.kind), "num": n, "label": c.title}
                                     for v, c, n in zip(row, t.columns, numeric)] for row in t.rows]})
        sections.append({"key": s.key, "title": s.title, "headlines": heads, "tables": tables})
    return Shown(sections, charts)


@dataclass(frozen=True)
class Chosen:
    """The period asked for in the query string, and what was wrong with it (in words), if anything."""

    period: Period
    kind: str
    on: date
    until: date | None
    problem: str = ""


def chosen_period(params: QueryDict, today: date) -> Chosen:
    kind = params.get("period") or "month"
    if kind not in dict(KINDS):
        return Chosen(period_of("month", today), "month", today, None,
                      _("Period: choose a day, a week, a month, a year or a date range."))
    problem = ""

    def read(name: str, label: str, default: date | None) -> date | None:
        nonlocal problem
        text = (params.get(name) or "").strip()
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            problem = _("%(field)s: '%(value)s' is not a date (write it as 2026-12-31).") % {
                "field": label, "value": text[:20]}
            return default

    on = read("on", _("Date"), today) or today  # given a default, read gives a date
    until = read("to", _("To"), on) if kind == "range" else None
    try:
        return Chosen(period_of(kind, on, until), kind, on, until, problem)
    except BadPeriod:
        return Chosen(period_of("month", today), "month", today, None,
                      _("Date range: the last day must not be before the first, and the range at most three years."))


def period_query(c: Chosen, **extra) -> str:
    q = QueryDict(mutable=True)
    q["period"] = c.kind
    q["on"] = c.on.isoformat()
    if c.until is not None:
        q["to"] = c.until.isoformat()
    for key, value in extra.items():
        if value not in (None, ""):
            q[key] = str(value)
    return q.urlencode()


def period_text(period: Period) -> str:
    if period.kind is Kind.DAY:
        return day(period.first)
    return f"{day(period.first)} – {day(period.last)}"


def running_text(board: Board) -> tuple[str, str] | None:
    """(the days so far, the same days of the previous period) while the board's period runs, else None."""
    if not running(board.period, board.today):
        return None
    return f"{day(board.period.first)} – {day(board.today)}", period_text(board.compared)


def previous_text(board: Board) -> str:
    return period_text(board.compared)

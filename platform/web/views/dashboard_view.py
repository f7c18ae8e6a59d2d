"""The dashboards' figures as the pages show them: formatted cells, chart data, the period and pickers.

Kept apart from the views (dashboard.py) so the page and its refresh share one
rendering, and the export (dashboard_export.py) reads the same Board.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import QueryDict
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext as _

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


# The scales amounts are read in on the cards: Chinese counts in 万 (10⁴) and 亿 (10⁸), English in
# millions and billions; the units are the language's own words, not translations of each other.
SCALES = {"zh": ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万")),
          "en": ((Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"))}


def compact_money(value: Decimal) -> tuple[str, str]:
    """(number, unit) of an amount as a card shows it: ¥380.00 + 万, ¥3.80 + M; small amounts exact with no unit.

    A card on a phone is some 150 px wide: ¥3,800,000.00 broke in the middle of the number
    there. The exact amount stays in the card's title and in the tables.
    """
    scales = SCALES["zh" if (get_language() or "zh").startswith("zh") else "en"]
    sign = "-" if value < 0 else ""
    for size, unit in scales:
        if abs(value) >= size:
            return f"{sign}¥{abs(value) / size:,.2f}", unit
    return money(value), ""


def headline(h: Headline) -> dict:
    """A headline as its card shows it; amounts in compact units (compact_money), the exact one kept in `exact`."""
    shown = {"key": h.key, "title": h.title, "value": cell(h.value, h.kind), "unit": "", "exact": "",
             "previous": None if h.previous is None else cell(h.previous, h.kind), "change": change(h)}
    if h.kind == MONEY and h.value is not None:
        shown["exact"] = shown["value"]
        shown["value"], shown["unit"] = compact_money(Decimal(h.value))
        if h.previous is not None:
            shown["previous"] = "".join(compact_money(Decimal(h.previous)))
    return shown


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


def axis_label(value, kind: str) -> str:
    """An x label of a chart: days without their year (12月4日, 4 Dec), so 30 of them fit a phone's axis."""
    if kind == DAY and isinstance(value, date):
        return date_format(value, pgettext("chart axis date format", "j M"))
    return cell(value, kind)


def chart_data(table: Table) -> dict | None:
    """What dashboard.js draws: x labels, one series per drawn column (numbers as decimal strings)."""
    if table.chart is None:
        return None
    x = table.column(table.chart.x)
    index = {c.key: i for i, c in enumerate(table.columns)}
    return {"key": table.key, "kind": table.chart.kind, "stacked": table.chart.stacked, "title": table.title,
            "x": [axis_label(row[index[x.key]], x.kind) for row in table.rows],
            "series": [{"name": table.column(k).title, "money": table.column(k).kind == MONEY,
                        "data": [plain(row[index[k]]) if row[index[k]] is not None else None for row in table.rows]}
                       for k in table.chart.series]}


@dataclass
class Shown:
    sections: list[dict]
    charts: list[dict]


def _body(table: Table, numeric: list[bool]) -> SafeString:
    """The table's rows as HTML, escaped here: some thousand cells a page, which the template
    language took ~100 ms to render one by one (docs/benchmarks.md); one join is a few ms."""
    kinds = [c.kind for c in table.columns]
    opening = ['<td class="num">' if n else "<td>" for n in numeric]
    lines = []
    for row in table.rows:
        lines.append("<tr>" + "".join(f"{o}{escape(cell(v, k))}</td>" for v, k, o in zip(row, kinds, opening))
                     + "</tr>")
    return mark_safe("\n".join(lines))  # noqa: S308 - every value above went through escape()


def shown(board: Board) -> Shown:
    sections, charts = [], []
    for s in board.sections:
        heads = [headline(h) for h in s.headlines]
        tables = []
        for t in s.tables:
            data = chart_data(t)
            if data:
                charts.append(data)
            numeric = [c.kind != "text" and c.kind not in (DAY, MONTH) for c in t.columns]
            tables.append({"key": t.key, "title": t.title, "chart": data is not None,
                           "columns": [{"title": c.title, "num": n} for c, n in zip(t.columns, numeric)],
                           "body": _body(t, numeric) if t.rows else ""})
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

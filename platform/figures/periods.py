"""Periods of figures: a day, a week, a month, a year or any range of days, read in a project's time zone.

A period is a half-open range of local days [first, after). Its bounds become aware
datetimes at local midnight in the zone the figures are read in (Project.zone), so a
visit at 23:59 on the 31st, Beijing time, is in that month even though it is the
afternoon of the 31st in UTC, and one at 00:01 on the 1st is in the next.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366  # a range longer than three years is not a dashboard's question


class Kind(enum.Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


class BadPeriod(ValueError):
    """A period asked for that is not one (dates the wrong way round, too long, not dates)."""


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """The first day of the month `months` after d's month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: date
    after: date  # the day after the last day

    @property
    def last(self) -> date:
        return self.after - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.after - self.first).days

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware datetimes [since, until) at local midnight in `zone`."""
        return (datetime.combine(self.first, time(), zone), datetime.combine(self.after, time(), zone))

    def previous(self) -> Period:
        """The period before, of the same kind: yesterday, last week, last month, last year, the same number of days."""
        if self.kind is Kind.MONTH:
            return Period(Kind.MONTH, add_months(self.first, -1), self.first)
        if self.kind is Kind.YEAR:
            return Period(Kind.YEAR, self.first.replace(year=self.first.year - 1), self.first)
        return Period(self.kind, self.first - timedelta(days=self.days), self.first)

    def contains(self, d: date) -> bool:
        return self.first <= d < self.after

    @property
    def monthly(self) -> bool:
        """Long periods chart by month, short ones by day."""
        return self.days > 62


def period_of(kind: str, on: date, until: date | None = None) -> Period:
    """The period of `kind` holding the day `on`; for a range, the days `on` to `until` inclusive."""
    try:
        k = Kind(kind)
    except ValueError:
        raise BadPeriod(kind) from None
    if k is Kind.DAY:
        return Period(k, on, on + timedelta(days=1))
    if k is Kind.WEEK:  # weeks start on Monday, as the calendar in China does
        first = on - timedelta(days=on.weekday())
        return Period(k, first, first + timedelta(days=7))
    if k is Kind.MONTH:
        return Period(k, month_start(on), add_months(on, 1))
    if k is Kind.YEAR:
        return Period(k, date(on.year, 1, 1), date(on.year + 1, 1, 1))
    last = until if until is not None else on
    if last < on:
        raise BadPeriod("range ends before it starts")
    if (last - on).days + 1 > MAX_DAYS:
        raise BadPeriod("range too long")
    return Period(k, on, last + timedelta(days=1))


def twelve_months(today: date) -> Period:
    """The 12 calendar months ending with today's month."""
    return Period(Kind.RANGE, add_months(today, -11), add_months(today, 1))


def local_today(zone: ZoneInfo, now: datetime | None = None) -> date:
    from django.utils import timezone

    return (now or timezone.now()).astimezone(zone).date()


def period_between(first: date, last: date) -> Period:
    """The days first..last inclusive, named as the calendar would: a day, a week, a month, a year, or a range."""
    if last == first:
        return period_of("day", first)
    if first.weekday() == 0 and (last - first).days == 6:
        return period_of("week", first)
    if first.day == 1 and last + timedelta(days=1) == add_months(first, 1):
        return period_of("month", first)
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and first.year == last.year:
        return period_of("year", first)
    return period_of("range", first, last)


def compared(period: Period, today: date) -> Period:
    """What the period is compared with: the previous period, to date while the period is still running.

    On 4 December a month shows 1–4 December (nothing later has happened) and is compared
    with 1–4 November, not the whole of November; a week on its Wednesday with Monday to
    Wednesday of the week before; a year on 4 December with 1 January – 4 December of the
    year before. The previous period is cut after the same number of days (a month, at
    its own end: on 31 March, February's 28 days; a year, at the same date, 28 February
    for a 29th). `today` is the day the figures are read on (as_of: a period already over
    gives its last day). On its last day, or once over, a period is compared whole with the
    whole previous period (30 November with all 31 days of October).
    """
    before = period.previous()
    if not running(period, today):  # over (or on its last day), or still to come: whole against whole
        return before
    if period.kind is Kind.YEAR:
        same = today.replace(year=before.first.year, day=28) if (today.month, today.day) == (2, 29) else \
            today.replace(year=before.first.year)
    else:
        same = before.first + timedelta(days=(today - period.first).days)
    after = min(same + timedelta(days=1), before.after)
    return before if after == before.after else Period(Kind.RANGE, before.first, after)


def running(period: Period, today: date) -> bool:
    """The period holds today and days after it: its figures are to date."""
    return period.first <= today < period.last


def as_of(period: Period, today: date) -> date:
    """The day the trends end on: today, or the period's last day when the period is over."""
    return min(today, period.last)

"""Durations in definitions: `30m`, `72h`, `3d`, `1w`, `2d12h`, or ISO 8601 `P3DT12H`;
for a deadline or timer also a project setting or a record field (`DurationRef`).

Months and years are refused: "1 month" has no fixed length, and a deadline that
shifts with the calendar surprises people. Write `30d` and mean it.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

_SHORT = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(
    r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$"
)
MAX_DURATION = timedelta(days=3660)


class DurationError(ValueError):
    """Why a duration was refused, in English (str) and Chinese (`zh`)."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.zh = zh


def parse_duration(value: object) -> timedelta:
    """Return a positive timedelta or raise DurationError saying why."""
    if not isinstance(value, str) or not value or value in {"P", "PT"}:
        raise DurationError("not a duration", "不是时长")
    text = value.strip()
    match = _SHORT.match(text) or _ISO.match(text)
    if not match or not any(match.groups()):
        raise DurationError("not a duration", "不是时长")
    try:
        # int() refuses more than 4300 digits with a ValueError
        weeks, days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
        result = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    except (OverflowError, ValueError) as exc:
        raise DurationError("too long", "过长") from exc
    if result <= timedelta(0):
        raise DurationError("must be longer than zero", "必须大于零")
    if result > MAX_DURATION:
        raise DurationError("longer than ten years", "超过十年")
    return result


# The units a number of a setting or a record field may count (`after: {field: hold_days, unit: days}`).
UNITS: dict[str, str] = {"minutes": "minutes", "hours": "hours", "days": "days", "weeks": "weeks"}
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "minutes": ("minutes", "分钟"), "hours": ("hours", "小时"), "days": ("days", "天"), "weeks": ("weeks", "周"),
}


@dataclass(frozen=True)
class DurationRef:
    """A duration read when a deadline or timer starts: a project setting or a record field, counted in `unit`.

    Written `after: {setting: reservation_hours}` (the setting's schema says its unit
    with `x-unit`) or `after: {field: hold_days, unit: days, default: 3d}`. The value is
    read when the state is entered, so a changed setting applies to the deadlines that
    start from then on; one already running keeps its due time.
    """

    source: str  # "setting" or "field"
    name: str
    unit: str
    default: timedelta | None = None  # used when the record or the project has no value

    def resolve(self, record: Mapping | None, project: Mapping | None) -> timedelta:
        """The duration for these values (the record's data, the project's effective settings).

        Raises DurationError, saying which setting or field and why, when there is no
        value and no default, or the value is not a number of the unit greater than zero.
        """
        values = (project if self.source == "setting" else record) or {}
        value = values.get(self.name)
        where_en = f"the project setting '{self.name}'" if self.source == "setting" else f"the field '{self.name}'"
        where_zh = f"项目设置“{self.name}”" if self.source == "setting" else f"字段“{self.name}”"
        if value is None or value == "":
            if self.default is not None:
                return self.default
            raise DurationError(f"{where_en} has no value, and the time is read from it",
                                f"{where_zh}没有值，而时长取自该值")
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise DurationError(f"{where_en} is not a number of {self.unit}",
                                f"{where_zh}不是以{UNIT_WORDS[self.unit][1]}计的数字")
        try:
            result = timedelta(**{self.unit: float(value)})
        except (OverflowError, ValueError) as exc:
            raise DurationError(f"{where_en} is too long", f"{where_zh}过长") from exc
        if result <= timedelta(0):
            raise DurationError(f"{where_en} must be more than zero", f"{where_zh}必须大于零")
        if result > MAX_DURATION:
            raise DurationError(f"{where_en} is longer than ten years", f"{where_zh}超过十年")
        return result

    def describe(self, lang: str = "en") -> str:
        """`setting reservation_hours (hours)` / `设置 reservation_hours（小时）`, for the docs and the diagram."""
        en, zh = UNIT_WORDS[self.unit]
        if lang.startswith("zh"):
            return f"{'设置' if self.source == 'setting' else '字段'} {self.name}（{zh}）"
        return f"{self.source} {self.name} ({en})"


After = timedelta | DurationRef


def due_after(after: After, record: Mapping | None, project: Mapping | None) -> timedelta:
    """The time a deadline or timer runs: the literal itself, else read from the setting or field."""
    if isinstance(after, timedelta):
        return after
    return after.resolve(record, project)

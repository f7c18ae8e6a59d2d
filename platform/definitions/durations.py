"""Durations in definitions: `30m`, `72h`, `3d`, `1w`, `2d12h`, or ISO 8601 `P3DT12H`.

Months and years are refused: "1 month" has no fixed length, and a deadline that
shifts with the calendar surprises people. Write `30d` and mean it.
"""
from __future__ import annotations

import re
from datetime import timedelta

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

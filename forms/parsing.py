"""Reading what people type: money, percentages, dates and times, as the engine stores them.

Each parser returns the exact value or raises `ValueError`; the fields turn that into a
message in the user's language that says what was expected.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

# the one money limit (¥999,999,999,999.99), the same as the money columns and the schema format
from definitions.money import FEN, MONEY_MAX_DIGITS, within_limit  # noqa: F401 (MONEY_MAX_DIGITS: read by fields)

# the largest key a bigint primary key holds: a larger id in a link names nothing (and would fail the query)
MAX_KEY = 2**63 - 1
# levels of [ ] and { } a JSON text typed into a form may nest; deeper texts are refused before parsing
MAX_JSON_DEPTH = 32

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 1,234.5: commas only between thousands
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$"),
)
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


def _number(text: str) -> Decimal:
    text = text.strip().replace(" ", "").replace("，", ",")
    if "," in text:
        if not _GROUPED.match(text):
            raise ValueError(text)
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite():
        raise ValueError(text)
    return number


class MoneyTooLarge(ValueError):
    """An amount beyond `MONEY_LIMIT`: the field says the limit rather than the format."""


def parse_money(text: str) -> Decimal:
    """Yuan with at most two decimals: `1,234.5` is 1234.50; `¥` and `元` around it are allowed.

    `MoneyTooLarge` above the limit, checked first: rounding a number of thirty digits to
    the fen would overflow Decimal's precision.
    """
    cleaned = text.strip().lstrip("¥￥").rstrip("元").strip()
    amount = _number(cleaned)
    if not within_limit(amount):
        raise MoneyTooLarge(text)
    if amount != amount.quantize(FEN):
        raise ValueError(text)
    return amount.quantize(FEN)


def parse_decimal(text: str) -> Decimal:
    """An exact decimal number; thousands separators allowed."""
    return _number(text)


def parse_percent(text: str) -> Decimal:
    """A percentage as typed (`5`, `5%`, `5 %`, `2.5％`) as the fraction the engine keeps (0.05)."""
    cleaned = text.strip().rstrip("%％").strip()
    return (_number(cleaned) / 100).normalize() if cleaned else _number(cleaned)


def percent_text(fraction: object) -> str:
    """A stored fraction ("0.05") as the percentage a person reads and types ("5")."""
    try:
        number = Decimal(str(fraction)) * 100
    except InvalidOperation:
        return str(fraction)
    text = format(number.normalize(), "f")
    return text


def parse_date(text: str) -> date:
    """A calendar date from 2028-06-30, 2028/6/30, 2028.6.30 or 2028年6月30日."""
    cleaned = text.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)  # ValueError for 2028-02-30
    raise ValueError(text)


def parse_datetime(text: str, zone: str) -> datetime:
    """An aware datetime from what a date-time input sends (2028-06-30T14:00) or a person types.

    Accepted: the date forms of `parse_date` followed by a time (`14:00`, `14:00:30`),
    separated by `T` or spaces; an ISO text with its own offset keeps that offset. A
    time without an offset is in `zone` (the project's time zone).
    """
    cleaned = text.strip()
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        parsed = None
    if parsed is None:
        day_part, _, time_part = cleaned.replace("T", " ").partition(" ")
        match = _TIME.match(time_part.strip())
        if not match:
            raise ValueError(text)
        hour, minute, second = (int(x or 0) for x in match.groups())
        parsed = datetime.combine(parse_date(day_part), datetime.min.time()).replace(
            hour=hour, minute=minute, second=second)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed


def parse_key(text: object) -> int | None:
    """A row's key from a link or a form (`?unit_id=12`), or None when the text is not one.

    Only ASCII digits and only up to `MAX_KEY`: `str.isdigit()` also accepts ² and ١,
    which `int()` refuses or reads, and a key beyond 64 bits makes the database query
    fail instead of finding nothing.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 < text <= MAX_KEY else None
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    key = int(text)
    return key if 0 < key <= MAX_KEY else None


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep `text`'s [ ] and { } nest (outside strings), counted up to one past `limit`.

    Read before the text is parsed: Python's JSON parser recurses once per level and a
    text of 100,000 brackets ends in a RecursionError rather than a refusal.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in "]}":
            depth -= 1
    return deepest

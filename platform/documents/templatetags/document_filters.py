"""Filters the document templates use: money in figures and in capitals, areas, dates.

Values come from the record's JSON (decimal strings) or the ledger (Decimal); anything
that is not a number prints as it is, never as an error on the buyer's paper.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template

from definitions.capitals import amount_in_capitals

register = template.Library()
DASH = "—"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter
def yuan(value: object) -> str:
    """¥1,234,567.89 (negative: -¥1,234.00)."""
    amount = _decimal(value)
    if amount is None:
        return DASH if value in (None, "") else str(value)
    return f"{'-' if amount < 0 else ''}¥{abs(amount):,.2f}"


@register.filter
def capitals(value: object) -> str:
    """人民币 in capitals: 壹佰元整; a negative amount as 负 and its capitals (a refund's difference)."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    try:
        words = amount_in_capitals(abs(amount).quantize(Decimal("0.01")))
    except ValueError:
        return str(value)
    return ("负" if amount < 0 else "") + words


@register.filter
def area(value: object) -> str:
    """128.50 m²."""
    number = _decimal(value)
    return DASH if number is None else f"{number:,.2f} m²"


@register.filter
def percent(value: object) -> str:
    """0.015 → 1.5%."""
    rate = _decimal(value)
    if rate is None:
        return DASH
    return f"{(rate * 100).quantize(Decimal('0.0001')).normalize():f}%"


@register.filter
def chinese_date(value: object) -> str:
    """2027-12-31 → 2027年12月31日."""
    if isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text[:10])
        except ValueError:
            return text
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return DASH
    return f"{value.year}年{value.month}月{value.day}日"

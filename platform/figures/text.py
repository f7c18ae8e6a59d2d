"""Figures as text: for the `figures` command (and anything else printing them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from .tables import COUNT, DAY, MONEY, MONTH, NUMBER, RATE


def shown(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == MONEY:
        return f"{'-' if value < 0 else ''}¥{abs(value):,.2f}"
    if kind == RATE:
        return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"
    if kind == MONTH and isinstance(value, date):
        return f"{value:%Y-%m}"
    if kind == DAY and isinstance(value, date):
        return value.isoformat()
    if kind in (COUNT, NUMBER):
        return f"{value:,}" if isinstance(value, int) else str(value)
    return str(value)


def change_text(head) -> str:
    change = head.change
    if change is None:
        return ""
    if head.kind == RATE:
        return f"{'+' if change >= 0 else ''}{(change * 100).quantize(Decimal('0.01'))} pt"
    return f"{'+' if change >= 0 else ''}{(change * 100).quantize(Decimal('0.1'))}%"

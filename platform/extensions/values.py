"""Turning action arguments and rule values into exact numbers, and numbers back into JSON text.

Arguments arrive from expressions (Decimal, int) or from record data (decimal strings);
a float means a value already went through binary arithmetic, so it is refused rather
than rounded. Reading and rounding are `kernel.money`'s (`parse_decimal`, `fen`), so a
plugin accepts exactly what the kernel's ledger does. JSON gets money as decimal
strings, never numbers.
"""
from __future__ import annotations

from decimal import Decimal

from kernel.money import fen, parse_decimal

from .errors import InvalidArgument

__all__ = ["decimal_of", "decimal_text", "fen", "int_of", "money_text"]


def decimal_of(value: object, name: str) -> Decimal:
    """An exact, finite Decimal from a Decimal, an int or a decimal string: what `kernel.money` accepts."""
    try:
        return parse_decimal(value)
    except ValueError:
        raise InvalidArgument(name=name, expected="a decimal number", expected_zh="十进制数", value=value) from None


def int_of(value: object, name: str) -> int:
    """A whole number from an int, an integral Decimal or a digit string (ids, points)."""
    if isinstance(value, bool):
        raise InvalidArgument(name=name, expected="a whole number", expected_zh="整数", value=value)
    if isinstance(value, int):
        return value
    number = decimal_of(value, name)
    if number != number.to_integral_value():
        raise InvalidArgument(name=name, expected="a whole number", expected_zh="整数", value=value)
    return int(number)


def money_text(value: Decimal | None) -> str | None:
    """Money as JSON text with exactly two decimals: `Decimal('40000')` -> `'40000.00'`."""
    return None if value is None else format(fen(value), "f")


def decimal_text(value: Decimal | None) -> str | None:
    """A rate or coefficient as JSON text, without exponent: `Decimal('0.030')` -> `'0.030'`."""
    return None if value is None else format(value, "f")

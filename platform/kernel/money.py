"""Money in, money out: yuan with fen precision as `Decimal`, never a float.

The one place numbers are read (`parse_decimal`) and money is rounded (`fen`): the
kernel's ledger, the plugins' arguments (`extensions.values.decimal_of`) and the
pricing rules all use these, so they accept and round alike.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, TypedDict

from definitions.money import FEN, MONEY_DECIMAL_PLACES, MONEY_LIMIT, MONEY_LIMIT_TEXT, MONEY_MAX_DIGITS

from .errors import AmountTooLarge, InvalidAmount


class DecimalColumn(TypedDict):
    """A DecimalField's size; typed so `**MONEY_COLUMN` type-checks against the field's keywords."""

    max_digits: int
    decimal_places: int


# every money column: `models.DecimalField(_("amount"), **MONEY_COLUMN)`, so the column holds what to_money accepts
MONEY_COLUMN: Final[DecimalColumn] = {"max_digits": MONEY_MAX_DIGITS, "decimal_places": MONEY_DECIMAL_PLACES}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")  # 3,000.10: commas only between thousands


def parse_decimal(value: object) -> Decimal:
    """An exact, finite Decimal from a Decimal, an int or a decimal string; `ValueError` otherwise.

    Strings may have spaces around them and commas between thousands (`3,000.10`; not
    `0,5`, which means a half in much of the world). Floats and booleans are refused
    rather than converted: a float has already been through binary arithmetic, and a
    boolean is never a number a person meant.
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (int, str, Decimal)):
        raise ValueError(f"not a decimal number: {value}")
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and "," in text:
        if not _GROUPED.match(text):
            raise ValueError(f"not a decimal number: {value}")
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"not a decimal number: {value}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value}")
    return number


def fen(value: Decimal) -> Decimal:
    """Round to the fen, half up: how every money figure is kept."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_money(value: object, name: str = "amount") -> Decimal:
    """A positive amount with at most two decimals, from what `parse_decimal` accepts.

    More decimals are refused rather than rounded, like floats: the fen a person typed
    must be the fen the ledger keeps. `name` is the argument the value came in, for the
    refusal (`InvalidAmount`). Nothing above `MONEY_LIMIT` (¥999,999,999,999.99), what the
    money columns hold: `AmountTooLarge` says so with the limit.
    """
    try:
        amount = parse_decimal(value)
    except ValueError:
        raise InvalidAmount(name=name, value=value) from None
    if amount > MONEY_LIMIT:  # compared before any rounding: a huge number has too many digits to round
        raise AmountTooLarge(name=name, value=value, limit=MONEY_LIMIT_TEXT)
    if not (amount > 0 and amount == amount.quantize(FEN)):
        raise InvalidAmount(name=name, value=value)
    return fen(amount)

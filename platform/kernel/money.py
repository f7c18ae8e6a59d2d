"""Money in, money out: yuan with fen precision as `Decimal`, never a float."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import InvalidAmount

FEN = Decimal("0.01")


def to_money(value: object, name: str = "amount") -> Decimal:
    """A positive amount with at most two decimals, from a Decimal, an int or a decimal string.

    Floats are refused rather than rounded: a float reaching the ledger means a value
    already went through binary arithmetic somewhere, and the fen may be wrong. `name`
    is the argument the value came in, for the refusal (`InvalidAmount`).
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidAmount(name=name, value=value)
    try:
        amount = Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidAmount(name=name, value=value) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise InvalidAmount(name=name, value=value)
    return amount.quantize(FEN)

"""Plugins read numbers exactly as the kernel does: `decimal_of` and `to_money` agree."""
from decimal import Decimal as D

import pytest

from extensions.api import InvalidArgument, decimal_of, fen
from kernel import money
from kernel.errors import InvalidAmount


@pytest.mark.parametrize("value", [D("1.50"), 2, " 3000.10 ", "3,000.10", "1e3",
                                   0.1, True, None, "", "abc", "0,5", D("NaN"), "Infinity", [1]])
def test_decimal_of_and_to_money_accept_the_same_values(value):
    try:
        number = decimal_of(value, "amount")
    except InvalidArgument:
        number = None
    try:
        amount = money.to_money(value)
    except InvalidAmount:
        amount = None

    assert (number is None) == (amount is None)
    if amount is not None:
        assert amount == number


def test_the_plugins_fen_is_the_kernels():
    assert fen is money.fen

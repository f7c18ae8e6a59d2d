"""Reading numbers and rounding money: the kernel's one parser and one fen()."""
from decimal import Decimal as D

import pytest

from kernel.money import fen, parse_decimal, to_money


@pytest.mark.parametrize("value, number", [
    (D("1.5"), D("1.5")), (2, D("2")), (" 3000.10 ", D("3000.10")), ("3,000.10", D("3000.10")),
    ("-1,234,567.891", D("-1234567.891")), ("1e3", D("1E+3")),
])
def test_decimals_from_decimals_ints_and_decimal_strings(value, number):
    assert parse_decimal(value) == number


@pytest.mark.parametrize("value", [0.1, True, None, "", "abc", "0,5", "30,00", "1,2345", D("NaN"), "Infinity",
                                   [1], {"a": 1}])
def test_floats_booleans_and_anything_else_are_refused(value):
    with pytest.raises(ValueError):
        parse_decimal(value)


def test_fen_rounds_half_up():
    assert [fen(D(v)) for v in ("0.005", "0.015", "-0.005", "2.344", "7")] == [
        D("0.01"), D("0.02"), D("-0.01"), D("2.34"), D("7.00")]


def test_money_is_what_the_parser_reads_when_positive_and_in_whole_fen():
    assert [to_money(v) for v in ("3,000.10", 2, D("1.5"))] == [D("3000.10"), D("2.00"), D("1.50")]

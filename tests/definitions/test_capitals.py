"""Amounts in Chinese capitals: the issue's table and the banking rules' hard cases, checked by hand."""
from decimal import Decimal

import pytest

from definitions.capitals import amount_in_capitals

TABLE = [
    ("1234567.89", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    ("0.01", "壹分"),
    ("10.00", "壹拾元整"),
    ("100.10", "壹佰元零壹角"),
    ("1001.00", "壹仟零壹元整"),
    ("12345678.90", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角"),
    ("100000000.00", "壹亿元整"),
    # zeros: one 零 for a run, none at the end of a group, the group's unit kept
    ("0.00", "零元整"),
    ("0.10", "壹角"),
    ("0.05", "伍分"),
    ("1.05", "壹元零伍分"),
    ("10.05", "壹拾元零伍分"),
    ("100.15", "壹佰元零壹角伍分"),
    ("1.10", "壹元壹角"),
    ("100000.00", "壹拾万元整"),
    ("100001.00", "壹拾万零壹元整"),
    ("1000100.00", "壹佰万零壹佰元整"),
    ("10010000.00", "壹仟零壹万元整"),
    ("100000001.00", "壹亿零壹元整"),
    ("100010000.00", "壹亿零壹万元整"),
    ("110000000.00", "壹亿壹仟万元整"),
    ("3058300.00", "叁佰零伍万捌仟叁佰元整"),
    ("40000.00", "肆万元整"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("amount", "words"), TABLE)
def test_amount_in_capitals(amount, words):
    assert amount_in_capitals(Decimal(amount)) == words


def test_an_int_is_whole_yuan():
    assert amount_in_capitals(20000) == "贰万元整"


@pytest.mark.parametrize("bad", [Decimal("-0.01"), Decimal("1000000000000.00"), Decimal("1.005"),
                                 Decimal("NaN"), Decimal("Infinity"), 1.5, "10.00", True, None])
def test_refused(bad):
    with pytest.raises(ValueError):
        amount_in_capitals(bad)

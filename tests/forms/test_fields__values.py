"""Money, percentages, dates and times: what a person types, what the engine stores, what a refusal says."""
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from forms.fields import MoneyField, PercentField, SchemaDateField, SchemaDateTimeField
from forms.widgets import Typed


def errors(field, value, lang="zh-hans"):
    with translation.override(lang):
        with pytest.raises(forms.ValidationError) as caught:
            field.clean(value)
        return caught.value.messages


@pytest.mark.parametrize("typed, stored", [("1,234.5", Decimal("1234.50")), ("¥2,530,307", Decimal("2530307.00")),
                                           (" 88000 ", Decimal("88000.00")), ("50000元", Decimal("50000.00"))])
def test_money_accepts_separators_and_the_yuan_sign(typed, stored):
    assert MoneyField().clean(typed) == stored


def test_money_with_three_decimals_is_refused_in_djangos_words():
    assert errors(MoneyField(), "12.345") == ["确认小数不超过 2 位."]


def test_money_that_is_not_a_number_says_what_is_expected_in_both_languages():
    assert errors(MoneyField(), "abc", "en") == ["Enter an amount in yuan with at most two decimals, e.g. 1,234.50."]
    assert errors(MoneyField(), "abc") == ["请输入以元为单位、最多两位小数的金额，例如 1,234.50。"]


def test_money_above_the_kernels_limit_is_refused():
    assert errors(MoneyField(), "1,000,000,000,000.00", "en") == ["Enter an amount below ¥1,000,000,000,000.00."]
    assert MoneyField().clean("999,999,999,999.99") == Decimal("999999999999.99")


def test_money_from_the_record_is_shown_with_separators_and_typed_text_as_typed():
    field = MoneyField()

    assert field.prepare_value("2530307.5") == "2,530,307.50"
    assert field.prepare_value(Typed("2530307.5")) == "2530307.5"
    assert field.prepare_value(None) == ""


@pytest.mark.parametrize("typed, stored", [("5", "0.05"), ("5%", "0.05"), ("2.5 ％", "0.025"), ("100", "1")])
def test_a_percentage_is_stored_as_a_fraction(typed, stored):
    assert format(PercentField().clean(typed), "f") == stored


def test_a_fraction_from_the_record_is_shown_as_a_percentage():
    assert PercentField().prepare_value("0.05") == "5"
    assert PercentField().prepare_value("0.025") == "2.5"


def test_a_percentage_that_is_not_a_number_is_refused():
    assert errors(PercentField(), "five", "en") == ["Enter a percentage, e.g. 5 or 5%."]


@pytest.mark.parametrize("typed", ["2028-06-30", "2028/6/30", "2028年6月30日", "2028.06.30"])
def test_dates_are_read_in_the_ways_people_write_them(typed):
    assert SchemaDateField().clean(typed) == "2028-06-30"


def test_a_date_that_cannot_be_read_says_the_format():
    assert errors(SchemaDateField(), "30/06/2028") == ["请按 2028-06-30 的格式输入日期（也可写作 2028/6/30 或 2028年6月30日）。"]
    assert errors(SchemaDateField(), "2028-02-30", "en") == [
        "Enter a date as 2028-06-30 (2028/6/30 works too)."]


def test_a_local_time_is_stored_with_the_projects_offset_and_shown_back_in_its_zone():
    field = SchemaDateTimeField(zone="Asia/Shanghai", zone_label="北京时间（UTC+08:00）")

    assert field.clean("2028-06-30T14:00") == "2028-06-30T14:00:00+08:00"
    assert field.clean("2028年6月30日 9:30") == "2028-06-30T09:30:00+08:00"
    assert field.prepare_value("2028-06-30T06:00:00+00:00") == "2028-06-30T14:00"


def test_a_time_that_cannot_be_read_says_the_format():
    field = SchemaDateTimeField(zone="Asia/Shanghai", zone_label="")

    assert errors(field, "tomorrow", "en") == ["Enter a date and time as 2028-06-30 14:00."]

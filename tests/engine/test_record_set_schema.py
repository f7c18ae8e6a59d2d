"""record.set writes only what the entity schema allows; anything else fails the whole transition, naming the field."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.runtime import transitions
from engine.runtime.errors import ActionFailed
from kernel.models import Payment

from .gadget import gadget, open_gadget  # noqa: F401  (gadget: a fixture)


@pytest.fixture
def opened(gadget):
    return gadget, open_gadget(gadget)


def put(p, record, **form):
    return transitions.fire(p["consultant"], record.pk, "put", form)


@pytest.mark.parametrize("form, stored", [
    ({"field": "note", "value": "hello"}, ("note", "hello")),
    ({"field": "count", "value": 3}, ("count", 3)),
    ({"field": "count", "number": "4.00"}, ("count", 4)),              # a whole Decimal into an integer field
    ({"field": "rate", "value": "0.125"}, ("rate", "0.125")),
    ({"field": "kind", "value": "b"}, ("kind", "b")),
    ({"field": "items", "value": [{"amount": "1.50"}]}, ("items", [{"amount": "1.50"}])),
    ({"field": "due_on", "value": "2026-06-30"}, ("due_on", "2026-06-30")),
    ({"field": "deposit", "number": "600.5"}, ("deposit", "600.5")),   # a Decimal into money: its decimal text
])
def test_values_the_schema_allows_are_stored(opened, form, stored):
    p, record = opened

    record = put(p, record, **form)

    field, value = stored
    assert record.data[field] == value and type(record.data[field]) is type(value)


@pytest.mark.parametrize("form, en, zh", [
    ({"field": "note", "value": "too long"},
     "record.set: the field note cannot be set to too long: too long: at most 5 characters (this has 8)",
     "record.set：字段 note 不能设为 too long：过长：最多 5 个字符（现有 8 个）"),
    ({"field": "count", "value": -1},
     "record.set: the field count cannot be set to -1: -1 is less than the minimum, 0",
     "record.set：字段 count 不能设为 -1：-1 小于最小值 0"),
    ({"field": "count", "number": "1.5"},
     "record.set: the field count cannot be set to 1.5: expected a whole number (no quotes), found '1.5'",
     "record.set：字段 count 不能设为 1.5：应为整数（不加引号），实际为 '1.5'"),
    ({"field": "count", "value": "3"},
     "record.set: the field count cannot be set to 3: expected a whole number (no quotes), found '3'",
     "record.set：字段 count 不能设为 3：应为整数（不加引号），实际为 '3'"),
    ({"field": "kind", "value": "c"},
     "record.set: the field kind cannot be set to c: 'c' is not one of the choices: a, b",
     "record.set：字段 kind 不能设为 c：'c' 不是可选的值，可选：a, b"),
    ({"field": "rate", "value": "abc"},
     "record.set: the field rate cannot be set to abc: 'abc' is not a decimal number, e.g. \"0.035\"",
     "record.set：字段 rate 不能设为 abc：'abc' 不是小数，例如 \"0.035\""),
    ({"field": "deposit", "number": "0.001"},
     "record.set: the field deposit cannot be set to 0.001: '0.001' is not an amount of money: at most two decimals, "
     "e.g. \"12.50\"",
     "record.set：字段 deposit 不能设为 0.001：'0.001' 不是金额：最多两位小数，例如 \"12.50\""),
    ({"field": "items", "value": [{"amount": "1.234"}]},
     "record.set: the field items cannot be set to [{'amount': '1.234'}]: items[0].amount: '1.234' is not an amount "
     "of money: at most two decimals, e.g. \"12.50\"",
     "record.set：字段 items 不能设为 [{'amount': '1.234'}]：items[0].amount：'1.234' 不是金额：最多两位小数，"
     "例如 \"12.50\""),
    ({"field": "due_on", "value": "30/06/2026"},
     "record.set: the field due_on cannot be set to 30/06/2026: '30/06/2026' is not a date in quotes, "
     "e.g. \"2026-05-01\"",
     "record.set：字段 due_on 不能设为 30/06/2026：'30/06/2026' 不是加引号的日期，例如 \"2026-05-01\""),
    ({"field": "note"},
     "record.set: the field note cannot be set to nothing: expected a text, found nothing (null)",
     "record.set：字段 note 不能设为 空值：应为文本，实际为 空值（null）"),
])
def test_a_value_the_schema_refuses_fails_the_transition_naming_the_field(opened, form, en, zh):
    p, record = opened

    with pytest.raises(ActionFailed) as refused:
        put(p, record, **form)

    assert (refused.value.message("en"), refused.value.message("zh")) == (en, zh)
    assert refused.value.details == {"field": form["field"]}


def test_a_refused_value_rolls_back_the_whole_transition(opened):
    p, record = opened
    before = (record.state, record.revision, dict(record.data), record.history.count())

    with pytest.raises(ActionFailed):
        put(p, record, field="count", value=-1)

    record.refresh_from_db()
    assert (record.state, record.revision, record.data, record.history.count()) == before
    # the payment the transition's first action entered is gone with it
    assert not Payment.objects.filter(record_id=record.pk).exists()

    record = put(p, record, field="count", value=2)
    assert record.data["count"] == 2
    assert [(x.kind, x.amount) for x in Payment.objects.filter(record_id=record.pk)] == [("installment", Decimal("1"))]

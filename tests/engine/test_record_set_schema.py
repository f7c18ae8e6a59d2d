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
     "record.set: the field note cannot be set to too long: 'too long' is too long",
     "record.set：字段 note 不能设为 too long：内容过长"),
    ({"field": "count", "value": -1},
     "record.set: the field count cannot be set to -1: -1 is less than the minimum of 0",
     "record.set：字段 count 不能设为 -1：小于允许的最小值"),
    ({"field": "count", "number": "1.5"},
     "record.set: the field count cannot be set to 1.5: '1.5' is not of type 'integer'",
     "record.set：字段 count 不能设为 1.5：类型不正确"),
    ({"field": "count", "value": "3"},
     "record.set: the field count cannot be set to 3: '3' is not of type 'integer'",
     "record.set：字段 count 不能设为 3：类型不正确"),
    ({"field": "kind", "value": "c"},
     "record.set: the field kind cannot be set to c: 'c' is not one of ['a', 'b']",
     "record.set：字段 kind 不能设为 c：不是可选的值之一"),
    ({"field": "rate", "value": "abc"},
     "record.set: the field rate cannot be set to abc: 'abc' is not a 'decimal'",
     "record.set：字段 rate 不能设为 abc：数值格式不正确"),
    ({"field": "deposit", "number": "0.001"},
     "record.set: the field deposit cannot be set to 0.001: '0.001' is not a 'money'",
     "record.set：字段 deposit 不能设为 0.001：金额格式不正确（最多两位小数）"),
    ({"field": "items", "value": [{"amount": "1.234"}]},
     "record.set: the field items cannot be set to [{'amount': '1.234'}]: items[0].amount: '1.234' is not a 'money'",
     "record.set：字段 items 不能设为 [{'amount': '1.234'}]：items[0].amount：金额格式不正确（最多两位小数）"),
    ({"field": "due_on", "value": "30/06/2026"},
     "record.set: the field due_on cannot be set to 30/06/2026: '30/06/2026' is not a 'date'",
     "record.set：字段 due_on 不能设为 30/06/2026：格式不正确"),
    ({"field": "note"},
     "record.set: the field note cannot be set to nothing: None is not of type 'string'",
     "record.set：字段 note 不能设为 空值：类型不正确"),
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

"""The guard language: exact decimals, mapping-only access, and nothing else reachable."""
from decimal import Decimal

import pytest

from definitions.expressions import LEAF, ExpressionRuntimeError, FieldScope, parse_expression

SCOPE = FieldScope({
    "record": {"price": LEAF, "discount_rate": LEAF, "buyers": LEAF, "buyer": {"name": LEAF}, "plan": LEAF},
    "project": None,
    "user": {"id": LEAF, "roles": LEAF, "username": LEAF, "name": LEAF},
    "form": {"amount": LEAF},
})


def evaluate(source, **names):
    expr, problems = parse_expression(source, SCOPE)
    assert problems == [], [p.message() for p in problems]
    return expr.evaluate({"record": {}, "project": {}, "user": {}, "form": {}, **names})


@pytest.mark.parametrize("source, names, expected", [
    ("decimal(record.price) * 0.98", {"record": {"price": "1000000.00"}}, Decimal("980000.0000")),
    ("0.1 + 0.2 == 0.3", {}, True),
    ("record.discount_rate / 3", {"record": {"discount_rate": Decimal("1")}}, Decimal(1) / Decimal(3)),
    ("7 / 2", {}, Decimal("3.5")),
    ("'finance' in user.roles", {"user": {"roles": ["finance"]}}, True),
    ("len(record.buyers) >= 2", {"record": {"buyers": [{"a": 1}, {"a": 2}]}}, True),
    ("record.buyers[0].a", {"record": {"buyers": [{"a": 1}]}}, 1),
    ("record.buyers[5]", {"record": {"buyers": []}}, None),
    ("record.buyer.name", {"record": {}}, None),
    ("record.plan == 'full' and form.amount > 0", {"record": {"plan": "full"}, "form": {"amount": 3}}, True),
    ("'a' if record.price is None else 'b'", {}, "a"),
    ("project.anything", {"project": {"anything": 4}}, 4),
    ("max(1, 2.5)", {}, Decimal("2.5")),
])
def test_expressions_evaluate_exactly(source, names, expected):
    assert evaluate(source, **names) == expected


def test_division_never_returns_a_float():
    assert isinstance(evaluate("1 / 3"), Decimal)


@pytest.mark.parametrize("source, message", [
    ("record.__class__", "names starting with '_' are not allowed: '__class__'"),
    ("record.buyers[0].__class__", "names starting with '_' are not allowed: '__class__'"),
    ("user.roles.append", "unknown field 'append' in user.roles"),
    ("(lambda: 1)()", "calling a computed value is not allowed in expressions"),
    ("[x for x in record.buyers]", "a comprehension is not allowed in expressions"),
    ("f'{record.price}'", "an f-string is not allowed in expressions"),
    ("__import__('os')", "unknown function '__import__'; available: abs, add_days, date, days_between, decimal, len, max, min, round"),
    ("open('/etc/passwd')", "unknown function 'open'; available: abs, add_days, date, days_between, decimal, len, max, min, round"),
    ("record.price[1:2]", "a slice is not allowed in expressions"),
    ("{'a': 1}", "a dict literal is not allowed in expressions"),
    ("x := 1", "the expression does not parse: invalid syntax (column 3)"),
    ("len(record.buyers, key=1)", "keyword arguments is not allowed in expressions"),
    ("record", "use a field of 'record', such as record.some_field"),
    ("os.system", "unknown name 'os'; expressions start from record, form, project, user, today"),
    ("recrod.price", "unknown name 'recrod'; expressions start from record, form, project, user, today; did you mean 'record'?"),
    ("record.prise > 1", "unknown field 'prise' in record; did you mean 'price'?"),
    ("record.price >", "the expression does not parse: invalid syntax (column 15)"),
])
def test_unsafe_or_wrong_expressions_are_refused_at_load_time(source, message):
    expr, problems = parse_expression(source, SCOPE)

    assert expr is None
    assert [p.message() for p in problems] == [message]


def test_mapping_access_reaches_only_keys_never_python_attributes():
    # `record.keys` names a key: on a dict that lacks it the answer is None, not dict.keys
    scope = FieldScope({"record": None})
    expr, _ = parse_expression("record.keys", scope)

    assert expr.evaluate({"record": {}}) is None
    assert expr.evaluate({"record": {"keys": 3}}) == 3


def test_attribute_access_on_a_non_mapping_is_a_runtime_error():
    scope = FieldScope({"record": None})
    expr, _ = parse_expression("record.price.real", scope)

    with pytest.raises(ExpressionRuntimeError, match="'.real' used on a int, not on a record"):
        expr.evaluate({"record": {"price": 5}})


@pytest.mark.parametrize("source, names, message", [
    ("record.price > 1", {"record": {"price": None}}, "'>' not supported between instances of 'NoneType' and 'int'"),
    ("1 / 0", {}, "division by zero"),
    ("decimal('abc')", {}, "decimal('abc') is not a number"),
    ("'x' * record.price", {"record": {"price": 100000000}},
     "the expression would build 100000000 values; an expression may build at most 10000"),
])
def test_runtime_failures_are_typed(source, names, message):
    with pytest.raises(ExpressionRuntimeError) as caught:
        evaluate(source, **names)
    assert str(caught.value) == message


def test_form_is_unavailable_where_there_is_no_form():
    expr, problems = parse_expression("form.amount > 0", FieldScope({"record": {}}))

    assert expr is None
    assert [p.message() for p in problems] == ["'form' is not available here"]

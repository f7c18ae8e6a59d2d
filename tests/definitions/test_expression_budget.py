"""Expressions have a bounded cost: refused at load time when their text shows it, stopped at run time otherwise.

A guard runs on every firing and every page that offers the step, inside a web worker.
Issue 16: `[[1]*10000]*10000 == ...` saved in the studio took 37.6 s per firing, and the
cost grows with the square of the numbers. No assertion here measures time: each case
asserts the refusal itself (before the budget, the run-time cases returned after building
millions of values: about 1.2 s for k=3000 in the nested case on this machine).
"""
from __future__ import annotations

import pytest

from definitions import DefinitionError
from definitions.expressions import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_NODES,
    ExpressionBudgetExceeded,
    FieldScope,
    parse_expression,
)

from .helpers import build_document, valid_document

FREE = FieldScope({"record": None})


def refusals(source: str) -> list[str]:
    expr, problems = parse_expression(source, FREE, ("transitions", 3, "guard"), "flows/deal.yaml")
    assert expr is None
    return [p.render() for p in problems]


def run(source: str, **record):
    expr, problems = parse_expression(source, FREE)
    assert problems == [], [p.message() for p in problems]
    return expr.evaluate({"record": record})


# -- load time ---------------------------------------------------------------------------

def test_the_issues_nested_list_guard_is_refused_at_load_time_naming_the_guard():
    # given the guard of issue 16 in a flow
    document = valid_document()
    document["transitions"][0]["guard"] = "[[1]*10000]*10000 == [[1]*10000]*10000"

    # when the flow is built
    with pytest.raises(DefinitionError) as refused:
        build_document(document)

    # then
    assert refused.value.render() == [
        "flows/deal.yaml: transitions[0].guard: the expression would build 100010001 values "
        f"(a list or text repeated or joined); an expression may build at most {MAX_ITEMS}",
    ]
    assert refused.value.render("zh") == [
        "flows/deal.yaml: transitions[0].guard: 表达式将构造 100010001 个值（重复或拼接的列表或文本）；"
        f"一个表达式最多只能构造 {MAX_ITEMS} 个",
    ]


@pytest.mark.parametrize("source, size", [
    ("'x' * 20000 == record.a", 20000),
    ("[1, 2] * 6000 == record.a", 12001),
    ("record.a in [0] * 5000 + [1] * 5001", 10002),
    ("record.a == [[[[0] * 20] * 20] * 20] * 20", 168421),
    ("[record.a] * 10001", 10002),
])
def test_repetition_of_a_literal_beyond_the_limit_is_refused_at_load_time(source, size):
    assert refusals(source) == [
        f"flows/deal.yaml: transitions[3].guard: the expression would build {size} values "
        f"(a list or text repeated or joined); an expression may build at most {MAX_ITEMS}",
    ]


def test_an_expression_with_too_many_parts_is_refused():
    source = "record.a in [" + ", ".join(["1"] * MAX_NODES) + "]"  # shorter than the text limit

    assert refusals(source) == [
        f"flows/deal.yaml: transitions[3].guard: the expression has more than {MAX_NODES} parts; split it up",
    ]


def test_an_expression_nested_too_deeply_is_refused():
    source = "(" * (MAX_DEPTH + 1) + "record.a" + " + 1)" * (MAX_DEPTH + 1)

    assert refusals(source) == [
        f"flows/deal.yaml: transitions[3].guard: the expression is nested more than {MAX_DEPTH} levels deep",
    ]


def test_small_repetitions_still_load_and_evaluate():
    assert run("record.a in [0, 1] * 3 and len('ab' * 10) == 20", a=1) is True


# -- run time ----------------------------------------------------------------------------

def test_a_list_repeated_by_a_number_from_the_data_stops_at_the_size_limit():
    with pytest.raises(ExpressionBudgetExceeded) as refused:
        run("[record.n] * record.big == []", n=1, big=10**9)

    assert str(refused.value) == (
        f"the expression would build 1000000001 values; an expression may build at most {MAX_ITEMS}")


def test_nested_lists_sized_by_the_data_stop_before_they_are_built():
    # each repetition alone is small (3000 items); together they are nine million values
    source = "[[record.n] * record.k] * record.k == [[record.n] * record.k] * record.k"

    with pytest.raises(ExpressionBudgetExceeded, match="would build 9003001 values"):
        run(source, n=1, k=3000)


def test_lists_of_lists_sharing_one_inner_list_count_every_value():
    # 20 copies of 20 copies of ...: each step repeats only 20 items, the whole holds 168421 values
    source = "len([[[[record.n] * record.k] * record.k] * record.k] * record.k) > 0"

    with pytest.raises(ExpressionBudgetExceeded, match="would build 168421 values"):
        run(source, n=1, k=20)


def test_many_lists_each_within_the_limit_exhaust_the_budget_of_one_evaluation():
    # every list holds 9000 values (under the limit); 12 comparisons of two build 216000
    source = " and ".join(["[record.n] * record.k == [record.n] * record.k"] * 12)

    with pytest.raises(ExpressionBudgetExceeded) as refused:
        run(source, n=1, k=9000)

    assert str(refused.value) == "the expression needs more work than one evaluation may do (100000 steps)"


def test_text_joined_from_the_data_is_held_to_the_limit():
    with pytest.raises(ExpressionBudgetExceeded, match="would build 20000 values"):
        run("record.a + record.a == ''", a="x" * 10000)


def test_the_budget_is_per_evaluation():
    expr, _ = parse_expression("[record.n] * record.k == [record.n] * record.k", FREE)

    for _ in range(20):  # 20 * 18000 values in all, but never more than 18000 in one evaluation
        assert expr.evaluate({"record": {"n": 1, "k": 9000}}) is True


def test_a_list_from_the_data_too_long_to_count_is_said_to_be_more_than_the_limit():
    with pytest.raises(ExpressionBudgetExceeded) as refused:
        run("record.a * 1 == []", a=[0] * 50_000)

    assert str(refused.value) == (
        f"the expression would build more than {MAX_ITEMS} values; an expression may build at most {MAX_ITEMS}")

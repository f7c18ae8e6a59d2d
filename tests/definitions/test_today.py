"""Dates in expressions: `today` from the caller, ISO text read as dates, whole days between them."""
from datetime import date

import pytest

from definitions.expressions import LEAF, ExpressionRuntimeError, FieldScope, parse_expression

SCOPE = FieldScope({"record": {"signed_on": LEAF, "valid_until": LEAF, "note": LEAF}, "project": None,
                    "user": {"id": LEAF}})
TODAY = date(2026, 6, 15)


def evaluate(source, record=None, today=TODAY):
    expr, problems = parse_expression(source, SCOPE)
    assert problems == [], [p.message() for p in problems]
    return expr.evaluate({"record": record or {}, "project": {}, "user": {}, "today": today})


@pytest.mark.parametrize("source, record, expected", [
    ("today", {}, date(2026, 6, 15)),
    ("record.valid_until >= today", {"valid_until": "2026-06-15"}, True),
    ("record.valid_until < today", {"valid_until": "2026-06-14"}, True),
    ("today > record.valid_until", {"valid_until": "2026-06-30"}, False),
    ("today == '2026-06-15'", {}, True),
    ("today != '2026-06-15'", {}, False),
    ("days_between(record.signed_on, today)", {"signed_on": "2026-05-16"}, 30),
    ("days_between(today, record.signed_on)", {"signed_on": "2026-05-16"}, -30),
    ("days_between('2024-02-28', '2024-03-01')", {}, 2),           # a leap year
    ("add_days(today, 30)", {}, date(2026, 7, 15)),
    ("add_days(record.signed_on, -1) == '2026-05-15'", {"signed_on": "2026-05-16"}, True),
    ("add_days(today, 2.0)", {}, date(2026, 6, 17)),                 # a whole Decimal is a whole number
    ("date(record.signed_on) < today", {"signed_on": "2026-05-16"}, True),
    ("min(today, date(record.signed_on))", {"signed_on": "2026-05-16"}, date(2026, 5, 16)),
    ("record.signed_on is None or days_between(record.signed_on, today) > 7", {"signed_on": None}, True),
    ("record.signed_on == None", {}, True),                          # plain equality is untouched
])
def test_dates_compare_and_count_days(source, record, expected):
    assert evaluate(source, record) == expected


def test_iso_text_compares_as_a_date_not_as_text():
    # as text, '2026-6-1' > '2026-06-15'; it is not a date at all, so it is refused rather than misread
    with pytest.raises(ExpressionRuntimeError) as refused:
        evaluate("record.valid_until > today", {"valid_until": "2026-6-1"})
    assert str(refused.value) == "'2026-6-1' is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("source, record, message", [
    ("date(record.note)", {"note": "soon"}, "'soon' is not a date (YYYY-MM-DD)"),
    ("date(record.note)", {"note": "2026-W24-1"}, "'2026-W24-1' is not a date (YYYY-MM-DD)"),
    ("date(record.note)", {"note": "20260615"}, "'20260615' is not a date (YYYY-MM-DD)"),
    ("date(record.note)", {"note": "2026-02-30"}, "'2026-02-30' is not a date (YYYY-MM-DD)"),
    ("date(record.signed_on)", {}, "date() of nothing (the field is empty)"),
    ("date(3)", {}, "date() of int"),
    ("record.signed_on < today", {}, "a date compared with nothing (the field is empty)"),
    ("days_between(record.signed_on, today)", {}, "date() of nothing (the field is empty)"),
    ("add_days(today, 1.5)", {}, "add_days() needs a whole number of days"),
    ("add_days(today, True)", {}, "add_days() needs a whole number of days"),
    ("add_days(today, 40000)", {}, "add_days() of more than 36600 days"),
    ("add_days('9999-12-31', 1)", {}, "the date would be out of range"),
    ("today + 1", {}, "dates do not add or subtract: use add_days() or days_between()"),
    ("today - date(record.signed_on)", {"signed_on": "2026-05-16"},
     "dates do not add or subtract: use add_days() or days_between()"),
])
def test_date_mistakes_are_refused_in_words(source, record, message):
    with pytest.raises(ExpressionRuntimeError) as refused:
        evaluate(source, record)
    assert str(refused.value) == message


def test_today_is_what_the_caller_gives_never_a_clock():
    expr, _ = parse_expression("days_between('2026-01-01', today)", SCOPE)

    assert [expr.evaluate({"today": date(2026, 1, 1)}), expr.evaluate({"today": date(2027, 1, 1)})] == [0, 365]


def test_without_today_the_evaluation_says_so():
    expr, _ = parse_expression("today", SCOPE)

    with pytest.raises(ExpressionRuntimeError) as refused:
        expr.evaluate({"record": {}})
    assert "'today' is not defined" in str(refused.value)


@pytest.mark.parametrize("source, message", [
    ("today.year", "unknown field 'year' in today"),
    ("todya", "unknown name 'todya'; expressions start from record, form, project, user, today; did you mean 'today'?"),
    ("days_betwen(today, today)", "unknown function 'days_betwen'; available: abs, add_days, date, days_between, "
                                  "decimal, len, max, min, round; did you mean 'days_between'?"),
])
def test_date_names_are_checked_at_load_time(source, message):
    expr, problems = parse_expression(source, SCOPE)
    assert expr is None and [p.message() for p in problems] == [message]


def test_today_is_recorded_as_used():
    expr, _ = parse_expression("days_between(record.signed_on, today) > 30", SCOPE)

    assert expr.fields_used == (("record", "signed_on"), ("today",))

"""`when:` on an action call: parsed once like a guard, checked like a guard, every problem with its path and line."""
from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from definitions import DefinitionError
from definitions.structure import format_schema

from .helpers import DEAL_YAML, FILE, build_document, build_yaml, line_of, valid_document


def problems_of(document) -> list[str]:
    with pytest.raises(DefinitionError) as exc:
        build_document(document)
    return [str(p) for p in exc.value.problems]


def with_when(when, transition: int = 0, action: int = 0) -> dict:
    document = valid_document()
    document["transitions"][transition]["actions"][action]["when"] = when
    return document


def test_an_action_without_when_always_applies():
    definition = build_document(valid_document())

    [call] = definition.transition("submit").actions

    assert call.when is None


def test_when_is_parsed_once_into_the_action_call():
    document = with_when("record.note is not None and decimal(record.discount_rate) > 0.05")

    [call] = build_document(document).transition("submit").actions

    assert (call.action, call.when.source) == ("unit.hold", "record.note is not None and decimal(record.discount_rate) > 0.05")
    assert call.when.evaluate({"record": {"note": "x", "discount_rate": "0.06"}}) is True
    assert call.when.evaluate({"record": {"note": None, "discount_rate": "0.06"}}) is False


def test_when_sees_the_names_of_the_guard_form_project_user_and_today():
    document = valid_document()
    document["transitions"][0]["form"]["extra"] = {"waive": {"type": "boolean"}}
    document["transitions"][0]["actions"][0]["when"] = (
        "not form.waive and form.price != None and 'finance' not in user.roles "
        "and project.reservation_hours > 0 and today >= '2026-01-01'")

    [call] = build_document(document).transition("submit").actions

    assert call.when.fields_used == (("form", "waive"), ("form", "price"), ("user", "roles"),
                                     ("project", "reservation_hours"), ("today",))


@pytest.mark.parametrize("when, expected", [
    pytest.param("record.unit > 0", [
        "transitions[0].actions[0].when: unknown field 'unit' in entity 'deal'; did you mean 'unit_id'?",
    ], id="unknown-record-field"),
    pytest.param("form.nothing", [
        "transitions[0].actions[0].when: unknown field 'nothing' in form",
    ], id="unknown-form-field"),
    pytest.param("recrod.note", [
        "transitions[0].actions[0].when: unknown name 'recrod'; expressions start from record, form, project, "
        "user, today; did you mean 'record'?",
    ], id="unknown-name"),
    pytest.param("project.discount_alowance > 0", [
        "transitions[0].actions[0].when: unknown field 'discount_alowance' in project; did you mean 'discount_allowance'?",
    ], id="unknown-project-setting"),
    pytest.param("record.note ==", [
        "transitions[0].actions[0].when: the expression does not parse: invalid syntax (column 15)",
    ], id="syntax"),
    pytest.param("__import__('os')", [
        "transitions[0].actions[0].when: unknown function '__import__'; available: abs, add_days, date, "
        "days_between, decimal, len, max, min, round",
    ], id="unknown-function"),
    pytest.param("today.year > 2025", [
        "transitions[0].actions[0].when: unknown field 'year' in today",
    ], id="field-of-today"),
    pytest.param(True, [
        "transitions[0].actions[0].when: expected a text, got true or false",
    ], id="not-text"),
    pytest.param("", [
        "transitions[0].actions[0].when: must not be empty",
        "transitions[0].actions[0].when: the expression is empty",
    ], id="empty"),
])
def test_a_bad_when_is_reported_with_its_path(when, expected):
    assert problems_of(with_when(when)) == [f"{FILE}: {line}" for line in expected]


def test_when_in_a_transition_without_a_form_knows_no_form_field():
    document = with_when("form.price > 0", transition=3)

    assert problems_of(document) == [f"{FILE}: transitions[3].actions[0].when: unknown field 'price' in form"]


def test_when_of_an_unknown_action_is_checked_too():
    document = with_when("record.unit > 0")
    document["transitions"][0]["actions"][0]["action"] = "unit.hodl"

    assert problems_of(document) == [
        f"{FILE}: transitions[0].actions[0].when: unknown field 'unit' in entity 'deal'; did you mean 'unit_id'?",
        f"{FILE}: transitions[0].actions[0].action: unknown action 'unit.hodl'; did you mean 'unit.hold'?",
    ]


def test_a_misspelt_when_key_is_an_unknown_key():
    document = valid_document()
    document["transitions"][0]["actions"][0]["wehn"] = "record.note"

    assert problems_of(document) == [
        f"{FILE}: transitions[0].actions[0].wehn: unknown key 'wehn'; did you mean 'when'?"]


def test_when_problems_read_in_chinese():
    document = with_when("record.unit > 0")

    with pytest.raises(DefinitionError) as exc:
        build_document(document)

    assert exc.value.render("zh") == [
        f"{FILE}: transitions[0].actions[0].when: 实体 'deal' 中没有字段 'unit'；是否应为 'unit_id'？"]


def test_when_problems_carry_their_line():
    text = DEAL_YAML.replace("      - {action: unit.release, args: {unit: record.unit_id}}",
                             "      - {action: unit.release, args: {unit: record.unit_id}, "
                             "when: record.unit_idd is not None}")
    line = line_of(text, "when: record.unit_idd")

    with pytest.raises(DefinitionError) as exc:
        build_yaml(text)

    assert [p.render(with_line=True) for p in exc.value.problems] == [
        f"{FILE}: transitions[3].actions[0].when: unknown field 'unit_idd' in entity 'deal'; "
        f"did you mean 'unit_id'? (line {line})"]
    assert [p.render("zh", with_line=True) for p in exc.value.problems] == [
        f"{FILE}: transitions[3].actions[0].when: 实体 'deal' 中没有字段 'unit_idd'；是否应为 'unit_id'？（第 {line} 行）"]


def test_the_format_schema_describes_when():
    schema = format_schema()
    action = schema["$defs"]["action"]

    assert action["properties"]["when"]["$ref"] == "#/$defs/expression"
    Draft202012Validator.check_schema(schema)
    assert json.loads(json.dumps(action))["additionalProperties"] is False

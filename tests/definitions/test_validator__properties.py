"""Property tests: whatever the input, the definitions layer answers with problems, never a crash.

A flow file is typed by people; a half-edited file must give a list of problems, not a
traceback. Each property feeds random or randomly damaged input to one entry point and
accepts only the documented outcomes.
"""
from __future__ import annotations

import copy
import string
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from definitions import DefinitionError, FlowDefinition
from definitions.durations import MAX_DURATION, DurationError, parse_duration
from definitions.entity import field_tree
from definitions.expressions import (
    Expression,
    ExpressionRuntimeError,
    FieldScope,
    parse_expression,
)
from definitions.messages import _MESSAGES, known_codes
from definitions.structure import format_schema
from definitions.validator import USER_FIELDS
from definitions.yamlio import LoadedYaml, load_yaml

from .helpers import ENTITY, PROJECT_SETTINGS, build_document, valid_document

# "1and x" makes Python's parser warn before it refuses; the refusal is what is tested
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SETTINGS = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def _schema_keys(node: object, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "$defs"):
                out.update(value)
            _schema_keys(value, out)
    elif isinstance(node, list):
        for value in node:
            _schema_keys(value, out)
    return out


FORMAT_KEYS = sorted(_schema_keys(format_schema(), set()) - {"$defs"})
# Values that mean something in the format, so random documents get past the first checks.
WORDS = [
    "draft", "review", "done", "cancelled", "submit", "approve", "reject", "cancel", "*",
    "prepare", "countersign", "sales_consultant", "finance", "project_director", "work",
    "approval", "any", "all", "unit.hold", "unit.release", "record.set", "notify.later",
    "24h", "3d", "P1DT2H", "0h", "unit_id", "price", "record.unit_id", "user.roles",
    "decimal(record.price) > 0", "object", "string", "money", "deal", "DL", "zh", "en",
]

names = st.one_of(st.sampled_from(FORMAT_KEYS), st.sampled_from(WORDS), st.text(max_size=12))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**6, max_value=10**6),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.sampled_from(WORDS), st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(names, children, max_size=6)),
    max_leaves=40,
)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def assert_well_formed(error: DefinitionError) -> None:
    """A DefinitionError is only useful if it lists problems that render in both languages."""
    assert error.problems
    for problem in error.problems:
        assert problem.code in known_codes(), problem.code
        en, zh = _MESSAGES[problem.code]
        assert _fields(en) | _fields(zh) <= set(problem.params), problem.code
        assert str(problem) and problem.message("zh")


def build_or_problems(document: object) -> FlowDefinition | None:
    try:
        definition = build_document(document)
    except DefinitionError as exc:
        assert_well_formed(exc)
        return None
    assert isinstance(definition, FlowDefinition)
    return definition


# -- (a) random documents ---------------------------------------------------------------

@SETTINGS
@given(st.dictionaries(names, json_values, max_size=10))
def test_random_documents_give_problems_not_crashes(document):
    build_or_problems(document)


@SETTINGS
@given(json_values)
def test_random_values_of_any_type_give_problems_not_crashes(document):
    build_or_problems(document)


@SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(valid_document())), json_values, max_size=4))
@example({"format": Decimal("sNaN")})  # regression: InvalidOperation from comparing it
@example({"roles": [Decimal("NaN"), 1]})
def test_random_values_for_real_top_level_keys_give_problems_not_crashes(replacements):
    document = valid_document()
    document.update(replacements)
    build_or_problems(document)


# -- (b) mutations of a valid document --------------------------------------------------

def _paths(value: object, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, here + (key,)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, here + (index,)))
    return out


def _get(document, path):
    for part in path:
        document = document[part]
    return document


def _strings(document) -> list[str]:
    return sorted({v for p in _paths(document) if isinstance(v := _get(document, p), str)})


@st.composite
def mutated_documents(draw):
    document = valid_document()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        operation = draw(st.sampled_from(["delete", "replace", "rename", "duplicate"]))
        if operation == "delete":
            path = draw(st.sampled_from([p for p in paths if p]))
            del _get(document, path[:-1])[path[-1]]
        elif operation == "replace":
            path = draw(st.sampled_from(paths))
            value = draw(json_values)
            if not path:
                return value
            _get(document, path[:-1])[path[-1]] = value
        elif operation == "rename":
            targets = [p for p in paths if p and isinstance(_get(document, p), str)]
            keys = [p for p in paths if p and isinstance(p[-1], str)]
            if draw(st.booleans()) and targets:
                path = draw(st.sampled_from(targets))
                new = draw(st.one_of(st.sampled_from(_strings(document)), st.text(max_size=12)))
                _get(document, path[:-1])[path[-1]] = new
            elif keys:
                path = draw(st.sampled_from(keys))
                parent = _get(document, path[:-1])
                new = draw(names)
                if new not in parent:
                    parent[new] = parent.pop(path[-1])
        else:
            lists = [p for p in paths if isinstance(_get(document, p), list) and _get(document, p)]
            if lists:
                items = _get(document, draw(st.sampled_from(lists)))
                index = draw(st.integers(min_value=0, max_value=len(items) - 1))
                items.insert(draw(st.integers(min_value=0, max_value=len(items))), copy.deepcopy(items[index]))
    return document


def _damaged(*path_and_value):
    *path, value = path_and_value
    document = valid_document()
    _get(document, path[:-1])[path[-1]] = value
    return document


@SETTINGS
@given(mutated_documents())
@example(_damaged("states", 3, "name", []))  # regression: TypeError, unhashable name of a final state
@example(_damaged("entity", "schema", "type", [[Decimal("0")], [Decimal("NaN")]]))  # regression: InvalidOperation
@example(_damaged("entity", "schema", "type", [[Decimal("0")], [float("nan")]]))  # the same from YAML's .nan
def test_damaged_valid_documents_give_problems_or_a_definition(document):
    definition = build_or_problems(document)
    if definition is not None:
        # what passed the checks is consistent: every reference resolves
        states = {s.name for s in definition.states}
        assert definition.start.state in states
        for transition in definition.transitions:
            assert transition.to in states and set(transition.sources) <= states


# -- (c) expressions --------------------------------------------------------------------

TOKENS = [
    "record", "form", "project", "user", ".", "unit_id", "price", "discount_rate", "buyer",
    "name", "note", "roles", "id", "discount_allowance", "reservation_hours", "__class__",
    "len", "abs", "min", "max", "round", "decimal", "(", ")", "[", "]", ",", " ", "and",
    "or", "not", "in", "is", "None", "True", "if", "else", "lambda", "for", ":", "==",
    "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "//", "%", "**", "0", "1", "-1",
    "0.05", "1e999", "2.5", "'finance'", "'%s'", "''", "'1.5'", "'x'", "{", "}", "_x",
]
expression_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=25).map("".join),
    st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join),
)

FREE = FieldScope({"record": None, "form": None, "project": None, "user": None})
DECLARED = FieldScope({"record": field_tree(ENTITY), "form": {"price": None},
                       "project": field_tree(PROJECT_SETTINGS), "user": USER_FIELDS})

record_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
              st.decimals(allow_nan=True, allow_infinity=True),
              st.sampled_from(["0", "1.50", "-2", "1e5", "NaN", "x"])),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(TOKENS[:16] + ["x"]), children, max_size=5)),
    max_leaves=20,
)


def _parse(source, scope):
    expression, problems = parse_expression(source, scope, ("guard",), "f.yaml")
    if expression is None:
        assert problems and all(p.code in known_codes() for p in problems)
    else:
        assert isinstance(expression, Expression) and problems == []
    return expression


@SETTINGS
@given(expression_text)
@example("record.note.upper")
@example("user.roles.append")
def test_random_text_never_crashes_the_expression_parser(source):
    _parse(source, FREE)
    _parse(source, DECLARED)


@SETTINGS
@given(expression_text, st.dictionaries(st.sampled_from(["record", "form", "project", "user"]),
                                         record_values))
# regressions: each of these held the process for minutes or allocated gigabytes
@example("round(decimal(record.x))", {"record": {"x": "1e999999999"}})
@example("round(1, record.n)", {"record": {"n": -10**8}})
@example("record.x % 1", {"record": {"x": "%0999999999d"}})
def test_parsed_expressions_only_fail_with_expression_runtime_error(source, names):
    expression = _parse(source, FREE)
    if expression is None:
        return
    try:
        expression.evaluate(names)
    except ExpressionRuntimeError:
        pass


# -- (d) YAML and durations -------------------------------------------------------------

YAML_TOKENS = ["a", "b", ":", ": ", "-", "- ", "\n", "  ", "{", "}", "[", "]", ",", "&x ", "*x",
               "!!float ", "!!int ", "!!set ", "!!binary ", "!!python/object ", "? ", "|", ">",
               "'", '"', "#", "0.5", ".nan", "1_0", "0x1F", "2001-12-14", "~", "%YAML 1.1\n", "---\n",
               "...\n", "\t", "<<: ", "name", "states"]
yaml_text = st.one_of(st.text(max_size=80),
                      st.lists(st.sampled_from(YAML_TOKENS), max_size=30).map("".join))


@SETTINGS
@given(yaml_text)
@example("\x1f")  # regression: PyYAML's ReaderError escaped
@example("a: !!float")  # regression: IndexError
@example("a: !!bool maybe")  # regression: KeyError
@example("a: 10:30.5")  # regression: decimal.InvalidOperation (a YAML 1.1 base-60 float)
def test_random_text_never_crashes_the_yaml_loader(text):
    loaded = load_yaml(text, "f.yaml")
    assert isinstance(loaded, LoadedYaml)
    assert all(p.code in known_codes() for p in loaded.problems)


@SETTINGS
@given(yaml_text)
@example("!!set {a}")  # regression: TypeError writing the canonical JSON
@example("!!binary /w==")  # regression: UnicodeDecodeError writing the canonical JSON
def test_random_yaml_values_give_problems_not_crashes(text):
    """Whatever YAML gives, even where the format takes any value (a field's default)."""
    loaded = load_yaml(text, "f.yaml")
    if loaded.data is None:
        return
    document = valid_document()
    document["entity"]["schema"]["properties"]["note"]["default"] = loaded.data
    build_or_problems(document)
    if isinstance(loaded.data, dict):
        build_or_problems({**valid_document(), **loaded.data})


duration_text = st.one_of(
    st.text(max_size=20),
    st.lists(st.sampled_from(list("PTWDHMS0123456789wdhms ") + ["٣", "10000000000000"]),
             max_size=20).map("".join),
    st.from_regex(r"\A\d{1,30}[wdhms]\Z"),
)


@SETTINGS
@given(duration_text)
@example("9" * 5000 + "d")  # regression: ValueError from int(), past its 4300 digits
@example("P" + "9" * 5000 + "W")
def test_durations_parse_or_say_why(text):
    try:
        value = parse_duration(text)
    except DurationError as exc:
        assert str(exc) and exc.zh
    else:
        assert timedelta(0) < value <= MAX_DURATION

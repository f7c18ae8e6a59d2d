"""Entity schemas: JSON Schema 2020-12 documents that describe a record's data.

Checked on load against the 2020-12 metaschema. Money is a decimal string
(`{"type": "string", "format": "money"}`), never a JSON number: a number would pass
through a float in most JSON stacks, and a fen lost there is a real complaint.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from . import canonical
from .errors import PathPart, Problem
from .expressions import LEAF
from .files import read_text
from .money import money_text_problem
from .structure import dedupe

MONEY_FORMATS = ("money",)
DECIMAL_FORMATS = ("money", "decimal")
_DECIMAL_RE = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")

format_checker = FormatChecker()


@format_checker.checks("money", raises=(InvalidOperation,))
def _is_money(value: object) -> bool:
    """A decimal string of yuan with at most two decimals that a money column holds (`money.MONEY_LIMIT`)."""
    return not isinstance(value, str) or money_text_problem(value) is None


@format_checker.checks("decimal", raises=(InvalidOperation,))
def _is_decimal(value: object) -> bool:
    return not isinstance(value, str) or bool(_DECIMAL_RE.match(value))


def check_entity_schema(schema: object, path: tuple[PathPart, ...], file: str) -> list[Problem]:
    """Every problem with an entity schema: metaschema errors and money typed as numbers."""
    if not isinstance(schema, Mapping):
        return [Problem("entity.not_object", path, {}, file)]
    problems: list[Problem] = []
    try:
        errors = sorted(
            Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    except (jsonschema.exceptions.SchemaError, RecursionError, TypeError) as exc:
        return [Problem("entity.invalid_schema", path, {"detail": str(exc)[:200]}, file)]
    # dedupe: the metaschema reaches a subschema through several vocabularies
    problems.extend(dedupe([Problem("entity.invalid_schema", path + tuple(error.absolute_path),
                                    {"detail": error.message[:200]}, file) for error in errors]))
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
        problems.append(Problem("entity.not_object", path, {}, file))
    if not problems:
        try:
            Draft202012Validator(schema, format_checker=format_checker)
            check_money(schema, path, file, problems)
        except RecursionError:
            problems.append(Problem("entity.invalid_schema", path, {"detail": "nested too deeply"}, file))
    return problems


def check_money(node: object, path: tuple, file: str, problems: list[Problem]) -> None:
    """Report every money or decimal format typed as a number, under `node` at `path`."""
    if isinstance(node, Mapping):
        if node.get("format") in DECIMAL_FORMATS:
            types = node.get("type")
            types = [types] if isinstance(types, str) else list(types or [])
            if "number" in types or "integer" in types:
                problems.append(Problem(
                    "entity.money_number", path,
                    {"name": path[-1] if path else "", "format": node.get("format")}, file,
                ))
            elif "string" not in types:
                problems.append(Problem(
                    "entity.money_not_string", path,
                    {"name": path[-1] if path else "", "format": node.get("format")}, file,
                ))
        for key, value in node.items():
            if key in ("const", "enum", "default", "examples"):
                continue
            check_money(value, path + (key,), file, problems)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_money(value, path + (index,), file, problems)


def field_tree(schema: Mapping) -> dict[str, object]:
    """Field names an expression may reach (see expressions.FieldScope)."""
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    if not isinstance(properties, Mapping):
        return {}
    tree: dict[str, object] = {}
    for name, sub in properties.items():
        if not isinstance(sub, Mapping) or sub.get("type") != "object":
            tree[name] = LEAF  # scalars and lists: read them, index lists, nothing after
        elif isinstance(sub.get("properties"), Mapping):
            tree[name] = field_tree(sub)
        else:
            tree[name] = None  # an object of any shape, such as a price snapshot
    return tree


def decimal_fields(schema: Mapping) -> frozenset[str]:
    """Top-level fields holding decimal strings, converted to Decimal for expressions."""
    properties = schema.get("properties") or {}
    return frozenset(
        name for name, sub in properties.items()
        if isinstance(sub, Mapping) and sub.get("format") in DECIMAL_FORMATS
    )


def to_decimal(value: object) -> object:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def load_schema_file(path: Path) -> tuple[object, list[Problem]]:
    """Read a `.json` schema exactly (decimals stay Decimal); problems name the file."""
    file = str(path)
    text, unreadable = read_text(path, file)
    if text is None:  # read_text: the text, or the problem
        return None, [unreadable] if unreadable is not None else []
    try:
        return canonical.loads(text), []
    except ValueError as exc:
        return None, [Problem("json.syntax", (), {"detail": str(exc)}, file)]

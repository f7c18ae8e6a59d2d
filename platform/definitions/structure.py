"""Structural check of a flow document against the format's own JSON Schema.

jsonschema finds the errors; this module turns them into `Problem`s that say where and
what in words an admin understands, with a "did you mean" for misspelt keys.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

from .errors import Problem, closest
from .money import MONEY_LIMIT_TEXT, money_text_problem

FORMAT_SCHEMA_PATH = Path(__file__).with_name("flow-format.schema.json")

_WHAT = {
    "name": ("name (lowercase letters, digits and _, starting with a letter)", "名称（小写字母、数字和下划线，以字母开头）"),
    "prefix": ("reference prefix (2 to 6 capital letters)", "编号前缀（2 到 6 个大写字母）"),
    "action": ("action name (like unit.hold)", "动作名称（如 unit.hold）"),
    "duration": ("duration", "时长"),
    "after": ("duration (such as 72h), or {setting: name} or {field: name, unit: days}",
              "时长（如 72h），或 {setting: 设置名}、{field: 字段名, unit: days}"),
}
_TYPES = {
    "string": ("a text", "文本"), "object": ("a mapping", "映射"), "array": ("a list", "列表"),
    "integer": ("a whole number", "整数"), "number": ("a number", "数字"),
    "boolean": ("true or false", "true 或 false"), "null": ("nothing (null)", "空值（null）"),
}


@lru_cache(maxsize=1)
def format_schema() -> dict:
    return json.loads(FORMAT_SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(format_schema())


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _type_words(types: object) -> tuple[str, str]:
    names = [types] if isinstance(types, str) else [str(n) for n in types] if isinstance(types, list) else [str(types)]
    en = " or ".join(_TYPES.get(n, (n, n))[0] for n in names)
    zh = "或".join(_TYPES.get(n, (n, n))[1] for n in names)
    return en, zh


def _short(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json_type(value) if isinstance(value, (Mapping, list)) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def structural_problems(document: object, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(document):
        problems.extend(translate_error(error, file))
    return dedupe(problems)


def dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.code, p.path, tuple(sorted((k, str(v)) for k, v in p.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def money_limit_problem(value: object, path: tuple = (), file: str = "") -> Problem | None:
    """The refusal of a money string only too large for the columns, saying the limit; None for any other value."""
    if not isinstance(value, str) or money_text_problem(value) != "money.limit":
        return None
    return Problem("schema.money_limit", path, {"value": _short(value), "limit": MONEY_LIMIT_TEXT}, file)


def translate_error(error, file: str) -> list[Problem]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if kind == "required":
        return [
            Problem("schema.required", path, {"key": key}, file)
            for key in error.validator_value
            if isinstance(instance, Mapping) and key not in instance
        ]
    if kind == "additionalProperties":
        allowed = list(schema.get("properties", {}))
        return [
            Problem("schema.unknown_key", path + (key,), {"key": key}, file, suggestion=closest(key, allowed))
            for key in instance
            if key not in allowed
        ]
    if kind == "type":
        en, zh = _type_words(error.validator_value)
        actual = json_type(instance)
        return [Problem("schema.type", path, {
            "expected": en, "actual": _TYPES.get(actual, (actual,))[0],
            "expected_zh": zh, "actual_zh": _TYPES.get(actual, (actual, actual))[1],
        }, file)]
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return [Problem("schema.enum", path, {"choices": choices, "value": _short(instance)}, file,
                        suggestion=closest(instance, [str(c) for c in error.validator_value]))]
    if kind == "const":
        return [Problem("schema.const", path, {"expected": error.validator_value, "value": _short(instance)}, file)]
    if kind in ("pattern", "anyOf") and schema.get("x-hint") in _WHAT:
        en, zh = _WHAT[schema["x-hint"]]
        return [Problem("schema.pattern", path, {"value": _short(instance), "what": en, "what_zh": zh}, file)]
    if kind == "anyOf" and schema.get("x-hint") == "require":
        return [Problem("schema.require", path, {"value": _short(instance)}, file)]
    if kind == "minItems":
        return [Problem("schema.min_items", path, {"limit": error.validator_value}, file)]
    if kind == "minLength":
        return [Problem("schema.min_length", path, {}, file)]
    if kind == "maxLength":
        return [Problem("schema.max_length", path, {"limit": error.validator_value}, file)]
    if kind == "uniqueItems":
        dupes = sorted({_short(v) for v in instance if instance.count(v) > 1}) if isinstance(instance, list) else []
        return [Problem("schema.unique", path, {"value": ", ".join(dupes)}, file)]
    if kind in ("minimum", "maximum"):
        limit = error.validator_value
        detail_zh = f"{'最小值' if kind == 'minimum' else '最大值'} {limit}"
        return [Problem("schema.range", path, {"value": _short(instance), "detail": f"{kind} {limit}",
                                               "detail_zh": detail_zh}, file)]
    is_money = (kind, error.validator_value) == ("format", "money")
    too_large = money_limit_problem(instance, path, file) if is_money else None
    if too_large is not None:
        return [too_large]
    if kind == "propertyNames":
        en, zh = _WHAT["name"]
        return [Problem("schema.pattern", path, {"value": _short(instance), "what": en, "what_zh": zh}, file)]
    return [Problem("schema.invalid", path, {"detail": error.message[:200]}, file)]

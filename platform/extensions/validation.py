"""Checking a rule configuration against its plugin's JSON Schema, then the plugin's own checks.

Problems carry their path (`discounts[1].multiplier`) and read like the flow
validator's, because an implementer fixes both kinds of file the same way.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from definitions.entity import format_checker
from definitions.errors import Problem
from definitions.structure import dedupe, translate_error  # the flow validator's wording, shared on purpose

from .declarations import rule_problem


def schema_problems(schema: Mapping) -> list[str]:
    """What is wrong with a plugin's rule schema itself (against the 2020-12 metaschema)."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"{'/'.join(map(str, exc.absolute_path)) or '(schema)'}: {exc.message}"]
    return []


def rule_problems(schema: Mapping | None, check: Callable[[Mapping], list[Problem]] | None,
                  config: object, file: str = "") -> list[Problem]:
    """Every problem with `config`: schema first; the plugin's checks only once the shape is right."""
    if schema is None:
        if config in (None, {}):
            return []
        return [rule_problem((), "this plugin takes no rules; leave the configuration empty",
                             "该插件没有规则配置，请留空")]
    validator = Draft202012Validator(schema, format_checker=format_checker)
    problems: list[Problem] = []
    for error in validator.iter_errors(config):
        problems.extend(translate_error(error, file))
    problems = sorted(dedupe(problems), key=lambda p: [str(part) for part in p.path])
    if problems or check is None or not isinstance(config, Mapping):  # a plugin's rules are a mapping (its schema)
        return problems
    return [_with_file(p, file) for p in check(config)]


def _with_file(problem: Problem, file: str) -> Problem:
    if not file or problem.file:
        return problem
    return type(problem)(problem.code, problem.path, problem.params, file, problem.line, problem.suggestion)

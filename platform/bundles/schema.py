"""Each bundle file checked against its part of bundle.schema.json, with messages in the user's language."""
from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from kernel.schema_messages import schema_message

from .problems import BundleProblem, at

SCHEMA_PATH = Path(__file__).with_name("bundle.schema.json")


@lru_cache(maxsize=1)
def bundle_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> Draft202012Validator:
    schema = dict(bundle_schema())
    schema["$ref"] = f"#/$defs/{kind}"
    return Draft202012Validator(schema)


def schema_problems(kind: str, data: object, file: str, lines: dict) -> list[BundleProblem]:
    """Every way `data` (one file's document) departs from `$defs/<kind>`, each at its path and line."""
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return [at(file, lines, tuple(e.absolute_path), _message(e)) for e in errors]


def _message(error: ValidationError) -> str:
    return schema_message(error)  # the path is the problem's own column

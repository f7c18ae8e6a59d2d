"""JSON Schema files, read once per process and again after an edit: the one loader.

Project settings (schemas/project-settings.json), customers' extra fields
(schemas/customer.json) and every plugin's rule schema are read through here, with
`definitions.entity.load_schema_file` (decimals stay Decimal, problems name the file)
and cached by the file's modification time. What is returned is shared: copy it
before changing it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import cast

from jsonschema import Draft202012Validator

from definitions.entity import format_checker, load_schema_file
from definitions.errors import DefinitionError


def cached_schema(path: Path | str) -> dict:
    """The schema in `path`; `DefinitionError` naming the file when it cannot be read or parsed."""
    return _read(*_key(path))


def cached_validator(path: Path | str) -> Draft202012Validator:
    """A 2020-12 validator of the schema in `path`, with the platform's formats (money, decimal, date ...)."""
    return _validator(*_key(path))


def _key(path: Path | str) -> tuple[str, int | None]:
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None  # reading will say why
    return str(path), stamp


@lru_cache(maxsize=32)
def _read(path: str, stamp: int | None) -> dict:
    # Keyed by the file's modification time: read once per process, and again after an edit.
    schema, problems = load_schema_file(Path(path))
    if problems:
        raise DefinitionError(problems)
    return cast(dict, schema)  # a schema file without problems holds a JSON object


@lru_cache(maxsize=32)
def _validator(path: str, stamp: int | None) -> Draft202012Validator:
    return Draft202012Validator(_read(path, stamp), format_checker=format_checker)

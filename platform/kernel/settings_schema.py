"""Project settings are checked against schemas/project-settings.json."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator

from definitions.entity import format_checker, load_schema_file
from definitions.errors import DefinitionError, format_path


def project_settings_schema() -> dict:
    path = Path(settings.SCHEMAS_DIR) / "project-settings.json"
    schema, problems = load_schema_file(path)
    if problems:
        raise DefinitionError(problems)
    return schema


def settings_problems(values: object) -> list[str]:
    validator = Draft202012Validator(project_settings_schema(), format_checker=format_checker)
    return [
        f"{format_path(list(e.absolute_path)) or '(settings)'}: {e.message}"
        for e in validator.iter_errors(values)
    ]

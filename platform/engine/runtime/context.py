"""The names an expression sees: record, form, project, user, today."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils import timezone

from definitions.entity import decimal_fields, to_decimal
from definitions.model import FlowDefinition
from kernel.settings_schema import effective_settings, project_settings_schema


def record_view(definition: FlowDefinition, data: Mapping) -> dict:
    """Record data with money and decimal fields as Decimal, so guards compare numbers."""
    view = dict(data)
    for name in definition.entity.decimal_fields:
        if name in view:
            view[name] = to_decimal(view[name])
    return view


def names(definition: FlowDefinition, data: Mapping, form: Mapping | None, project, user_facts: dict) -> dict:
    return {
        "record": record_view(definition, data),
        "form": dict(form or {}),
        "project": project_view(project),
        "user": user_facts,
        "today": project_today(project),
    }


def project_today(project, now=None) -> date:
    """The calendar date at the project (`Project.zone`): one value for the whole transition."""
    return (now or timezone.now()).astimezone(project.zone).date()


def project_view(project) -> dict:
    """Project settings with their defaults filled in, decimal settings as Decimal."""
    defaults, decimals = _settings_shape(project_settings_schema())
    view = {**defaults, **(project.settings or {})}
    for name in decimals:
        if name in view:
            view[name] = to_decimal(view[name])
    return view


_shape: tuple[object, dict, frozenset[str]] | None = None


def _settings_shape(schema: dict) -> tuple[dict, frozenset[str]]:
    """The settings' defaults and decimal names, worked out again only when the schema file changed."""
    global _shape
    if _shape is None or _shape[0] is not schema:
        _shape = (schema, effective_settings({}), decimal_fields(schema))
    return _shape[1], _shape[2]

"""The names an expression sees: record, form, project, user."""
from __future__ import annotations

from collections.abc import Mapping

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
    }


def project_view(project) -> dict:
    """Project settings with their defaults filled in, decimal settings as Decimal."""
    view = effective_settings(project.settings)
    for name in decimal_fields(project_settings_schema()):
        if name in view:
            view[name] = to_decimal(view[name])
    return view

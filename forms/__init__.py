"""JSON Schema to Django forms: the fields of a transition's form, rendered and checked.

Django validates types and formats first, in the user's language; the engine then
checks the whole record against the entity schema and its errors are attached to
the same fields. Widgets follow the schema vocabulary of docs/schemas.md.
"""
from .refs import CustomerOption, Refs, UnitOption
from .schema_form import build_form_class, enum_choices, field_label, form_values, zone_label

__all__ = ["CustomerOption", "Refs", "UnitOption", "build_form_class", "enum_choices", "field_label",
           "form_values", "zone_label"]

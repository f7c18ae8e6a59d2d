"""JSON Schema to Django forms: the fields of a transition's form, rendered and checked.

Django validates types and formats first, in the user's language; the engine then
checks the whole record against the entity schema and its errors are attached to
the same fields.
"""
from .schema_form import build_form_class, field_label, form_values

__all__ = ["build_form_class", "field_label", "form_values"]

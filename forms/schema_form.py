"""Build a django.forms.Form from a flow form (entity fields plus extra fields)."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def field_label(name: str, schema: Mapping, lang: str) -> str:
    """A field's label in the user's language: x-title-zh for Chinese, else title, else its name."""
    if lang.startswith("zh") and schema.get("x-title-zh"):
        return schema["x-title-zh"]
    return schema.get("title") or name.replace("_", " ").capitalize()


def _field(name: str, schema: Mapping, required: bool, lang: str) -> forms.Field:
    label = field_label(name, schema, lang)
    common = {"label": label, "required": required, "help_text": schema.get("description", "")}
    fmt, kind = schema.get("format"), schema.get("type")
    if fmt == "money":
        return forms.DecimalField(max_digits=17, decimal_places=2, **common)
    if fmt == "decimal":
        return forms.DecimalField(max_digits=21, decimal_places=6, **common)
    if "enum" in schema:
        choices = [("", "—")] + [(v, v) for v in schema["enum"]]
        return forms.ChoiceField(choices=choices, **common)
    if kind == "integer":
        return forms.IntegerField(min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common)
    if kind == "boolean":
        return forms.BooleanField(**{**common, "required": False})
    if kind in ("array", "object"):
        return forms.JSONField(**common, widget=forms.Textarea(attrs={"rows": 3}))
    max_length = schema.get("maxLength")
    widget = forms.Textarea(attrs={"rows": 3}) if (max_length or 10_000) > 200 else None
    return forms.CharField(max_length=max_length, min_length=schema.get("minLength"), widget=widget, **common)


def build_form_class(entity_schema: Mapping, form_spec, *, lang: str | None = None) -> type[forms.Form]:
    """A Form class for a FormSpec (None gives an empty form: a plain button)."""
    lang = lang or get_language() or "zh-hans"
    properties = entity_schema.get("properties", {})
    fields: dict[str, forms.Field] = {}
    if form_spec is not None:
        required = set(form_spec.required)
        for name in form_spec.fields:
            fields[name] = _field(name, properties.get(name, {}), name in required, lang)
        for name, schema in form_spec.extra.items():
            fields[name] = _field(name, schema, name in required, lang)
    fields["comment"] = forms.CharField(label=_("Comment"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    return type("SchemaForm", (forms.Form,), fields)


def form_values(form: forms.Form) -> tuple[dict, str]:
    """Cleaned values for the engine (decimals as exact strings), and the comment."""
    values = {}
    for name, value in form.cleaned_data.items():
        if name == "comment" or value in (None, ""):
            continue
        values[name] = format(value, "f") if isinstance(value, Decimal) else value
    return values, form.cleaned_data.get("comment", "")


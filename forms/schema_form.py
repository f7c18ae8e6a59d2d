"""Build a django.forms.Form from a flow form (entity fields plus extra fields).

The widget follows the schema vocabulary (docs/schemas.md): `x-ref` gives a picker,
`enum` a select of its `x-enum-titles`, `format` money/date/date-time and `x-percent`
their own inputs, an array of buyers a buyers editor. Pickers need `refs` (the web
layer's lookups for the project); without it an id field stays a number field.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .fields import (
    BuyersField,
    CustomerField,
    DecimalTextField,
    JSONTextField,
    LinesField,
    MoneyField,
    PercentField,
    SchemaDateField,
    SchemaDateTimeField,
    UnitField,
    UserField,
)
from .refs import Refs

DEFAULT_ZONE = "Asia/Shanghai"


def field_label(name: str, schema: Mapping, lang: str) -> str:
    """A field's label in the user's language: x-title-zh for Chinese, else title, else its name."""
    if lang.startswith("zh") and schema.get("x-title-zh"):
        return schema["x-title-zh"]
    return schema.get("title") or name.replace("_", " ").capitalize()


def enum_choices(schema: Mapping, lang: str) -> list[tuple[str, str]]:
    """(code, title in the user's language) for each value of an enum; the code only when untitled."""
    titles = schema.get("x-enum-titles") or {}
    key = "zh" if lang.startswith("zh") else "en"
    return [(value, (titles.get(value) or {}).get(key) or str(value)) for value in schema["enum"]]


def zone_label(zone: str, lang: str) -> str:
    """The zone a time is typed in, as its users call it: 北京时间（UTC+08:00） or Asia/Shanghai (UTC+08:00)."""
    offset = datetime.now(ZoneInfo(zone)).strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    if lang.startswith("zh"):
        return f"北京时间（{utc}）" if zone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else f"时区 {utc}"
    return f"{zone} ({utc})"


def _is_buyers(schema: Mapping) -> bool:
    items = schema.get("items") or {}
    return schema.get("type") == "array" and "customer_id" in (items.get("properties") or {})


def _field(name: str, schema: Mapping, required: bool, lang: str, refs: Refs | None,
           free_units: Collection[str], zone: str) -> forms.Field:
    label = field_label(name, schema, lang)
    common = {"label": label, "required": required, "help_text": schema.get("description", "")}
    fmt, kind, ref = schema.get("format"), schema.get("type"), schema.get("x-ref")
    if refs is not None and ref == "unit":
        return UnitField(refs=refs, free_only=name in free_units, **common)
    if refs is not None and ref == "customer":
        return CustomerField(refs=refs, **common)
    if refs is not None and ref == "user":
        return UserField(refs=refs, **common)
    if refs is not None and _is_buyers(schema):
        share = (schema["items"]["properties"]).get("share")
        return BuyersField(refs=refs, rows=schema.get("maxItems", 5), with_share=share is not None, **common)
    codes = schema.get("x-codes") or (schema.get("items") or {}).get("x-codes")
    if refs is not None and codes:
        return _code_field(schema, refs.codes(codes), common)
    if schema.get("x-percent"):
        return PercentField(**common)
    if fmt == "money":
        return MoneyField(**common)
    if fmt == "decimal":
        return DecimalTextField(**common)
    if fmt == "date":
        return SchemaDateField(**common)
    if fmt == "date-time":
        return SchemaDateTimeField(zone=zone, zone_label=zone_label(zone, lang), **common)
    if "enum" in schema:
        return forms.ChoiceField(choices=[("", "—")] + enum_choices(schema, lang), **common)
    items = schema.get("items") if kind == "array" else None
    if isinstance(items, Mapping) and "enum" in items:
        return forms.MultipleChoiceField(choices=enum_choices(items, lang), widget=forms.CheckboxSelectMultiple,
                                         **common)
    if isinstance(items, Mapping) and items.get("type") == "string":
        return LinesField(max_items=schema.get("maxItems"), **{**common, "help_text": common["help_text"]
                                                                or _("One per line.")})
    if kind == "integer" or (isinstance(kind, (list, tuple)) and "integer" in kind):
        return forms.IntegerField(min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common)
    if kind == "boolean":
        return forms.BooleanField(**{**common, "required": False})
    if kind in ("array", "object"):
        # No shipped flow asks a person for a free-form object (docs/schemas.md, computed values).
        return JSONTextField(**common, widget=forms.Textarea(attrs={"rows": 3}))
    max_length = schema.get("maxLength")
    widget = forms.Textarea(attrs={"rows": 3}) if (max_length or 10_000) > 200 else None
    return forms.CharField(max_length=max_length, min_length=schema.get("minLength"), widget=widget, **common)


def _code_field(schema: Mapping, choices: Sequence[tuple[str, str]], common: dict) -> forms.Field:
    """A code of the project's rules (`x-codes`) chosen by its title; an array of them as checkboxes."""
    if schema.get("type") == "array":
        return forms.MultipleChoiceField(choices=list(choices), widget=forms.CheckboxSelectMultiple, **common)
    return forms.ChoiceField(choices=[("", "—"), *choices], **common)


def build_form_class(entity_schema: Mapping, form_spec, *, lang: str | None = None, refs: Refs | None = None,
                     free_unit_fields: Collection[str] = (), time_zone: str | None = None) -> type[forms.Form]:
    """A Form class for a FormSpec (None gives an empty form: a plain button).

    `refs` (web.views.lookups.page_refs) makes the x-ref fields pickers of the project;
    `free_unit_fields` names the unit fields the step will hold (their picker offers
    available units only); `time_zone` is the zone date-times are typed in (else the
    refs' project zone, else Asia/Shanghai).
    """
    lang = lang or get_language() or "zh-hans"
    zone = time_zone or (refs.time_zone if refs is not None else None) or DEFAULT_ZONE
    properties = entity_schema.get("properties", {})
    fields: dict[str, forms.Field] = {}
    if form_spec is not None:
        required = set(form_spec.required)
        for name in form_spec.fields:
            fields[name] = _field(name, properties.get(name, {}), name in required, lang, refs, free_unit_fields, zone)
        for name, schema in form_spec.extra.items():
            fields[name] = _field(name, schema, name in required, lang, refs, free_unit_fields, zone)
    fields["comment"] = forms.CharField(label=_("Comment"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    return type("SchemaForm", (forms.Form,), fields)


def form_values(form: forms.Form) -> tuple[dict, str]:
    """Cleaned values for the engine (decimals as exact strings), and the comment."""
    values = {}
    for name, value in form.cleaned_data.items():
        if name == "comment" or value in (None, "", []):
            continue
        values[name] = format(value, "f") if isinstance(value, Decimal) else value
    return values, form.cleaned_data.get("comment", "")

"""Form data against a definition's form and entity schema: errors per field, in words."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import cast

from django.utils import translation
from jsonschema import Draft202012Validator

from definitions.entity import format_checker
from definitions.model import FlowDefinition, FormSpec, thaw
from kernel.schema_messages import schema_message

from .errors import InvalidForm


def _plain(value: object) -> object:
    """Decimals from Python callers become the decimal strings the schema expects."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise TypeError("float")
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def apply_form(definition: FlowDefinition, form: FormSpec | None, data: Mapping, submitted: Mapping | None,
               *, partial: bool, free_fields: bool = False) -> tuple[dict, dict]:
    """Return (new record data, the form's values) or raise InvalidForm with every error.

    `free_fields` lets callers without a form (a linked record started by an action)
    set any entity field; the entity schema still checks them.
    """
    submitted = dict(submitted or {})
    errors: dict[str, list[tuple[str, str]]] = {}  # field -> [(English, Chinese)]
    fields = set(form.fields) if form else set()
    extra = dict(form.extra) if form else {}
    entity_fields = set(definition.entity.field_names)
    values: dict = {}
    for key, value in submitted.items():
        allowed = key in fields or key in extra or (free_fields and key in entity_fields)
        if not allowed:
            errors.setdefault(key, []).append(("not a field of this form", "不是该表单的字段"))
            continue
        try:
            values[key] = _plain(value)
        except TypeError:
            errors.setdefault(key, []).append(("use a decimal string such as \"12.50\", not a float",
                                               "请使用十进制字符串（如 \"12.50\"），不要用浮点数"))
    for key in (form.required if form else ()):
        if values.get(key) in (None, "", [], {}):
            errors.setdefault(key, []).append(_REQUIRED)
    for key, schema in extra.items():
        if key in values:
            validator = Draft202012Validator(cast(Mapping, thaw(schema)), format_checker=format_checker)
            for error in validator.iter_errors(values[key]):
                errors.setdefault(key, []).append(error_pair(error))
    new_data = dict(data)
    new_data.update({k: v for k, v in values.items() if k not in extra})
    for error in definition.entity.validator.iter_errors(new_data):
        if error.validator == "required":
            if partial:
                continue
            missing = [f for f in error.validator_value if f not in error.instance]
            for name in missing:
                errors.setdefault(name, []).append(_REQUIRED)
            continue
        key = str(error.absolute_path[0]) if error.absolute_path else "__all__"
        errors.setdefault(key, []).append(error_pair(error))
    if errors:
        pairs = {k: list(dict.fromkeys(v)) for k, v in errors.items()}
        raise InvalidForm({k: [en for en, _ in v] for k, v in pairs.items()},
                          {k: [zh for _, zh in v] for k, v in pairs.items()})
    return new_data, {k: v for k, v in values.items()}


_REQUIRED = ("this field is required", "此字段为必填项")


def error_pair(error) -> tuple[str, str]:
    """A jsonschema error in English and in Chinese: kernel.schema_messages' words in each language."""
    with translation.override("en"):
        en = schema_message(error)
    with translation.override("zh-hans"):
        zh = schema_message(error)
    return en, zh

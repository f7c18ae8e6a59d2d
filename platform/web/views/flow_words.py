"""Definitions said in the reader's words: roles, durations, approvals, fields by their titles.

Shared by the structured editor's outline and the changes a publish would make (flow_changes).
"""
from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from definitions.durations import UNIT_WORDS, DurationRef
from engine import override_edits as ops
from kernel.settings_schema import project_settings_schema

from .common import lang
from .studio_editor_forms import FIELD_KIND_CHOICES

REF_WORDS = {"unit": gettext_lazy("a unit (chosen from the sale control)"), "customer": gettext_lazy("a customer"),
             "user": gettext_lazy("a person of the project")}


def words_roles(names, titles: Mapping[str, str]) -> str:
    return ("、" if lang().startswith("zh") else ", ").join(titles.get(n, n) for n in names)


def words_after(after, fields: Mapping[str, str]) -> str:
    """12 hours / 12 小时; read from a setting or field: its title and unit (the value is the project's or record's)."""
    if isinstance(after, DurationRef):
        en, zh = UNIT_WORDS[after.unit]
        if after.source == "setting":
            spec = project_settings_schema().get("properties", {}).get(after.name, {})
            where = field_title(spec, after.name)
            return (_("the project setting “%(name)s”, in %(unit)s")
                    % {"name": where, "unit": zh if lang().startswith("zh") else en})
        return (_("the field “%(name)s”, in %(unit)s")
                % {"name": fields.get(after.name, after.name), "unit": zh if lang().startswith("zh") else en})
    parts = ops.duration_parts(after)
    if parts is None:
        return ""
    amount, unit = parts
    en, zh = UNIT_WORDS[unit]
    if lang().startswith("zh"):
        return f"{amount} {zh}"
    return f"{amount} {en if amount != 1 else en[:-1]}"  # 1 day, 2 days


def require_words(require) -> str:
    if require == "any":
        return _("one approval is enough")
    if require == "all" or require is None:
        return _("everyone asked must approve")
    return _("%(n)s approvals needed") % {"n": require}


def field_title(spec: Mapping, name: str) -> str:
    return (spec.get("x-title-zh") if lang().startswith("zh") else spec.get("title")) or spec.get("title") or name


def kind_words(spec: Mapping) -> str:
    labels = dict(FIELD_KIND_CHOICES)
    ref = spec.get("x-ref") or (spec.get("items") or {}).get("x-ref") if isinstance(spec, Mapping) else None
    if ref in REF_WORDS:
        return str(REF_WORDS[ref])
    if spec.get("type") == "array":
        return str(_("a list"))
    if "enum" in spec:
        return str(labels["choice"])
    kind = {"integer": "integer", "boolean": "boolean"}.get(spec.get("type", ""))
    if kind is None:
        kind = {"money": "money", "decimal": "decimal", "date": "date"}.get(spec.get("format", ""), "text")
    return str(labels[kind])

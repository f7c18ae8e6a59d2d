"""Each bundle file checked against its part of bundle.schema.json, with messages in the user's language."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from definitions.errors import closest

from .problems import BundleProblem, at

SCHEMA_PATH = Path(__file__).with_name("bundle.schema.json")


@lru_cache(maxsize=1)
def bundle_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(kind: str) -> Draft202012Validator:
    schema = dict(bundle_schema())
    schema["$ref"] = f"#/$defs/{kind}"
    return Draft202012Validator(schema)


def schema_problems(kind: str, data: object, file: str, lines: dict) -> list[BundleProblem]:
    """Every way `data` (one file's document) departs from `$defs/<kind>`, each at its path and line."""
    errors = sorted(_validator(kind).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    return [at(file, lines, tuple(e.absolute_path), _message(e)) for e in errors]


def _message(error: ValidationError) -> str:
    keyword, value = error.validator, error.validator_value
    if keyword == "required":
        missing = [key for key in value if isinstance(error.instance, dict) and key not in error.instance]
        return _("%(keys)s is required") % {"keys": ", ".join(missing)}
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(key for key in error.instance if key not in known)
        hint = closest(unknown[0], known) if unknown else None
        text = _("unknown key %(keys)s (known: %(known)s)") % {"keys": ", ".join(unknown),
                                                              "known": ", ".join(sorted(known))}
        return text + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")
    if keyword == "type":
        return _("expected %(type)s, found %(value)s") % {"type": _type_word(value), "value": _shown(error.instance)}
    if keyword == "pattern" or keyword == "$ref":
        return _("%(value)s is not written as expected (%(pattern)s)") % {
            "value": _shown(error.instance), "pattern": _pattern_word(value)}
    if keyword in ("minLength", "minItems"):
        return _("must not be empty")
    if keyword in ("maxLength", "maxItems"):
        return _("too long: at most %(n)s") % {"n": value}
    if keyword == "uniqueItems":
        return _("the same entry appears twice")
    if keyword in ("minimum", "maximum"):
        return _("%(value)s is out of range") % {"value": _shown(error.instance)}
    return error.message


def _type_word(kind: object) -> str:
    words = {"object": _("a mapping of keys to values"), "array": _("a list"), "string": _("a text"),
             "integer": _("a whole number (no quotes)"), "boolean": _("true or false"), "number": _("a number")}
    return words.get(kind, str(kind)) if isinstance(kind, str) else str(kind)


def _pattern_word(pattern: object) -> str:
    words = {
        "^-?[0-9]{1,12}(\\.[0-9]{1,2})?$": _("a decimal in quotes with at most two decimals, e.g. \"143.62\""),
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": _("a date in quotes, e.g. \"2026-05-01\""),
        "^[a-z][a-z0-9_]{0,62}$": _("lower-case letters, digits and _, starting with a letter"),
        "^[-a-zA-Z0-9_]{1,32}$": _("letters, digits, - and _, at most 32"),
    }
    return words.get(pattern, str(pattern)) if isinstance(pattern, str) else str(pattern)


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."

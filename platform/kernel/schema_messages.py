"""A jsonschema error said in the user's language: the one place JSON Schema's words become ours.

jsonschema's own messages are English and raw ("'x' is not one of ['a', 'b']"). Every
place that shows a user what is wrong with values checked against a JSON Schema (a
form or an engine action against the entity schema, a bundle's files, project
settings) turns the error into words here, by the validator keyword, through gettext:
the active language decides (`translation.override` for a command's `--lang`). The
field is named by the schema's own title (`title`, `x-title-zh`), an allowed value by
its `x-enum-titles` where the schema gives them, so the user reads 付款方式 and 一次性付款
rather than payment_plan and full.

Flow definitions and plugin rules are not said here: the definitions layer has its own
catalogue (definitions.messages), because `flows validate` runs before Django's settings.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema.exceptions import ValidationError

from definitions.errors import closest, format_path
from definitions.structure import money_limit_problem

SHOWN_CHOICES = 12   # an enum of more values is cut, with "…"


def schema_message(error: ValidationError, *, with_path: bool = False) -> str:
    """What `error` means, in the active language; `with_path`: led by where (`buyers[0].name: …`)."""
    text = _words(error)
    if with_path and error.absolute_path:
        return f"{where(error)}: {text}"
    return text


def where(error: ValidationError) -> str:
    """The error's path in the checked value: `buyers[0].name`."""
    return format_path(list(error.absolute_path))


def _words(error: ValidationError) -> str:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "required" and isinstance(value, list):  # `required` lists names (a checked schema)
        missing = [key for key in value if isinstance(instance, Mapping) and key not in instance]
        listed = schema.get("properties")
        properties = listed if isinstance(listed, Mapping) else {}
        names = [field_label(key, properties.get(key)) for key in missing]
        return _("%(keys)s is required") % {"keys": ", ".join(names)}
    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        known = set(schema.get("properties") or {})
        unknown = sorted(str(key) for key in instance if key not in known)
        hint = closest(unknown[0], known) if unknown else None
        text = _("unknown key %(keys)s (known: %(known)s)") % {"keys": ", ".join(unknown),
                                                              "known": ", ".join(sorted(known))}
        return text + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")
    if keyword == "type":
        return _("expected %(type)s, found %(value)s") % {"type": type_words(value), "value": shown(instance)}
    if keyword == "enum":
        return _enum(instance, value, schema)
    if keyword == "const":
        return _("%(value)s: the only value allowed here is %(allowed)s") % {
            "value": shown(instance), "allowed": _choice(value, schema)}
    if keyword == "pattern":
        return _("%(value)s is not written as expected (%(pattern)s)") % {
            "value": shown(instance), "pattern": pattern_words(value)}
    if keyword == "format":
        return _format(instance, value)
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return _limit(keyword, instance, value)
    if keyword == "multipleOf":
        return _("%(value)s is not a multiple of %(step)s") % {"value": shown(instance), "step": value}
    if keyword == "minLength":
        return _("must not be empty") if value == 1 else \
            _("too short: at least %(n)s characters") % {"n": value}
    if keyword == "maxLength":
        return _("too long: at most %(n)s characters (this has %(found)s)") % {
            "n": value, "found": len(instance) if isinstance(instance, str) else "?"}
    if keyword == "minItems":
        return _("must not be empty") if value == 1 else _("at least %(n)s entries") % {"n": value}
    if keyword == "maxItems":
        return _("too many entries: at most %(n)s (this has %(found)s)") % {
            "n": value, "found": len(instance) if isinstance(instance, Sequence) else "?"}
    if keyword == "uniqueItems":
        return _("the same entry appears twice")
    if keyword in ("minProperties", "maxProperties"):
        return _("must not be empty") if keyword == "minProperties" and value == 1 else \
            _("the number of entries is out of range")
    if keyword == "dependentRequired":
        return _("%(keys)s is required") % {"keys": ", ".join(map(str, _missing_dependents(error)))}
    if keyword in ("oneOf", "anyOf"):
        return _("%(value)s fits none of the forms allowed here") % {"value": shown(instance)}
    if keyword == "not":
        return _("%(value)s is not allowed here") % {"value": shown(instance)}
    return _("%(value)s does not fit what is expected here") % {"value": shown(instance)}


# --- allowed values and limits --------------------------------------------------------------------------------


def _enum(instance: object, choices: object, schema: Mapping) -> str:
    values = list(choices) if isinstance(choices, (list, tuple)) else []
    words = [_choice(v, schema) for v in values[:SHOWN_CHOICES]] + (["…"] if len(values) > SHOWN_CHOICES else [])
    text = _("%(value)s is not one of the choices: %(choices)s") % {"value": shown(instance),
                                                                   "choices": ", ".join(words)}
    hint = closest(instance, [v for v in values if isinstance(v, str)])
    return text + (_("; did you mean %(name)s?") % {"name": hint} if hint else "")


def _choice(value: object, schema: Mapping) -> str:
    """An allowed value by its title in the active language, its code after it (which a file or the API writes)."""
    titles = schema.get("x-enum-titles")
    title = titles.get(str(value)) if isinstance(titles, Mapping) else None
    if isinstance(title, Mapping):
        words = title.get("zh" if _zh() else "en") or title.get("en") or title.get("zh")
        if words and words != value:
            return f"{words} ({value})"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _limit(keyword: str, instance: object, limit: object) -> str:
    words = {
        "minimum": _("%(value)s is less than the minimum, %(limit)s"),
        "exclusiveMinimum": _("%(value)s must be more than %(limit)s"),
        "maximum": _("%(value)s is more than the maximum, %(limit)s"),
        "exclusiveMaximum": _("%(value)s must be less than %(limit)s"),
    }
    return words[keyword] % {"value": shown(instance), "limit": limit}


def _format(instance: object, kind: object) -> str:
    if kind == "money":
        too_large = money_limit_problem(instance)
        if too_large is not None:  # the limit said, as rule files and the kernel say it
            return too_large.message("zh" if _zh() else "en")
        return _("%(value)s is not an amount of money: at most two decimals, e.g. \"12.50\"") % {
            "value": shown(instance)}
    words = {
        "decimal": _("a decimal number, e.g. \"0.035\""),
        "date": _("a date in quotes, e.g. \"2026-05-01\""),
        "date-time": _("a date and time with its offset, e.g. \"2026-05-01T09:30:00+08:00\""),
        "email": _("an e-mail address, e.g. name@example.com"),
        "uri": _("a web address, e.g. https://example.com/"),
    }
    expected = words.get(kind) if isinstance(kind, str) else None
    if expected is None:
        return _("%(value)s is not written as expected") % {"value": shown(instance)}
    return _("%(value)s is not %(expected)s") % {"value": shown(instance), "expected": expected}


def _missing_dependents(error: ValidationError) -> list[str]:
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    needs = error.validator_value if isinstance(error.validator_value, Mapping) else {}
    return sorted({key for trigger, keys in needs.items() if trigger in instance for key in keys if key not in instance})


# --- words shared with the bundle files ------------------------------------------------------------------------


def field_label(name: str, schema: object) -> str:
    """A field by its title in the active language, its key after it; the key alone when the schema has no title."""
    schema = schema if isinstance(schema, Mapping) else {}
    title = (schema.get("x-title-zh") or schema.get("title")) if _zh() else schema.get("title")
    return f"{title} ({name})" if title and title != name else name


def type_words(kind: object) -> str:
    words = {"object": _("a mapping of keys to values"), "array": _("a list"), "string": _("a text"),
             "integer": _("a whole number (no quotes)"), "boolean": _("true or false"), "number": _("a number"),
             "null": _("nothing (null)")}
    if isinstance(kind, (list, tuple)):
        return _(" or ").join(type_words(k) for k in kind)
    return words.get(kind, str(kind)) if isinstance(kind, str) else str(kind)


def pattern_words(pattern: object) -> str:
    """A pattern the platform uses, in words; another one as itself (an implementer's own schema)."""
    words = {
        "^-?[0-9]{1,12}(\\.[0-9]{1,2})?$": _("a decimal in quotes with at most two decimals, e.g. \"143.62\""),
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": _("a date in quotes, e.g. \"2026-05-01\""),
        "^[a-z][a-z0-9_]{0,62}$": _("lower-case letters, digits and _, starting with a letter"),
        "^[a-z][a-z0-9_]*$": _("lower-case letters, digits and _, starting with a letter"),
        "^[-a-zA-Z0-9_]{1,32}$": _("letters, digits, - and _, at most 32"),
    }
    return words.get(pattern, str(pattern)) if isinstance(pattern, str) else str(pattern)


def shown(value: object) -> str:
    """A value as the user wrote it: text in quotes, nothing as "nothing (null)", the rest as JSON."""
    if value is None:
        return type_words("null")
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _zh() -> bool:
    return (get_language() or "en").startswith("zh")

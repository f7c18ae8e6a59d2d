"""Canonical JSON: the exact text we store, and the canonical form we hash and compare.

simplejson is used because it writes and reads `Decimal` exactly (`use_decimal`);
the standard library's json can read decimals but can only write them through float.

`dumps` writes a document as it is (sorted keys, decimals digit for digit). `form` is
what two documents are compared by: equal content has one form however it was written,
so `content_hash` and `definitions.diff` agree on what is a change:

- mapping keys in any order (written sorted);
- lists of named things (`roles`, `states`, `transitions`, `timers`, a state's `tasks`)
  in any order: keyed by name, as overrides address them and the diff compares them;
- a number however it is spelt: `1`, `1.0` and `1.00` are one number (a bool stays a bool);
- a decimal string where the entity schema says money or decimal (`default`, `const`,
  `enum`, `examples` of such a field): `"1"`, `"1.0"` and `"1.00"` are one amount.

Text is never touched: `"1.00"` in a title or an expression stays what it is.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import simplejson

NAMED_LISTS = frozenset({"roles", "states", "transitions", "timers", "tasks"})
DECIMAL_FORMATS = ("money", "decimal")
_VALUE_KEYWORDS = ("default", "const")
_LIST_KEYWORDS = ("enum", "examples")


def dumps(document: object) -> str:
    """Sorted keys, no whitespace, UTF-8 text, decimals written as written."""
    return simplejson.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, use_decimal=True
    )


def loads(text: str) -> object:
    return simplejson.loads(text, use_decimal=True)


def form(document: object, *, order_named: bool = True) -> object:
    """The canonical form of a definition document (see the module docstring); a new object.

    `order_named=False` keeps named lists in their order (the diff, which pairs them by
    name itself, reports changes in the document's order).
    """
    return _form(document, "", order_named)


def _form(value: object, key: str, order_named: bool) -> object:
    if isinstance(value, Mapping):
        out = {k: _form(v, k, order_named) for k, v in value.items()}
        if value.get("format") in DECIMAL_FORMATS:
            for keyword in _VALUE_KEYWORDS:
                if keyword in out:
                    out[keyword] = _decimal_text(out[keyword])
            for keyword in _LIST_KEYWORDS:
                listed = out.get(keyword)
                if isinstance(listed, list):
                    out[keyword] = [_decimal_text(v) for v in listed]
        return out
    if isinstance(value, (list, tuple)):
        items = [_form(v, "", order_named) for v in value]
        if order_named and key in NAMED_LISTS and _named(items):
            items.sort(key=lambda item: item["name"] if isinstance(item, Mapping) else "")  # all named: _named
        return items
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, Decimal)):
        return _number(value)
    return value


def _named(items: list) -> bool:
    """A list of mappings each with its own name (what overrides and the diff address by name)."""
    names = [item.get("name") if isinstance(item, Mapping) else None for item in items]
    return all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def _number(value: int | float | Decimal) -> int | Decimal | float:
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    if number == number.to_integral_value():
        return int(number)
    return number.normalize()


def _decimal_text(value: object) -> object:
    """A decimal string spelt one way ("1.50" -> "1.5", "2.00" -> "2"); anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    normal = _number(number)
    return str(normal) if isinstance(normal, int) else format(normal, "f")


def content_hash(document: object) -> str:
    """SHA-256 of the canonical form: equal content, equal hash."""
    return hashlib.sha256(dumps(form(document)).encode("utf-8")).hexdigest()


def pretty(document: object) -> str:
    return simplejson.dumps(
        document, indent=2, ensure_ascii=False, use_decimal=True, sort_keys=False
    )


__all__ = ["Decimal", "content_hash", "dumps", "form", "loads", "pretty"]

"""Canonical JSON: the exact text we store, hash and compare for definition versions.

simplejson is used because it writes and reads `Decimal` exactly (`use_decimal`);
the standard library's json can read decimals but can only write them through float.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal

import simplejson


def dumps(document: object) -> str:
    """Sorted keys, no whitespace, UTF-8 text, decimals written as written."""
    return simplejson.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, use_decimal=True
    )


def loads(text: str) -> object:
    return simplejson.loads(text, use_decimal=True)


def content_hash(document: object) -> str:
    return hashlib.sha256(dumps(document).encode("utf-8")).hexdigest()


def pretty(document: object) -> str:
    return simplejson.dumps(
        document, indent=2, ensure_ascii=False, use_decimal=True, sort_keys=False
    )


__all__ = ["Decimal", "content_hash", "dumps", "loads", "pretty"]

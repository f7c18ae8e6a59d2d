"""YAML out for bundle files: stable, readable, diff-friendly; read back with `definitions.yamlio.load_yaml`.

Key order is the order we build a document in (or sorted, for configuration the database
keeps as JSON, whose key order PostgreSQL does not keep); a row of a long table (a unit,
a member) is one line, so a change of one unit is one changed line in git.
"""
from __future__ import annotations

from decimal import Decimal

import yaml


class Row(dict):
    """A mapping written on one line: `- {code: 3-0201, floor: 2, ...}`."""


class Block(dict):
    """A mapping written one key a line even when its values are plain (settings, the manifest's hashes)."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:
        return True  # the same list twice is written twice: anchors are unreadable to most people


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    return dumper.represent_scalar("tag:yaml.org,2002:float", text if "." in text else text + ".0")


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(Row, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value.items(), flow_style=True))


_Dumper.add_representer(Block, lambda dumper, value: dumper.represent_mapping(
    "tag:yaml.org,2002:map", value.items(), flow_style=False))


def dump(document: object, *, sort_keys: bool = False, header: str = "") -> str:
    text = yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=sort_keys, width=4096,
                     default_flow_style=None)
    return header + text


def money_text(value: Decimal) -> str:
    """Money and areas as quoted decimal strings, as the demo and the rules write them: exact in any YAML reader."""
    return format(value.quantize(Decimal("0.01")), "f")

"""Reading a rule configuration from a YAML or JSON file, with line numbers for its problems.

Implementers keep each project's rules in version control next to its flows; a file is
read with the flow loader's YAML reader (numbers with a fraction become Decimal, never
float), and every problem found is given the line it points at.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from definitions.errors import Problem
from definitions.files import read_text
from definitions.yamlio import load_yaml

from . import registry


def load_rule_file(path: Path) -> tuple[object, dict, list[Problem]]:
    """(config, lines by path, syntax problems) for one file."""
    text, unreadable = read_text(path)  # a missing file, a folder, a GBK file: one problem, with its line
    if text is None:  # read_text: the text, or the problem
        return None, {}, [unreadable] if unreadable is not None else []
    loaded = load_yaml(text, str(path))
    return loaded.data, loaded.lines, list(loaded.problems)


def check_rule_file(plugin: str, path: Path) -> tuple[Mapping | None, list[Problem]]:
    """The file's configuration and every problem with it, each with its line where known (a configuration that
    is not a mapping has a problem saying so, from the plugin's schema)."""
    config, lines, problems = load_rule_file(path)
    if problems:
        return None, problems
    found = registry.validate_rules(plugin, {} if config is None else config, file=str(path))
    return config if isinstance(config, Mapping) else None, [replace(p, line=_line(lines, p.path)) for p in found]


def _line(lines: dict, path: tuple) -> int | None:
    while path not in lines and path:
        path = path[:-1]  # a missing key: point at the mapping that lacks it
    return lines.get(path)

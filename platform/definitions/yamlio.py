"""YAML in: exact decimals, duplicate keys caught, and a line number for every path.

PyYAML turns `0.05` into a float and silently keeps the last of two equal keys; both
are wrong for definitions that carry money and names, so we compose the node tree
ourselves and construct from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import yaml

from .errors import PathPart, Problem


class _DefinitionLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals; no Python tags, no aliases abuse."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ArithmeticError, LookupError, ValueError) as exc:
            # PyYAML's scalar constructors fail with bare errors on values their tag cannot
            # hold (`!!int` with no value, `!!bool maybe`, `1:30.5` read as a float)
            value = str(node.value)[:40] if isinstance(node, yaml.ScalarNode) else ""
            raise yaml.constructor.ConstructorError(
                None, None, f"not a valid {node.tag.rsplit(':', 1)[-1]}: {value!r}", node.start_mark
            ) from exc


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | float:
    text = loader.construct_scalar(node).replace("_", "")
    value = loader.construct_yaml_float(node)
    if value != value or value in (float("inf"), float("-inf")):
        return value  # .nan / .inf: the format schema rejects them with a path
    return Decimal(text)


_DefinitionLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
# Dates stay strings: definitions never need them, and a date object is not JSON.
def _as_text(loader: _DefinitionLoader, node: yaml.Node) -> str:
    return loader.construct_yaml_str(node)


def _refused(loader: _DefinitionLoader, node: yaml.Node) -> None:
    loader.construct_undefined(node)


_DefinitionLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
# Sets and binary are not JSON either, and a version's canonical text must be JSON.
for _tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:binary"):
    _DefinitionLoader.add_constructor(_tag, _refused)


@dataclass(frozen=True)
class LoadedYaml:
    data: object
    lines: dict[tuple[PathPart, ...], int]
    problems: tuple[Problem, ...]


def load_yaml(text: str, file: str = "") -> LoadedYaml:
    """Parse `text`; on a syntax error return no data and one problem with the line."""
    loader = None
    try:
        loader = _DefinitionLoader(text)  # already refuses control characters
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, {}, ())
        lines: dict[tuple[PathPart, ...], int] = {}
        problems: list[Problem] = []
        _walk(node, (), lines, problems, file)
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        # raised before there is any mark: find the line ourselves, keep the message one line
        line = text.count("\n", 0, exc.position) + 1
        detail = f"unacceptable character #x{exc.character:04X}"
        return LoadedYaml(None, {}, (Problem("yaml.syntax", (), {"detail": detail, "line": line}, file, line),))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        marked = mark.line + 1 if mark is not None else None
        detail = getattr(exc, "problem", None) or str(exc)
        return LoadedYaml(
            None, {}, (Problem("yaml.syntax", (), {"detail": detail, "line": marked}, file, marked),)
        )
    except (ValueError, OverflowError, RecursionError) as exc:
        # e.g. an integer too long to convert, or a pathologically deep document
        return LoadedYaml(None, {}, (Problem("yaml.syntax", (), {"detail": str(exc), "line": None}, file),))
    finally:
        if loader is not None:
            loader.dispose()
    return LoadedYaml(data, lines, tuple(problems))


MAX_VALUES = 100_000


def _walk(node, path, lines, problems, file, depth=0):
    lines.setdefault(path, node.start_mark.line + 1)
    if depth > 200:
        raise RecursionError("document nested too deeply")
    if len(lines) > MAX_VALUES:
        # nested aliases grow exponentially: a few lines can stand for billions of values
        raise ValueError(f"the document expands to more than {MAX_VALUES} values")
    if isinstance(node, yaml.MappingNode):
        seen: dict[object, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem("yaml.duplicate_key", path, {"key": key, "first": seen[key]}, file, line)
                )
            else:
                seen[key] = line
            _walk(value_node, path + (key,), lines, problems, file, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, problems, file, depth + 1)


class _DefinitionDumper(yaml.SafeDumper):
    """SafeDumper that writes a Decimal as the number it is (what `load_yaml` reads back)."""


_DefinitionDumper.add_representer(
    Decimal, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:float", _decimal_text(value)))


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text if "." in text else text + ".0"  # YAML reads 5 as an integer, 5.0 as a number with a fraction


def dump_yaml(data: object) -> str:
    """YAML for people to edit (overrides, rules): key order kept, Chinese as written, decimals exact."""
    return yaml.dump(data, Dumper=_DefinitionDumper, allow_unicode=True, sort_keys=False)

"""Changes written into overrides as the admin wrote them: comments, order and layout kept.

The studio's structured editor and the YAML view edit the same overrides. An edit made
with a form sets values at paths of the overrides text (`states.legal_review.title`)
through ruamel.yaml's round trip, so the comments and the order an implementer wrote
survive every form edit, and what the form changed reads as a small diff in git.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .yamlio import dump_yaml

# `keep`: the path is taken out of the overrides again, so the template's value applies
REMOVE = object()


@dataclass(frozen=True)
class Edit:
    """Set `value` at `path` of the overrides (None writes null: the template's item or key is removed)."""

    path: tuple[str, ...]
    value: object


class OverrideTextError(ValueError):
    """The stored text cannot be read as a mapping (a form cannot edit it: the YAML view can)."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # a guard expression stays on its line
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    yaml.representer.add_representer(  # `x: null`, not `x:`, where an item or key is removed
        type(None), lambda r, d: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    yaml.representer.add_representer(
        Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", format(d, "f")))
    return yaml


def _node(value: object) -> object:
    """Plain data as ruamel nodes: small mappings and lists of scalars on one line, as people write them."""
    if isinstance(value, Mapping):
        node = CommentedMap((k, _node(v)) for k, v in value.items())
        if all(not isinstance(v, (Mapping, list, tuple)) or _flat_list(v) for v in value.values()) and len(value) <= 4:
            node.fa.set_flow_style()
        return node
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_node(v) for v in value)
        if _flat_list(value):
            seq.fa.set_flow_style()
        return seq
    return value


def _flat_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) and all(not isinstance(v, (Mapping, list, tuple)) for v in value)


def apply_edits(text: str | None, stored: object, edits: Sequence[Edit]) -> str:
    """The overrides text with `edits` made: `text` as written (None: `stored` written out first)."""
    yaml = _yaml()
    source = text if text is not None and text.strip() else (dump_yaml(stored) if stored else "")
    try:
        root = yaml.load(source) if source.strip() else None
    except YAMLError as exc:
        raise OverrideTextError(str(exc)) from exc
    if root is None:
        root = CommentedMap()
    if not isinstance(root, CommentedMap):
        raise OverrideTextError("the overrides are not a mapping")
    for edit in edits:
        node = root
        for key in edit.path[:-1]:
            child = node.get(key)
            if not isinstance(child, CommentedMap):
                # a key the overrides have as a value (`deadline: null`, a flow-style scalar) becomes a mapping
                child = CommentedMap()
                node[key] = child
            node = child
        last = edit.path[-1]
        if edit.value is REMOVE:
            node.pop(last, None)
        else:
            node[last] = _node(edit.value)
    _drop_empty(root)
    if not root:
        return ""
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()


def _drop_empty(node: CommentedMap) -> None:
    """Mappings a removal left empty go too: `states: {draft: {}}` says nothing and would read as a change."""
    for key in list(node):
        child = node[key]
        if isinstance(child, CommentedMap):
            _drop_empty(child)
            if not child:
                del node[key]

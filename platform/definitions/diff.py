"""What changed between two effective flow documents, in words an admin can read.

Lists of named things are compared by name, not position, so moving a state in the
file is not a change and renaming one shows as one removal and one addition.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from . import canonical

_NAMED = {"roles", "states", "transitions", "timers", "tasks"}
_WORDS = {
    "added": ("added", "新增"),
    "removed": ("removed", "删除"),
    "changed": ("changed", "修改"),
}


@dataclass(frozen=True)
class Change:
    kind: Literal["added", "removed", "changed"]
    path: str
    old: object = None
    new: object = None

    def render(self, lang: str = "en") -> str:
        """One line for short values; a long value is written whole, folded onto indented lines below its path."""
        word = _WORDS[self.kind][0 if lang.startswith("en") else 1]
        if self.kind == "added":
            return _line(f"+ {self.path}: {word}", self.new)
        if self.kind == "removed":
            return _line(f"- {self.path}: {word}", self.old)
        old, new = _show(self.old), _show(self.new)
        head = f"~ {self.path}: "
        if len(head) + len(old) + len(new) + 3 <= WIDTH and "\n" not in old + new:
            return f"{head}{old} → {new}"
        return f"~ {self.path}:\n{_folded(self.old)}\n  →\n{_folded(self.new)}"


# A diff line longer than this folds its values onto lines of their own: a wide terminal still reads a
# one-line change of a few keys; a long list is folded (a phone's <pre> wraps whatever is left).
WIDTH = 140
INDENT = "    "


def _show(value: object) -> str:
    """The value on one line, whole."""
    if isinstance(value, (Mapping, list)):
        return canonical.dumps(value)
    return repr(value) if isinstance(value, str) else str(value)


def _line(head: str, value: object) -> str:
    shown = _show(value)
    if len(head) + 1 + len(shown) <= WIDTH:
        return f"{head} {shown}"
    return f"{head}\n{_folded(value)}"


def _folded(value: object) -> str:
    """The whole value over several indented lines: structures pretty-printed, long text wrapped (nothing cut)."""
    text = canonical.pretty(value) if isinstance(value, (Mapping, list)) else _show(value)
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        width = WIDTH - len(INDENT)
        # wrapped without dropping or adding a character: joined again, the pieces are the line
        pieces = [line[i:i + width] for i in range(0, len(line), width)] or [""]
        lines.extend(INDENT + piece for piece in pieces)
    return "\n".join(lines)


def diff_documents(old: object, new: object) -> list[Change]:
    """The changes from `old` to `new`, compared in canonical form: no change is what hashes equal."""
    changes: list[Change] = []
    _diff(canonical.form(old, order_named=False), canonical.form(new, order_named=False), "", changes)
    return changes


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _keyed(items: object) -> dict | None:
    if not isinstance(items, (list, tuple)):
        return None
    out = {}
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or item["name"] in out:
            return None
        out[item["name"]] = item
    return out


def _diff(old: object, new: object, path: str, out: list[Change], key: str = "") -> None:
    if key in _NAMED:
        old_k, new_k = _keyed(old), _keyed(new)
        if old_k is not None and new_k is not None:
            for name in old_k:
                if name not in new_k:
                    out.append(Change("removed", _join(path, name), old=old_k[name]))
            for name, item in new_k.items():
                if name not in old_k:
                    out.append(Change("added", _join(path, name), new=item))
                else:
                    _diff(old_k[name], item, _join(path, name), out)
            return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for k in old:
            if k not in new:
                out.append(Change("removed", _join(path, k), old=old[k]))
        for k, value in new.items():
            if k not in old:
                out.append(Change("added", _join(path, k), new=value))
            else:
                _diff(old[k], value, _join(path, k), out, k)
        return
    if canonical.dumps(canonical.form(old)) != canonical.dumps(canonical.form(new)):  # named lists in any order
        out.append(Change("changed", path, old, new))

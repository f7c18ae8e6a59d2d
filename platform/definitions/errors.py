"""Definition problems: what is wrong, where (file, path, line), in English and Chinese.

A loader never stops at the first problem: it collects `Problem`s and raises one
`DefinitionError` carrying all of them, so an implementer fixes a file in one pass.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .messages import render_message

PathPart = str | int


def format_path(parts: Sequence[PathPart]) -> str:
    """`('transitions', 3, 'to')` -> `transitions[3].to`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def closest(name: object, candidates: Iterable[str]) -> str | None:
    """The nearest valid name to a misspelt one, if any is close enough."""
    if not isinstance(name, str):
        return None
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition; `code` selects the message template."""

    code: str
    path: tuple[PathPart, ...] = ()
    params: dict = field(default_factory=dict, compare=False, hash=False)
    file: str = ""
    line: int | None = None
    suggestion: str | None = None

    def message(self, lang: str = "en") -> str:
        return render_message(self.code, self.params, self.suggestion, lang)

    @property
    def path_text(self) -> str:
        return format_path(self.path)

    def render(self, lang: str = "en", with_line: bool = False) -> str:
        where = [self.file] if self.file else []
        if self.path:
            where.append(self.path_text)
        text = ": ".join(where + [self.message(lang)])
        if with_line and self.line is not None:
            text += f" (line {self.line})" if lang.startswith("en") else f"（第 {self.line} 行）"
        return text

    def __str__(self) -> str:
        return self.render()


class DefinitionError(Exception):
    """Raised with every problem found; never with only the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line is None, p.line or 0)))
        super().__init__("\n".join(p.render() for p in self.problems))

    def render(self, lang: str = "en", with_line: bool = False) -> list[str]:
        return [p.render(lang, with_line) for p in self.problems]

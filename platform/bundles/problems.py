"""What is wrong with a bundle, said as `file: path: message (line N)`.

Every check collects its problems and carries on, so an implementer fixes a whole bundle
in one pass; the message is written in the language active when the problem is made
(the command runs under `--lang`), through gettext.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from definitions.errors import PathPart, Problem, format_path


@dataclass(frozen=True)
class BundleProblem:
    file: str          # relative to the bundle's root: projects/DEMO/units.yaml
    path: str          # inside the file: buildings[0].units[3].inner_area ("" for the whole file)
    message: str
    line: int | None = None

    def render(self, lang: str = "en") -> str:
        text = ": ".join([part for part in (self.file, self.path) if part] + [self.message])
        if self.line is not None:
            text += f"（第 {self.line} 行）" if lang.startswith("zh") else f" (line {self.line})"
        return text


def line_of(lines: Mapping[tuple, int], path: tuple[PathPart, ...]) -> int | None:
    """The line of `path`, or of the nearest mapping or list that holds it (a missing key: its parent)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def at(file: str, lines: Mapping[tuple, int], path: tuple[PathPart, ...], message: str) -> BundleProblem:
    return BundleProblem(file, format_path(path), message, line_of(lines, path))


def from_definitions(problems: Iterable[Problem], file: str, lang: str,
                     lines: Mapping[tuple, int] | None = None, strip: tuple[PathPart, ...] = ()) -> list[BundleProblem]:
    """Definition problems (flows, schemas, rules) as bundle problems of `file`.

    `strip` drops a prefix the engine puts in front of a path (`overrides.` for problems of
    an overrides file), so the path is the one in the file the implementer opens.
    """
    out = []
    for problem in problems:
        path = problem.path
        if strip and path[:len(strip)] == strip:
            path = path[len(strip):]
        line = line_of(lines, path) if lines is not None else problem.line
        out.append(BundleProblem(file, format_path(path), problem.message(lang), line or problem.line))
    return out


NAMED = frozenset({"roles", "states", "transitions", "timers", "tasks"})


def by_name(document: object, path: tuple[PathPart, ...]) -> tuple[PathPart, ...]:
    """A path into an effective flow with its named lists addressed by name, as overrides write them.

    `states[3].deadline.after` becomes `states.handling_urgent.deadline.after`: the path the
    implementer finds in the overrides file (and its line there).
    """
    out: list[PathPart] = []
    node = document
    for part in path:
        if (isinstance(part, int) and isinstance(node, list) and out and out[-1] in NAMED
                and 0 <= part < len(node) and isinstance(node[part], Mapping)
                and isinstance(node[part].get("name"), str)):
            out.append(node[part]["name"])
            node = node[part]
            continue
        out.append(part)
        if isinstance(node, Mapping):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)

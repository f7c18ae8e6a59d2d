"""From files to definitions: read YAML templates, resolve entity schemas, validate."""
from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DefinitionError, Problem
from .files import read_text
from .model import FlowDefinition
from .validator import Environment, check_and_build, resolve_entity
from .yamlio import LoadedYaml, load_yaml

FLOW_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Template:
    """A flow file as read: its document (entity still by name) and line numbers."""

    file: str
    document: object
    lines: dict
    problems: tuple[Problem, ...]


def read_template(path: Path, display: str | None = None) -> Template:
    """The file as it is now; parsed again only when its text changed (the document is the caller's own)."""
    file = display or str(path)
    text, unreadable = read_text(path, file)
    if unreadable is not None:
        return Template(file, None, {}, (unreadable,))
    loaded = _parsed(text, file)
    return Template(file, copy.deepcopy(loaded.data), loaded.lines, loaded.problems)


@lru_cache(maxsize=64)
def _parsed(text: str, file: str) -> LoadedYaml:
    # Parsing YAML in Python is the slow part of publishing, of the start-up check and of
    # each look at a project's overrides; the text is read every time, so an edit shows.
    return load_yaml(text, file)


def build(document: object, env: Environment, file: str = "", lines: dict | None = None,
          early: Iterable[Problem] = ()) -> FlowDefinition:
    """Resolve the entity and check everything; raise DefinitionError with all problems."""
    problems = list(early)
    resolved, entity_problems = resolve_entity(document, env, file)
    problems.extend(entity_problems)
    try:
        definition = check_and_build(resolved, env, file, lines)
    except DefinitionError as exc:
        problems.extend(p for p in exc.problems if not (p.code == "entity.unknown" and entity_problems))
        definition = None
    if problems or definition is None:  # no definition without a problem saying why
        raise DefinitionError(_fill_lines(problems, lines or {}))
    return definition


def _fill_lines(problems: list[Problem], lines: dict) -> list[Problem]:
    out = []
    for p in problems:
        if p.line is None and p.file:
            path = p.path
            while path and path not in lines:
                path = path[:-1]
            p = Problem(p.code, p.path, p.params, p.file, lines.get(path), p.suggestion)
        out.append(p)
    return out


def load_flow(path: Path, env: Environment, display: str | None = None) -> FlowDefinition:
    template = read_template(path, display)
    if template.document is None and template.problems:
        raise DefinitionError(template.problems)
    early = list(template.problems)
    doc = template.document
    if isinstance(doc, dict) and isinstance(doc.get("name"), str) and doc["name"] != path.stem:
        early.append(Problem("file.name_mismatch", ("name",), {"name": doc["name"], "file_name": path.name},
                             template.file))
    return build(doc, env, template.file, template.lines, early)


def flow_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand directories to their flow files; report paths that do not exist."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in FLOW_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem("file.not_found", (), {}, str(path)))
    return files, problems


def load_flows(paths: Iterable[Path], env: Environment, relative_to: Path | None = None
               ) -> tuple[dict[str, FlowDefinition], list[Problem]]:
    """Load every flow under `paths`; return those that are valid and all problems."""
    files, problems = flow_files(paths)
    definitions: dict[str, FlowDefinition] = {}
    origin: dict[str, str] = {}
    for path in files:
        display = _display(path, relative_to)
        try:
            definition = load_flow(path, env, display)
        except DefinitionError as exc:
            problems.extend(exc.problems)
            continue
        if definition.name in definitions:
            problems.append(Problem("flow.duplicate", ("name",), {"name": definition.name, "other": origin[definition.name]}, display))
            continue
        definitions[definition.name] = definition
        origin[definition.name] = display
    return definitions, problems


def _display(path: Path, relative_to: Path | None) -> str:
    if relative_to is not None:
        try:
            return str(path.resolve().relative_to(relative_to.resolve()))
        except ValueError:
            pass
    return str(path)

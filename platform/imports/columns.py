"""The columns of an import file: key, title in the user's language, an example, the choices of an enum.

A file is read by its header row: a title in either language (or the column's key)
names the column, a trailing "*" (what the template writes after a required title) is
ignored, so a template downloaded in Chinese loads on an English page and back.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise

from kernel.models import Project

LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Choice:
    code: str
    titles: dict[str, str]  # language -> title

    def title(self, language: str) -> str:
        return self.titles.get("en" if language.startswith("en") else "zh-hans") or self.code


@dataclass(frozen=True)
class Column:
    key: str
    title: Promise
    example: object = ""
    required: bool = False
    help: Promise | str = ""
    width: int = 14
    # the enum's values for a validation list, from the project (source types, consultants ...)
    choices: Callable[[Project], Sequence[Choice]] | None = field(default=None, compare=False)

    def title_in(self, language: str) -> str:
        with translation.override(language):
            return str(self.title)


def lazy_choices(pairs: Iterable[tuple[str, Promise]]) -> list[Choice]:
    """Choices from (code, lazy title) pairs, each titled in both languages."""
    out = []
    for code, title in pairs:
        titles = {}
        for language in LANGUAGES:
            with translation.override(language):
                titles[language] = str(title)
        out.append(Choice(code, titles))
    return out


def normal(text: object) -> str:
    return str(text or "").strip().rstrip("*＊").strip().casefold()


def header_map(columns: Sequence[Column], headers: Sequence[object]) -> tuple[dict[int, Column], list[str]]:
    """position -> column for the file's header row, and the headers nobody knows (reported, not fatal)."""
    names: dict[str, Column] = {}
    for column in columns:
        names[normal(column.key)] = column
        for language in LANGUAGES:
            names[normal(column.title_in(language))] = column
    found: dict[int, Column] = {}
    unknown: list[str] = []
    for position, header in enumerate(headers):
        if header is None or not str(header).strip():
            continue
        known = names.get(normal(header))
        if known is None:
            unknown.append(str(header))
        elif known not in found.values():
            found[position] = known
    return found, unknown


def choice_of(value: object, choices: Sequence[Choice]) -> Choice | None:
    """The choice a cell names by its code or its title in either language."""
    wanted = normal(value)
    for choice in choices:
        if wanted == normal(choice.code) or any(wanted == normal(t) for t in choice.titles.values()):
            return choice
    return None

"""What a plugin hands the host: who it is, its actions, what it writes, its rule problems.

Plain frozen values, so a plugin's answers can be kept for the life of the process and
shared by every request without copying.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from definitions.actions import ActionSpec
from definitions.errors import PathPart, Problem

PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


@dataclass(frozen=True)
class PluginInfo:
    """A plugin's identity. `name` prefixes its actions (`pricing.quote`) and names its rules."""

    name: str
    title_en: str
    title_zh: str
    version: str = "1"
    description: str = ""


@dataclass(frozen=True)
class PluginAction:
    """One action flows may call: the declaration the validator checks, and the function the engine runs.

    `implementation` has the kernel's contract: `fn(ctx: kernel.actions.ActionContext,
    **evaluated_args) -> None`, inside the transition's transaction; results the record
    keeps go into `ctx.changes`; a refusal is an `extensions.api.PluginError`.
    """

    spec: ActionSpec
    implementation: Callable[..., object]


class WriteKind(str, Enum):
    RECORD_FIELD = "record_field"  # through ctx.changes, into a field the flow names
    TABLE = "table"                # rows in the plugin's own tables


@dataclass(frozen=True)
class Write:
    """Something a plugin writes, declared so admins and reviewers know where its effects land."""

    kind: WriteKind
    target: str
    description: str = ""


@dataclass(frozen=True)
class RuleProblem(Problem):
    """A rule-configuration problem JSON Schema cannot express (say, tiers that overlap).

    The message is the plugin's own words in both languages, kept in `params`, because
    the definitions layer's message table cannot know every plugin's problems.
    """

    def message(self, lang: str = "en") -> str:
        text = str(self.params.get("zh" if lang.startswith("zh") else "en", self.code))
        if self.suggestion:
            hint = f"; did you mean '{self.suggestion}'?" if lang.startswith("en") else f"；是否应为 '{self.suggestion}'？"
            text += hint
        return text


def rule_problem(path: tuple[PathPart, ...] | list[PathPart], en: str, zh: str,
                 suggestion: str | None = None) -> RuleProblem:
    return RuleProblem("rules.invalid", tuple(path), {"en": en, "zh": zh}, suggestion=suggestion)


def duplicate_codes(items: Sequence[Mapping], key: str, field: str = "code") -> list[RuleProblem]:
    """A problem for each item of the list `key` whose `field` an earlier item already has.

    `discounts[3].code: 'launch' is already discounts[2]`: the rule check every list of
    coded things (channels, discounts, events, levels) needs.
    """
    first: dict[object, int] = {}
    problems: list[RuleProblem] = []
    for i, item in enumerate(items):
        code = item[field]
        if code in first:
            problems.append(rule_problem((key, i, field), f"'{code}' is already {key}[{first[code]}]",
                                         f"'{code}' 与 {key}[{first[code]}] 重复"))
        else:
            first[code] = i
    return problems


@dataclass(frozen=True)
class CustomerFact:
    """One line a plugin adds to a customer's page for one project (the points balance and level).

    `text` is already in the reader's language (the page calls the hook inside its language);
    the page puts the project's name before it.
    """

    project_id: int
    text: str


@dataclass(frozen=True)
class CustomerEvent:
    """One moment a plugin adds to a customer's timeline (points earned, redeemed …), in words."""

    at: datetime  # timezone-aware; the page shows it in the project's zone
    project_id: int
    kind_title: str  # what kind of moment, e.g. 积分
    headline: str
    detail: str = ""

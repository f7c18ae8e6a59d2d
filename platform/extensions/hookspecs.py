"""The plugin API: the hooks a plugin implements, with pluggy.

A plugin is a module (or any object) with functions marked `@hookimpl` whose names
are the specifications below; pluggy checks names and arguments when the plugin is
registered, so a misspelt hook fails at start-up instead of being silently ignored.
Only `plugin_info` is required. The host calls each plugin's hooks separately, so
every answer is attributed to the plugin that gave it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import pluggy

from definitions.errors import Problem

from .declarations import CustomerEvent, CustomerFact, PluginAction, PluginInfo, Write

PROJECT = "platform"
ENTRY_POINT_GROUP = "platform.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def plugin_info() -> PluginInfo:
    """Who the plugin is. Its name prefixes its actions and names its rules."""


@hookspec
def plugin_actions() -> Sequence[PluginAction]:
    """The actions flows may call, each named `<plugin>.<verb>` with typed parameters."""


@hookspec
def plugin_rule_schema() -> Mapping | None:
    """The JSON Schema (Draft 2020-12) of the plugin's per-project rules; None when it has none.

    Money and rates are decimal strings (`format: money` / `format: decimal`), never
    JSON numbers, so no rule passes through a float.
    """


@hookspec
def plugin_check_rules(config: Mapping) -> Sequence[Problem]:
    """Problems JSON Schema cannot express, each with its path; called once the schema passes."""


@hookspec
def plugin_writes() -> Sequence[Write]:
    """Where the plugin's effects land: record fields (through `ctx.changes`) and its own tables."""


@hookspec
def plugin_code_lists(config: Mapping) -> Mapping[str, Sequence[tuple[str, str]]]:
    """Named lists of the codes a project's rules define, each with its title: `{"discounts": [("referral", "老带新 99 折")]}`.

    A record field whose schema says `"x-codes": "<plugin>.<list>"` holds one of those codes
    (or an array of them): forms offer them by title and pages show the title, never the code.
    """


@hookspec
def plugin_customer_facts(customer_id: int, project_ids: Sequence[int]) -> Sequence[CustomerFact]:
    """Lines for the customer's page, one per project at most, for the projects the reader may see.

    The page's plugin panel: the host never imports a plugin, so what a plugin knows of a
    customer (a points balance, a membership level) reaches the page through this hook.
    A fixed number of queries whatever the number of projects.
    """


@hookspec
def plugin_customer_events(customer_id: int, project_ids: Sequence[int], limit: int) -> Sequence[CustomerEvent]:
    """The customer's latest moments in the plugin's own tables (at most `limit`), for the timeline."""

"""Every installed plugin, with what it declares: the host's public API.

The engine adds `action_specs()` to the validator's action catalogue and looks actions
up with `implementation(name)`; admin pages and `manage.py rules` use `rule_schema` and
`validate_rules`. Plugins are found once per process (they are code: a new plugin
means a restart) and their declarations kept as frozen values.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from definitions.actions import ActionSpec
from definitions.errors import Problem, closest

from . import discovery
from .declarations import PLUGIN_NAME, CustomerEvent, CustomerFact, PluginAction, PluginInfo, Write
from .errors import PluginLoadError, UnknownPlugin
from .validation import rule_problems, schema_problems

# Action prefixes the kernel and the engine already use: a plugin of that name would clash.
RESERVED_NAMES = frozenset({"unit", "queue", "payment", "record", "kernel", "engine"})


@dataclass(frozen=True)
class Plugin:
    info: PluginInfo
    origin: str  # where it was found, for messages
    module: str  # the module holding its hooks
    actions: tuple[PluginAction, ...]
    rule_schema: dict | None  # never handed out: rule_schema() returns a copy
    writes: tuple[Write, ...]
    check_rules: Callable[[Mapping], list[Problem]] | None
    code_lists: Callable[[Mapping], Mapping] | None = None
    customer_facts: Callable[[int, Sequence[int]], Sequence[CustomerFact]] | None = None
    customer_events: Callable[[int, Sequence[int], int], Sequence[CustomerEvent]] | None = None

    @property
    def name(self) -> str:
        return self.info.name


@dataclass(frozen=True)
class Registry:
    plugins: Mapping[str, Plugin]
    actions: Mapping[str, PluginAction]


_lock = threading.Lock()
_registry: Registry | None = None


def plugins() -> tuple[Plugin, ...]:
    """The installed plugins, by name."""
    return tuple(_get().plugins[name] for name in sorted(_get().plugins))


def plugin(name: str) -> Plugin:
    found = _get().plugins.get(name)
    if found is None:
        raise UnknownPlugin(name, closest(name, _get().plugins))
    return found


def action_specs() -> tuple[ActionSpec, ...]:
    """Every plugin action's declaration, for the flow validator's catalogue."""
    return tuple(_get().actions[name].spec for name in sorted(_get().actions))


def implementation(name: str) -> Callable[..., object] | None:
    """The function behind plugin action `name` (`fn(ctx, **evaluated_args) -> None`), or None if none declares it.

    One dictionary lookup in what was found at start-up: what the engine calls per action.
    """
    action = _get().actions.get(name)
    return None if action is None else action.implementation


def implementations() -> dict[str, Callable[..., object]]:
    """Action name -> `fn(ctx: kernel.actions.ActionContext, **evaluated_args) -> None` (a new dict each call)."""
    return {name: action.implementation for name, action in _get().actions.items()}


def rule_schema(plugin_name: str) -> dict | None:
    """The JSON Schema of the plugin's per-project rules (a copy the caller may keep)."""
    schema = plugin(plugin_name).rule_schema
    return None if schema is None else copy.deepcopy(dict(schema))


def validate_rules(plugin_name: str, config: object, file: str = "") -> list[Problem]:
    """Every problem with a rule configuration, each with its path; empty when it is valid."""
    found = plugin(plugin_name)
    return rule_problems(found.rule_schema, found.check_rules, config, file)


def code_list(name: str, config: Mapping | None) -> list[tuple[str, str]]:
    """(code, title) of list `name` ("<plugin>.<list>", a schema's `x-codes`) in a project's rules `config`.

    Empty when the plugin is not installed, declares no such list or the project has no rules.
    """
    plugin_name, _, list_name = name.partition(".")
    found = _get().plugins.get(plugin_name)
    if found is None or found.code_lists is None or not config:
        return []
    return [(str(code), str(title)) for code, title in found.code_lists(config).get(list_name, ())]


def reset() -> None:
    """Forget the plugins found, so the next call finds them again (tests, after settings change)."""
    global _registry
    with _lock:
        _registry = None


def _get() -> Registry:
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _build()
    return _registry


def _build() -> Registry:
    pm, found, problems = discovery.plugin_manager()
    by_name: dict[str, Plugin] = {}
    actions: dict[str, PluginAction] = {}
    for item in found:
        built = _plugin(pm, item, problems)
        if built is None:
            continue
        by_name[built.name] = built
        for action in built.actions:
            if action.spec.name in actions:
                problems.append(f"action {action.spec.name!r} is declared by {actions[action.spec.name].spec.provider} "
                                f"and {built.name}")
            actions[action.spec.name] = action
    if problems:
        raise PluginLoadError(problems)
    return Registry(MappingProxyType(by_name), MappingProxyType(actions))


def _plugin(pm, item: discovery.Found, problems: list[str]) -> Plugin | None:
    others = [p for p in pm.get_plugins() if p is not item.obj]

    def ask(hook: str):
        answers = pm.subset_hook_caller(hook, remove_plugins=others)()
        return answers[0] if answers else None

    where = f"plugin {item.name!r} ({item.origin})"
    info = ask("plugin_info")
    if not isinstance(info, PluginInfo):
        problems.append(f"{where}: plugin_info() must return a PluginInfo")
        return None
    if info.name != item.name:
        problems.append(f"{where}: plugin_info() names it {info.name!r}; the package or entry point "
                        f"must have the same name")
        return None
    if not PLUGIN_NAME.match(info.name) or info.name in RESERVED_NAMES:
        problems.append(f"{where}: the name must be lowercase letters, digits and _ (not one of "
                        f"{', '.join(sorted(RESERVED_NAMES))})")
        return None
    actions = tuple(_action(info.name, a, where, problems) for a in (ask("plugin_actions") or ()))
    schema = ask("plugin_rule_schema")
    if schema is not None:
        problems.extend(f"{where}: rule schema: {p}" for p in schema_problems(schema))
    has_check = any(impl.plugin is item.obj for impl in pm.hook.plugin_check_rules.get_hookimpls())
    check = None
    if has_check:
        caller = pm.subset_hook_caller("plugin_check_rules", remove_plugins=others)

        def check(config: Mapping) -> list[Problem]:
            return [p for answer in caller(config=config) for p in answer]

    lists = None
    if any(impl.plugin is item.obj for impl in pm.hook.plugin_code_lists.get_hookimpls()):
        lists_caller = pm.subset_hook_caller("plugin_code_lists", remove_plugins=others)

        def lists(config: Mapping) -> Mapping:
            answers = lists_caller(config=config)
            return answers[0] if answers else {}

    return Plugin(info, item.origin, item.module, tuple(a for a in actions if a is not None),
                  copy.deepcopy(dict(schema)) if schema is not None else None,
                  tuple(ask("plugin_writes") or ()), check, lists,
                  _first_answer(pm, "plugin_customer_facts", item, others),
                  _first_answer(pm, "plugin_customer_events", item, others))


def _first_answer(pm, hook: str, item: discovery.Found, others: list) -> Callable[..., Sequence] | None:
    """A call of `hook` on this plugin alone (positional arguments named as the spec names them)."""
    if not any(impl.plugin is item.obj for impl in getattr(pm.hook, hook).get_hookimpls()):
        return None
    caller = pm.subset_hook_caller(hook, remove_plugins=others)
    names = [n for n in getattr(pm.hook, hook).spec.argnames]

    def call(*args):
        answers = caller(**dict(zip(names, args)))
        return tuple(answers[0]) if answers else ()
    return call


def customer_facts(customer_id: int, project_ids: Sequence[int]) -> list[tuple[str, CustomerFact]]:
    """Every plugin's lines for a customer's page, as (plugin name, fact), by plugin name."""
    if not project_ids:
        return []
    return [(p.name, fact) for p in plugins() if p.customer_facts
            for fact in p.customer_facts(customer_id, list(project_ids))]


def customer_events(customer_id: int, project_ids: Sequence[int], limit: int) -> list[tuple[str, CustomerEvent]]:
    """Every plugin's moments for a customer's timeline, as (plugin name, event)."""
    if not project_ids:
        return []
    return [(p.name, event) for p in plugins() if p.customer_events
            for event in p.customer_events(customer_id, list(project_ids), limit)]


def _action(plugin_name: str, action: object, where: str, problems: list[str]) -> PluginAction | None:
    if not isinstance(action, PluginAction) or not callable(action.implementation):
        problems.append(f"{where}: plugin_actions() must return PluginAction(spec, implementation) items")
        return None
    if not action.spec.name.startswith(plugin_name + ".") or action.spec.name.count(".") != 1:
        problems.append(f"{where}: action {action.spec.name!r} must be named {plugin_name}.<verb>")
        return None
    if action.spec.provider != plugin_name:
        action = replace(action, spec=replace(action.spec, provider=plugin_name))
    return action

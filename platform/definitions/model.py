"""Immutable definition objects. The runtime reads these, never YAML.

Built only by `validator.build_definition`, after every check has passed, so code that
holds a FlowDefinition can trust every reference in it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal, overload

from jsonschema import Draft202012Validator

from .durations import After
from .entity import format_checker
from .expressions import Expression
from .roles import RoleSpec


@overload
def freeze(value: Mapping) -> Mapping[Any, Any]: ...
@overload
def freeze(value: list | tuple) -> tuple[Any, ...]: ...
@overload
def freeze(value: object) -> object: ...
def freeze(value: object) -> object:
    """Deep read-only copy: mappings become MappingProxyType, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


@overload
def thaw(value: Mapping) -> dict[Any, Any]: ...
@overload
def thaw(value: object) -> object: ...
def thaw(value: object) -> object:
    """Deep mutable copy of a frozen value, for libraries that want plain dicts."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def get(self, lang: str | None) -> str:
        return self.en if (lang or "").startswith("en") else self.zh


@dataclass(frozen=True)
class Deadline:
    after: After  # a timedelta, or a DurationRef read from a setting or field when the deadline starts
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Task:
    name: str
    title: Text | None
    kind: Literal["work", "approval"]
    roles: tuple[str, ...]
    assignee: Expression | None = None
    require: Literal["any", "all"] | int | None = None
    approved: str | None = None
    rejected: str | None = None
    deadline: Deadline | None = None


@dataclass(frozen=True)
class State:
    name: str
    title: Text
    owners: tuple[str, ...] = ()
    tasks: tuple[Task, ...] = ()
    deadline: Deadline | None = None
    final: bool = False
    partial: bool = False

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    extra: Mapping[str, Mapping] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ActionCall:
    action: str
    args: Mapping[str, object]  # Expression objects where the parameter is an expression
    when: Expression | None = None  # the action runs only when this holds (None: always)


@dataclass(frozen=True)
class Branch:
    """One destination of a transition: `state`, when `when` holds (None: the default)."""

    state: str
    when: Expression | None = None


@dataclass(frozen=True)
class Transition:
    """A declared step. `to` is the one destination, or with `branches` the default (else the first).

    Code that only needs "where can this go" reads `targets`; code that moves a record
    asks `route(scope)`, so a plain `to: state` and a list of guarded branches are read
    the same way.
    """

    name: str
    title: Text | None
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...] = ()
    guard: Expression | None = None
    guard_message: Text | None = None
    requires: tuple[str, ...] = ()
    form: FormSpec | None = None
    actions: tuple[ActionCall, ...] = ()
    branches: tuple[Branch, ...] = ()  # empty: `to` is the only destination
    # A step that stays in its state keeps the state's tasks and running timers; this one
    # restarts the deadlines instead (open tasks due again from now, timers counted anew).
    restart_deadlines: bool = False

    @property
    def targets(self) -> tuple[Branch, ...]:
        """Every destination in the order they are tried; one unconditional Branch for a plain `to`."""
        return self.branches or (Branch(self.to),)

    @property
    def target_states(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.state for b in self.targets))

    @property
    def routed(self) -> bool:
        return any(b.when is not None for b in self.targets)

    def route(self, names: Mapping[str, object]) -> str | None:
        """The state the first holding branch names, or None when none holds.

        Raises ExpressionRuntimeError (with the branch's condition) when a condition
        cannot be computed on these values.
        """
        for branch in self.targets:
            if branch.when is None or branch.when.evaluate(names):
                return branch.state
        return None


@dataclass(frozen=True)
class Timer:
    name: str
    state: str
    after: After
    fire: str | None = None
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Start:
    state: str
    roles: tuple[str, ...]
    form: FormSpec | None = None


@dataclass(frozen=True)
class Entity:
    name: str
    schema: Mapping  # frozen
    decimal_fields: frozenset[str] = frozenset()

    @cached_property
    def validator(self) -> Draft202012Validator:
        return Draft202012Validator(thaw(self.schema), format_checker=format_checker)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.schema.get("properties", {}))


@dataclass(frozen=True)
class FlowDefinition:
    name: str
    title: Text
    description: Text | None
    entity: Entity
    reference_prefix: str
    roles: tuple[RoleSpec, ...]
    start: Start
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    timers: tuple[Timer, ...]
    document: Mapping  # the effective source document, frozen
    content_hash: str
    format: int = 1

    @cached_property
    def _states(self) -> Mapping[str, State]:
        return MappingProxyType({s.name: s for s in self.states})

    @cached_property
    def _transitions(self) -> Mapping[str, Transition]:
        return MappingProxyType({t.name: t for t in self.transitions})

    def state(self, name: str) -> State:
        return self._states[name]

    def transition(self, name: str) -> Transition:
        return self._transitions[name]

    def transitions_from(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)

    @property
    def role_names(self) -> frozenset[str]:
        from .roles import STANDARD_ROLE_NAMES

        return STANDARD_ROLE_NAMES | {r.name for r in self.roles}

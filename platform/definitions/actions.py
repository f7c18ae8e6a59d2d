"""Action declarations: what a flow may call in a transition, and with which arguments.

The kernel, the engine and each plugin declare their actions here by name, with typed
parameters, so the validator can check every use in every flow before anything runs.
The definitions layer only knows the declarations; implementations live with their
owners and are looked up by the runtime.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType


class ParamKind(str, Enum):
    EXPRESSION = "expression"  # an expression evaluated when the action runs
    FIELD = "field"            # the name of an entity field (written or read)
    FLOW = "flow"              # the name of another flow
    STATE = "state"            # a state of this flow
    ROLE = "role"              # a role name
    DURATION = "duration"      # 72h, 3d, P1D
    LITERAL = "literal"        # a constant checked against `schema`
    MAPPING = "mapping"        # {target field: expression}


@dataclass(frozen=True)
class ParamSpec:
    kind: ParamKind
    required: bool = True
    schema: Mapping | None = None  # JSON Schema for LITERAL values
    description: str = ""


@dataclass(frozen=True)
class ActionSpec:
    name: str
    params: Mapping[str, ParamSpec]
    title_en: str = ""
    title_zh: str = ""
    provider: str = ""
    # Running it again for the same record changes nothing more (setting a field, holding
    # the unit the record already holds, a once-per-deal ledger entry). A send back may
    # only go back past steps whose actions are all repeatable: taking the step again
    # must not record a second payment or issue a second number.
    repeatable: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True)
class ActionCatalogue:
    """An immutable set of action declarations, looked up by name."""

    actions: Mapping[str, ActionSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", MappingProxyType(dict(self.actions)))

    @classmethod
    def of(cls, specs: Iterable[ActionSpec]) -> "ActionCatalogue":
        actions: dict[str, ActionSpec] = {}
        for spec in specs:
            if spec.name in actions:
                raise ValueError(f"action {spec.name!r} declared twice "
                                 f"({actions[spec.name].provider} and {spec.provider})")
            actions[spec.name] = spec
        return cls(actions)

    def get(self, name: str) -> ActionSpec | None:
        return self.actions.get(name)

    def names(self) -> list[str]:
        return sorted(self.actions)

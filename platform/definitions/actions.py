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
    # Parameters needed only with some value of a literal parameter (None: when it is not
    # given): {"change": {"renew": ("new_end", "new_rent")}}; and groups of which at least
    # one is needed: (("term_end", "term_months"),). The validator names what is missing.
    needs: Mapping[str, Mapping[object, tuple[str, ...]]] = field(default_factory=dict)
    one_of: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "needs", MappingProxyType({k: MappingProxyType(dict(v))
                                                            for k, v in dict(self.needs).items()}))

    def missing(self, args: Mapping) -> list[str]:
        """The parameters `needs` and `one_of` ask for that these arguments lack (alternatives joined by "or")."""
        out = []
        for key, by_value in self.needs.items():
            for name in by_value.get(args.get(key), ()):
                if name not in args and name not in out:
                    out.append(name)
        out += [" or ".join(group) for group in self.one_of if not any(name in args for name in group)]
        return out


@dataclass(frozen=True)
class ActionCatalogue:
    """An immutable set of action declarations, looked up by name."""

    actions: Mapping[str, ActionSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", MappingProxyType(dict(self.actions)))

    @classmethod
    def of(cls, specs: Iterable[ActionSpec]) -> ActionCatalogue:
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

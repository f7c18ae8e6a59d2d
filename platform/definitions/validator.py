"""Check a flow document completely, then build its immutable definition.

One pass collects every problem (structure, names, references, expressions, forms,
actions, durations, reachability) so an implementer sees them all at once. The
document is only turned into objects when no problem was found.

The checks read the raw document defensively: a value of the wrong type has already
been reported by the structural check, so the semantic checks skip it quietly instead
of reporting the same mistake twice (or crashing on it).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

from jsonschema import Draft202012Validator

from . import canonical
from .actions import ActionCatalogue, ActionSpec, ParamKind
from .durations import UNITS, DurationError, DurationRef, parse_duration
from .entity import check_entity_schema, check_money, decimal_fields, field_tree, load_schema_file
from .errors import DefinitionError, PathPart, Problem, closest, format_path
from .expressions import LEAF, Expression, FieldScope, parse_expression
from .model import (
    ActionCall,
    Branch,
    Deadline,
    Entity,
    FlowDefinition,
    FormSpec,
    Start,
    State,
    Task,
    Text,
    Timer,
    Transition,
    freeze,
)
from .roles import STANDARD_ROLE_NAMES, RoleSpec
from .structure import structural_problems

USER_FIELDS: dict[str, object] = {"id": LEAF, "username": LEAF, "name": LEAF, "roles": LEAF}

_PARAM_WORDS = {
    ParamKind.EXPRESSION: ("an expression (text) or a constant", "表达式（文本）或常量"),
    ParamKind.FIELD: ("the name of an entity field", "实体字段名"),
    ParamKind.FLOW: ("the name of a flow", "流程名"),
    ParamKind.STATE: ("the name of a state of this flow", "本流程的状态名"),
    ParamKind.ROLE: ("a role name", "角色名"),
    ParamKind.DURATION: ("a duration such as 72h", "时长（如 72h）"),
    ParamKind.MAPPING: ("a mapping of field names to expressions", "字段名到表达式的映射"),
}


@dataclass(frozen=True)
class Environment:
    """What a definition is checked against, besides itself."""

    actions: ActionCatalogue = field(default_factory=ActionCatalogue)
    schemas_dir: Path | None = None
    project_settings_schema: Mapping | None = None
    flow_names: frozenset[str] | None = None  # None: do not check flow references

    def project_fields(self) -> dict | None:
        if self.project_settings_schema is None:
            return None
        return field_tree(self.project_settings_schema)


def resolve_entity(document: object, env: Environment, file: str) -> tuple[object, list[Problem]]:
    """Replace `entity: name` by `entity: {name, schema}` read from schemas/.

    The effective document of a version carries its schema inline, so a published
    version is reproducible without the schema file it came from.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("entity"), str):
        return document, []
    name = document["entity"]
    if env.schemas_dir is None:
        return document, [Problem("entity.unknown", ("entity",), {"name": name, "file": f"{name}.json"}, file)]
    path = Path(env.schemas_dir) / f"{name}.json"
    if not path.is_file():
        available = [p.stem for p in Path(env.schemas_dir).glob("*.json")]
        return document, [Problem("entity.unknown", ("entity",), {"name": name, "file": str(path)}, file,
                                  suggestion=closest(name, available))]
    schema, problems = load_schema_file(path)
    if problems:
        return document, problems
    resolved = dict(document)
    resolved["entity"] = {"name": name, "schema": schema}
    return resolved, []


def check_and_build(
    document: object, env: Environment, file: str = "", lines: Mapping | None = None
) -> FlowDefinition:
    """Return the definition, or raise DefinitionError with every problem found."""
    checker = _Checker(document, env, file)
    # A Decimal NaN signals when compared, and the schema checks compare (sorting a list
    # for uniqueItems, say). The NaN is reported as not finite; an unordered comparison
    # need only be false here, not crash the check.
    with localcontext() as context:
        context.traps[InvalidOperation] = False
        definition = checker.run()
    if checker.problems:
        raise DefinitionError(_with_lines(checker.problems, lines or {}))
    assert definition is not None
    return definition


def _with_lines(problems: list[Problem], lines: Mapping) -> list[Problem]:
    out = []
    for p in problems:
        line = p.line
        if line is None:
            path = p.path
            while path and path not in lines:
                path = path[:-1]
            line = lines.get(path)
        out.append(Problem(p.code, p.path, p.params, p.file, line, p.suggestion))
    return out


def _text(value: object) -> Text | None:
    if isinstance(value, Mapping) and isinstance(value.get("zh"), str) and isinstance(value.get("en"), str):
        return Text(value["zh"], value["en"])
    return None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _map(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _names(value: object) -> tuple[str, ...]:
    return tuple(v for v in _list(value) if isinstance(v, str))


def _target_states(value: object) -> tuple[str, ...]:
    """The states a raw `to` names: the one state, or each branch's."""
    if isinstance(value, str):
        return (value,)
    return tuple(s for s in (_map(b).get("state") for b in _list(value)) if isinstance(s, str))


class _Checker:
    def __init__(self, document: object, env: Environment, file: str):
        self.doc = document
        self.env = env
        self.file = file
        self.problems: list[Problem] = []
        self.entity_fields: dict | None = None
        self.entity_schema: Mapping | None = None
        self.entity_name = ""
        self.roles: set[str] = set(STANDARD_ROLE_NAMES)
        self.state_names: dict[str, int] = {}
        self.task_names: dict[str, tuple] = {}
        self.tasks_by_state: dict[str, set[str]] = {}
        self.transition_names: dict[str, int] = {}
        # A reference that does not resolve is reported once; the checks that would only
        # repeat it (reachability, outcomes leaving a state) skip what it touches.
        self.states_listed = False
        self.transitions_listed = False
        self.unresolved_sources: set[int] = set()  # transitions whose `from` is not all known states
        self.unresolved_targets = False

    # -- helpers -----------------------------------------------------------------
    def problem(self, code: str, path: tuple[PathPart, ...], suggestion: str | None = None, **params) -> None:
        self.problems.append(Problem(code, path, params, self.file, suggestion=suggestion))

    def duration(self, value: object, path: tuple):
        if not isinstance(value, str):
            return None
        try:
            return parse_duration(value)
        except DurationError as exc:
            self.problem("duration.invalid", path, value=repr(value), detail=str(exc), detail_zh=exc.zh)
            return None

    def after(self, value: object, path: tuple) -> timedelta | DurationRef | None:
        """A deadline's or timer's `after`: a literal duration, or a project setting or record field.

        The setting must be in the project settings schema and the field in the entity, each a
        number (integer or number); its unit is the `unit` given, else the schema's `x-unit`.
        """
        if not isinstance(value, Mapping):
            return self.duration(value, path)
        sources = [key for key in ("setting", "field") if key in value]
        if len(sources) != 1:
            self.problem("after.one_source", path)
            return None
        source = sources[0]
        name = value.get(source)
        default = self.duration(value.get("default"), path + ("default",)) if "default" in value else None
        if not isinstance(name, str):
            return None  # reported by the structural check
        if source == "setting":
            schema = self.env.project_settings_schema
            if schema is None:
                return None  # checked without an installation (a file on its own): nothing to check against
            properties = _map(schema.get("properties"))
            if name not in properties:
                self.problem("after.unknown_setting", path + ("setting",), closest(name, properties), name=name)
                return None
            spec = _map(properties[name])
        else:
            if self.entity_fields is None:
                return None  # the entity is reported
            properties = _map(_map(self.entity_schema).get("properties"))
            if name not in properties:
                self.problem("ref.unknown_field", path + ("field",), closest(name, properties),
                             name=name, entity=self.entity_name)
                return None
            spec = _map(properties[name])
        types = spec.get("type")
        types = {types} if isinstance(types, str) else set(_list(types))
        if not types or not types <= {"integer", "number", "null"} or types == {"null"}:
            code = "after.setting_not_number" if source == "setting" else "after.field_not_number"
            self.problem(code, path + (source,), name=name)
            return None
        declared = spec.get("x-unit") if isinstance(spec.get("x-unit"), str) else None
        unit = value.get("unit", declared)
        if declared in UNITS and unit != declared:
            self.problem("after.unit_mismatch", path + ("unit",), name=name, unit=str(unit), declared=declared)
            return None
        if not isinstance(unit, str) or unit not in UNITS:  # a list or mapping is reported by the structural check
            self.problem("after.no_unit", path, name=name)
            return None
        return DurationRef(source, name, unit, default)

    def role_refs(self, value: object, path: tuple) -> tuple[str, ...]:
        for index, name in enumerate(_list(value)):
            if isinstance(name, str) and name not in self.roles:
                self.problem("ref.unknown_role", path + (index,), closest(name, self.roles), name=name)
        return _names(value)

    def state_ref(self, name: object, path: tuple) -> bool:
        """Whether `name` is a state of this flow; report it when it is text that is not."""
        if not isinstance(name, str):
            return False
        if name in self.state_names:
            return True
        if self.states_listed:  # else `states` itself is reported: every name would be unknown
            self.problem("ref.unknown_state", path, closest(name, self.state_names), name=name)
        return False

    def unique(self, items: list, path: tuple, kind: str, kind_zh: str, seen: dict | None = None) -> dict:
        seen = {} if seen is None else seen
        for index, item in enumerate(items):
            name = _str(_map(item).get("name"))
            if name is None:
                continue
            here = path + (index,)
            if name in seen:
                self.problem("name.duplicate", here + ("name",), kind=kind, kind_zh=kind_zh, name=name,
                             first=format_path(seen[name]) if isinstance(seen[name], tuple) else format_path(path + (seen[name],)))
            else:
                seen[name] = here if kind == "task" else index
        return seen

    def expression(self, source: object, path: tuple, form_fields: dict | None) -> Expression | None:
        if not isinstance(source, str):
            return None
        scope = FieldScope({
            "record": self.entity_fields if self.entity_fields is not None else None,
            "form": form_fields,
            "project": self.env.project_fields(),
            "user": USER_FIELDS,
        } if form_fields is not None else {
            "record": self.entity_fields if self.entity_fields is not None else None,
            "project": self.env.project_fields(),
            "user": USER_FIELDS,
        })
        expr, problems = parse_expression(source, scope, path, self.file)
        for p in problems:
            if p.code == "expr.unknown_field" and p.params.get("root") == "record":
                self.problems.append(Problem("ref.unknown_field", p.path,
                                             {"name": p.params["name"], "entity": self.entity_name},
                                             self.file, suggestion=p.suggestion))
            else:
                self.problems.append(p)
        return expr

    # -- the pass ----------------------------------------------------------------
    def run(self) -> FlowDefinition | None:
        doc = self.doc
        if not isinstance(doc, Mapping):
            self.problem("doc.not_mapping", ())
            return None
        self.check_values(doc, ())
        self.problems.extend(structural_problems(doc, self.file))
        entity = self.check_entity(doc.get("entity"))
        self.check_declared_roles(doc.get("roles"))
        states_raw = _list(doc.get("states"))
        self.states_listed = bool(states_raw)
        self.final_states = {_str(s.get("name")) for s in states_raw
                             if isinstance(s, Mapping) and s.get("final") is True}
        self.transitions_listed = isinstance(doc.get("transitions"), list)
        self.state_names = {}
        self.unique(states_raw, ("states",), "state", "状态", self.state_names)
        transitions_raw = _list(doc.get("transitions"))
        self.unique(transitions_raw, ("transitions",), "transition", "流转", self.transition_names)
        timers_raw = _list(doc.get("timers"))
        self.unique(timers_raw, ("timers",), "timer", "定时器")
        sources = self.transition_sources(transitions_raw)

        states = [self.check_state(s, ("states", i), sources) for i, s in enumerate(states_raw)]
        transitions = [self.check_transition(t, ("transitions", i), sources.get(i, ()))
                       for i, t in enumerate(transitions_raw)]
        timers = [self.check_timer(t, ("timers", i), sources) for i, t in enumerate(timers_raw)]
        start = self.check_start(_map(doc.get("start")))
        self.check_graph(states_raw, transitions_raw, sources, start)
        self.check_never_fires(transitions_raw, states, timers)

        title = _text(doc.get("title"))
        if self.problems or title is None or entity is None or start is None:
            return None  # each part is missing only with a problem saying why
        extra_roles = tuple(
            RoleSpec(r["name"], r["title"]["zh"], r["title"]["en"]) for r in _list(doc.get("roles"))
        )
        return FlowDefinition(
            name=doc["name"], title=title, description=_text(doc.get("description")),
            entity=entity, reference_prefix=doc.get("reference_prefix") or doc["name"][:3].upper(),
            roles=extra_roles, start=start, states=tuple(s for s in states if s is not None),
            transitions=tuple(t for t in transitions if t is not None),
            timers=tuple(t for t in timers if t is not None), document=freeze(doc), content_hash=canonical.content_hash(doc),
            format=doc["format"],
        )

    def check_values(self, value: object, path: tuple) -> None:
        """Keys must be text and numbers finite, or the canonical JSON cannot be written."""
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    self.problem("yaml.key_not_string", path, value=repr(key))
                    continue
                self.check_values(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check_values(item, path + (index,))
        elif isinstance(value, float) or (isinstance(value, Decimal) and not value.is_finite()):
            self.problem("value.not_finite", path, value=str(value))

    def check_entity(self, value: object) -> Entity | None:
        if isinstance(value, str):
            self.problem("entity.unknown", ("entity",), name=value, file=f"{value}.json")
            return None
        if not isinstance(value, Mapping) or not isinstance(value.get("schema"), Mapping):
            return None
        self.entity_name = _str(value.get("name")) or ""
        problems = check_entity_schema(value["schema"], ("entity", "schema"), self.file)
        if problems:
            self.problems.extend(problems)
            return None
        self.entity_fields = field_tree(value["schema"])
        self.entity_schema = value["schema"]
        return Entity(self.entity_name, freeze(value["schema"]), decimal_fields(value["schema"]))

    def check_declared_roles(self, value: object) -> None:
        seen: dict = {}
        self.unique(_list(value), ("roles",), "role", "角色", seen)
        for index, item in enumerate(_list(value)):
            name = _str(_map(item).get("name"))
            if name in STANDARD_ROLE_NAMES:
                self.problem("role.shadows_standard", ("roles", index, "name"), name=name)
            elif name:
                self.roles.add(name)

    def transition_sources(self, transitions: list) -> dict[int, tuple[str, ...]]:
        """The source states of each transition, with '*' expanded to non-final states."""
        non_final = tuple(n for n in self.state_names if n not in self.final_states)
        out: dict[int, tuple[str, ...]] = {}
        for index, item in enumerate(transitions):
            source = _map(item).get("from")
            path = ("transitions", index, "from")
            known = False
            if source == "*":
                out[index] = non_final
                known = True
            elif isinstance(source, str):
                if source.startswith("*") or not source:
                    self.problem("ref.from_star", path)
                else:
                    known = self.state_ref(source, path)
                out[index] = (source,)
            elif isinstance(source, list):
                found = [self.state_ref(name, path + (i,)) for i, name in enumerate(source)]
                known = bool(found) and all(found)
                out[index] = _names(source)
            if not known:
                self.unresolved_sources.add(index)
        return out

    def check_deadline(self, value: object, path: tuple) -> Deadline | None:
        if not isinstance(value, Mapping):
            return None
        after = self.after(value.get("after"), path + ("after",))
        escalate = self.role_refs(value.get("escalate_to"), path + ("escalate_to",))
        return Deadline(after, escalate) if after else None

    def check_state(self, raw: object, path: tuple, sources: dict) -> State | None:
        raw = _map(raw)
        name = _str(raw.get("name")) or ""
        owners = self.role_refs(raw.get("owners"), path + ("owners",))
        deadline = self.check_deadline(raw.get("deadline"), path + ("deadline",))
        tasks = []
        self.tasks_by_state[name] = set()
        for i, task in enumerate(_list(raw.get("tasks"))):
            tasks.append(self.check_task(_map(task), path + ("tasks", i), name, owners, sources,
                                         isinstance(raw.get("owners", []), list)))
        if raw.get("final") is True and (raw.get("tasks") or raw.get("deadline")):
            self.problem("state.final_tasks", path, name=name)
        title = _text(raw.get("title"))
        if not title:
            return None
        return State(name, title, owners, tuple(t for t in tasks if t), deadline,
                     raw.get("final") is True, raw.get("partial") is True)

    def check_task(self, raw: Mapping, path: tuple, state: str, owners: tuple, sources: dict,
                   owners_listed: bool = True) -> Task | None:
        name = _str(raw.get("name"))
        if name:
            if name in self.task_names:
                self.problem("name.duplicate", path + ("name",), kind="task", kind_zh="任务", name=name,
                             first=format_path(self.task_names[name]))
            else:
                self.task_names[name] = path
            self.tasks_by_state[state].add(name)
        kind = raw.get("kind", "work")
        roles = self.role_refs(raw.get("roles"), path + ("roles",)) or owners
        assignee = None
        if "assignee" in raw:
            assignee = self.expression(raw.get("assignee"), path + ("assignee",), None)
        deadline = self.check_deadline(raw.get("deadline"), path + ("deadline",))
        if kind == "approval":
            if "assignee" in raw:
                self.problem("task.approval_roles", path + ("assignee",), name=name)
            for key in ("approved", "rejected"):
                target = raw.get(key)
                if target is None:
                    self.problem("task.approval_missing", path, name=name, key=key)
                    continue
                self.check_outcome(target, path + (key,), state, sources)
        elif kind == "work":  # an unknown kind is reported by the format schema
            for key in ("require", "approved", "rejected"):
                if key in raw:
                    self.problem("task.approval_only", path + (key,), key=key)
        # roles or owners that are not a list are reported as such: unknown, not missing
        listed = owners_listed and isinstance(raw.get("roles", []), list)
        if listed and not roles and assignee is None and "assignee" not in raw:
            self.problem("task.no_assignee", path, name=name)
        if not name or kind not in ("work", "approval"):
            return None
        return Task(name, _text(raw.get("title")), kind, roles, assignee,
                    raw.get("require", "all") if kind == "approval" else None,
                    _str(raw.get("approved")), _str(raw.get("rejected")), deadline)

    def transition_index(self, name: object) -> int | None:
        if not isinstance(name, str):
            return None
        for index, item in enumerate(_list(_map(self.doc).get("transitions"))):
            if _map(item).get("name") == name:
                return index
        return None

    def check_outcome(self, target: object, path: tuple, state: str, sources: dict, code="task.outcome_not_from_state") -> None:
        if not isinstance(target, str):
            return
        index = self.transition_index(target)
        if index is None:
            if self.transitions_listed:  # else `transitions` itself is reported
                self.problem("ref.unknown_transition", path, closest(target, self.transition_names), name=target)
        elif (state in self.state_names and index not in self.unresolved_sources
              and state not in sources.get(index, ())):
            self.problem(code, path, transition=target, state=state)

    def check_form(self, raw: object, path: tuple) -> tuple[FormSpec | None, dict]:
        """Check a form; also return the names `form.` may use in expressions."""
        if not isinstance(raw, Mapping):
            return None, {}
        fields = _names(raw.get("fields"))
        extra = _map(raw.get("extra"))
        if self.entity_fields is not None:
            for i, name in enumerate(_list(raw.get("fields"))):
                if isinstance(name, str) and name not in self.entity_fields:
                    self.problem("form.unknown_field", path + ("fields", i),
                                 closest(name, self.entity_fields), name=name, entity=self.entity_name)
            for name in extra:
                if isinstance(name, str) and name in self.entity_fields:
                    self.problem("form.extra_clash", path + ("extra", name), name=name)
        for name, schema in extra.items():
            if isinstance(schema, Mapping):
                errors = list(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
                if errors:
                    self.problem("form.extra_invalid", path + ("extra", name), name=name,
                                 detail=errors[0].message[:200])
                else:
                    check_money(schema, path + ("extra", name), self.file, self.problems)
        for i, name in enumerate(_list(raw.get("required"))):
            if isinstance(name, str) and name not in fields and name not in extra:
                self.problem("form.required_unknown", path + ("required", i), name=name)
        names: dict = {n: (self.entity_fields or {}).get(n) for n in fields}
        names.update({n: LEAF for n in extra if isinstance(n, str)})
        spec = FormSpec(fields, _names(raw.get("required")), freeze(dict(extra)))
        return spec, names

    def check_transition(self, raw: object, path: tuple, sources: tuple) -> Transition | None:
        raw = _map(raw)
        name = _str(raw.get("name")) or ""
        roles = self.role_refs(raw.get("roles"), path + ("roles",))
        form, form_fields = self.check_form(raw.get("form"), path + ("form",))
        guard = None
        if "guard" in raw:
            guard = self.expression(raw.get("guard"), path + ("guard",), form_fields)
        to, branches = self.check_targets(raw.get("to"), path + ("to",), form_fields, name)
        for i, task in enumerate(_list(raw.get("requires"))):
            if not isinstance(task, str):
                continue
            owned = set().union(*(self.tasks_by_state.get(s, set()) for s in sources)) if sources else set()
            if task not in self.task_names:
                self.problem("ref.unknown_task", path + ("requires", i), closest(task, self.task_names),
                             name=task, states=", ".join(sources), tasks=", ".join(sorted(owned)) or "-")
            elif task not in owned and path[-1] not in self.unresolved_sources:
                self.problem("transition.requires_not_in_source", path + ("requires", i),
                             name=task, states=", ".join(sources))
        actions = [self.check_action(_map(a), path + ("actions", i), form_fields)
                   for i, a in enumerate(_list(raw.get("actions")))]
        restart = raw.get("restart_deadlines") is True
        if restart and to is not None and sources and not set(sources) & {b.state for b in branches or (Branch(to),)}:
            # Restarting only means something for a step that stays where it is.
            self.problem("transition.restart_not_staying", path + ("restart_deadlines",), name=name)
        if not name or to is None:
            return None
        return Transition(name, _text(raw.get("title")), sources, to, roles, guard,
                          _text(raw.get("guard_message")), _names(raw.get("requires")), form,
                          tuple(a for a in actions if a), branches, restart)

    def check_targets(self, raw: object, path: tuple, form_fields: dict, name: str
                      ) -> tuple[str | None, tuple[Branch, ...]]:
        """`to`: one state, or guarded branches tried in order (an exclusive gateway).

        Returns the state `Transition.to` names (the default branch, else the first) and
        the branches (empty for a plain `to`). A list without a default is allowed: a
        fire where no branch holds is refused at run time, like a failed guard.
        """
        if isinstance(raw, str):
            if not self.state_ref(raw, path):
                self.unresolved_targets = True
            return raw, ()
        if not isinstance(raw, list) or not raw:
            self.unresolved_targets = True  # missing, empty or of the wrong type: reported by the format schema
            return None, ()
        branches: list[Branch] = []
        complete = True
        default_at: int | None = None
        for index, item in enumerate(raw):
            here = path + (index,)
            if not isinstance(item, Mapping):
                complete = False  # `to: [a, b]`: reported by the format schema; no default, no state
                self.unresolved_targets = True
                continue
            state = item.get("state")
            if not self.state_ref(state, here + ("state",)):
                self.unresolved_targets = True
            when = None
            if "when" in item:
                when = self.expression(item.get("when"), here + ("when",), form_fields)
            elif set(item) - {"state"}:
                complete = False  # a misspelt `when` (reported as an unknown key) is no default
                continue
            elif default_at is None:
                default_at = index
            else:
                self.problem("transition.two_defaults", here, name=name)
            if default_at is not None and index > default_at and "when" in item:
                self.problem("transition.branch_after_default", here, name=name)
            if not isinstance(state, str) or ("when" in item and when is None):
                complete = False
                continue
            branches.append(Branch(state, when))
        if not complete:
            return None, ()
        default = next((b.state for b in branches if b.when is None), branches[0].state)
        return default, tuple(branches)

    def check_action(self, raw: Mapping, path: tuple, form_fields: dict) -> ActionCall | None:
        # `when` sees what the transition's guard sees, and is checked even when the action is unknown
        when = self.expression(raw.get("when"), path + ("when",), form_fields) if "when" in raw else None
        name = _str(raw.get("action"))
        if name is None:
            return None
        spec = self.env.actions.get(name)
        if spec is None:
            self.problem("ref.unknown_action", path + ("action",), closest(name, self.env.actions.names()), name=name)
            return None
        args = raw.get("args", {})
        if not isinstance(args, Mapping):
            return None
        values: dict[str, object] = {}
        for key, value in args.items():
            param = spec.params.get(key)
            if param is None:
                self.problem("action.unknown_arg", path + ("args", key), closest(key, spec.params),
                             action=name, name=key, params=", ".join(spec.params) or "-")
                continue
            values[key] = self.check_arg(spec, key, param.kind, param.schema, value, path + ("args", key), form_fields)
        for key, param in spec.params.items():
            if param.required and key not in args:
                self.problem("action.missing_arg", path + ("args",) if "args" in raw else path,
                             action=name, name=key)
        for key in spec.missing(args):  # needed with some value of another argument
            self.problem("action.missing_arg", path + ("args",) if "args" in raw else path, action=name, name=key)
        return ActionCall(name, freeze(values), when)

    def check_arg(self, spec: ActionSpec, key: str, kind: ParamKind, schema, value, path, form_fields):
        def bad():
            en, zh = _PARAM_WORDS[kind]
            self.problem("action.bad_arg", path, action=spec.name, name=key, expected=en, expected_zh=zh)

        if kind is ParamKind.EXPRESSION:
            if isinstance(value, str):
                return self.expression(value, path, form_fields)
            if value is None or isinstance(value, (bool, int, Decimal)):
                return value
            return bad()
        if kind is ParamKind.MAPPING:
            if not isinstance(value, Mapping):
                return bad()
            return {k: self.check_arg(spec, key, ParamKind.EXPRESSION, None, v, path + (k,), form_fields)
                    for k, v in value.items()}
        if kind is ParamKind.LITERAL:
            errors = list(Draft202012Validator(dict(schema or {})).iter_errors(value))
            for error in errors:
                self.problem("action.bad_literal", path + tuple(error.absolute_path), action=spec.name,
                             name=key, detail=error.message[:200])
            return value
        if not isinstance(value, str):
            return bad()
        if kind is ParamKind.FIELD:
            if self.entity_fields is not None and value.split(".")[0] not in self.entity_fields:
                self.problem("ref.unknown_field", path, closest(value, self.entity_fields),
                             name=value, entity=self.entity_name)
        elif kind is ParamKind.STATE:
            self.state_ref(value, path)
        elif kind is ParamKind.ROLE:
            if value not in self.roles:
                self.problem("ref.unknown_role", path, closest(value, self.roles), name=value)
        elif kind is ParamKind.FLOW:
            if self.env.flow_names is not None and value not in self.env.flow_names:
                self.problem("ref.unknown_flow", path, closest(value, self.env.flow_names), name=value)
        elif kind is ParamKind.DURATION:
            return self.duration(value, path)
        return value

    def check_timer(self, raw: object, path: tuple, sources: dict) -> Timer | None:
        raw = _map(raw)
        state = raw.get("state")
        self.state_ref(state, path + ("state",))
        after = self.after(raw.get("after"), path + ("after",))
        has_fire, has_escalate = "fire" in raw, "escalate_to" in raw
        if has_fire == has_escalate:
            self.problem("timer.fire_or_escalate", path)
        if has_fire and isinstance(state, str):
            self.check_outcome(raw.get("fire"), path + ("fire",), state, sources, "timer.not_from_state")
        escalate = self.role_refs(raw.get("escalate_to"), path + ("escalate_to",))
        if not (_str(raw.get("name")) and isinstance(state, str) and after):
            return None
        return Timer(raw["name"], state, after, _str(raw.get("fire")), escalate)

    def check_start(self, raw: Mapping) -> Start | None:
        state = raw.get("state")
        self.state_ref(state, ("start", "state"))
        if isinstance(state, str) and state in self.final_states:
            self.problem("start.final", ("start", "state"), name=state)
        roles = self.role_refs(raw.get("roles"), ("start", "roles"))
        form, _ = self.check_form(raw.get("form"), ("start", "form"))
        if not isinstance(state, str):
            return None
        return Start(state, roles, form)

    def check_graph(self, states_raw: list, transitions_raw: list, sources: dict, start: Start | None) -> None:
        if start is None or start.state not in self.state_names:
            return
        edges: dict[str, set[str]] = {name: set() for name in self.state_names}
        first_exit: dict[str, str] = {}
        for index, item in enumerate(transitions_raw):
            targets = _target_states(_map(item).get("to"))  # every branch can be taken
            for source in sources.get(index, ()):
                if source in edges:
                    first_exit.setdefault(source, _str(_map(item).get("name")) or "?")
                    edges[source].update(t for t in targets if t in edges)
        # With an edge that does not resolve (already reported) the graph is not the one
        # meant, and from a final start state (reported too) nothing is reachable.
        exits_known = self.transitions_listed and not self.unresolved_sources
        reach_known = exits_known and not self.unresolved_targets and start.state not in self.final_states
        reached, frontier = {start.state}, [start.state]
        while frontier:
            for target in edges[frontier.pop()]:
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
        seen: set[str] = set()
        for index, raw in enumerate(states_raw):
            name = _str(_map(raw).get("name"))
            if name is None or name in seen:
                continue
            seen.add(name)
            path = ("states", index)
            final = _map(raw).get("final") is True
            if reach_known and name not in reached:
                self.problem("state.unreachable", path, name=name, start=start.state)
            # a `final` that is not true or false is reported; whether it may end here is unknown
            final_known = isinstance(_map(raw).get("final", False), bool)
            if exits_known and final_known and not final and name not in first_exit:
                self.problem("state.dead_end", path, name=name)
            if final and name in first_exit:
                self.problem("state.final_exit", path, name=name, transition=first_exit[name])

    def check_never_fires(self, transitions_raw: list, states: list, timers: list) -> None:
        if not self.states_listed:
            return  # the approvals that fire transitions are in the states, which are reported
        used = {t.fire for t in timers if t and t.fire}
        for raw in _list(_map(self.doc).get("states")):
            for task in _list(_map(raw).get("tasks")):
                used.update(n for n in (_map(task).get("approved"), _map(task).get("rejected")) if isinstance(n, str))
        for index, raw in enumerate(transitions_raw):
            raw = _map(raw)
            name = _str(raw.get("name"))
            if name and not _list(raw.get("roles")) and name not in used:
                self.problem("transition.never_fires", ("transitions", index), name=name)

"""The structured editor's edits: what a business admin asks for, as changes to the flow's overrides.

Each function takes the flow as saved (the effective document: template + the stored
overrides) and what the admin chose in a form, and returns the `Edit`s that say it in
the overrides' own terms (docs/versions.md). `apply` writes them into the overrides
text, comments kept, and saves the result only if the whole flow still validates, so
the YAML view and the forms always show the same overrides.

Names of new states, steps, tasks, roles and fields are made from their English title
(`Legal review` → `legal_review`): the admin never types a code.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from definitions import Problem
from definitions.override_text import Edit, apply_edits
from kernel.models import Project

from . import versions

FIELD_TYPES: dict[str, dict] = {
    "text": {"type": "string", "maxLength": 200},
    "long_text": {"type": "string", "maxLength": 2000},
    "integer": {"type": "integer"},
    "decimal": {"type": "string", "format": "decimal"},
    "money": {"type": "string", "format": "money"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
    "choice": {"type": "string"},
}
DURATION_UNITS = {"minutes": "m", "hours": "h", "days": "d", "weeks": "w"}


def title(zh: str, en: str) -> dict:
    return {"zh": zh.strip(), "en": en.strip()}


def duration_text(amount: int, unit: str) -> str:
    """3 and "days" as the overrides write it: `3d`."""
    return f"{int(amount)}{DURATION_UNITS[unit]}"


def duration_parts(value: object) -> tuple[int, str] | None:
    """A literal duration as (amount, unit) in the largest unit it is a whole number of; None for a setting or field."""
    if not isinstance(value, timedelta):
        return None
    seconds = int(value.total_seconds())
    for unit, size in (("weeks", 604800), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0:
            return seconds // size, unit
    return max(1, seconds // 60), "minutes"


def make_name(english: str, taken: Iterable[str], prefix: str) -> str:
    """A code for a new item from its English title, unique among `taken` (`Legal review` → `legal_review`)."""
    base = re.sub(r"[^a-z0-9]+", "_", english.lower()).strip("_")[:40].strip("_")
    if not base or not base[0].isalpha():
        base = f"{prefix}_{base}" if base else prefix
    taken = set(taken)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _named(document: Mapping, key: str) -> dict[str, Mapping]:
    return {item["name"]: item for item in document.get(key) or ()}


def state_of(document: Mapping, name: str) -> Mapping:
    found = _named(document, "states").get(name)
    if found is None:
        raise LookupError(f"no state {name!r}")
    return found


def transition_of(document: Mapping, name: str) -> Mapping:
    found = _named(document, "transitions").get(name)
    if found is None:
        raise LookupError(f"no transition {name!r}")
    return found


def all_names(document: Mapping) -> set[str]:
    """Every name in the flow, so a new one never equals an old one of any kind."""
    names = set(_named(document, "states")) | set(_named(document, "transitions")) | set(_named(document, "timers"))
    names |= set(_named(document, "roles"))
    for state in document.get("states") or ():
        names |= {t["name"] for t in state.get("tasks") or ()}
    return names


def field_names(document: Mapping) -> list[str]:
    entity = document.get("entity")
    schema = entity.get("schema", {}) if isinstance(entity, Mapping) else {}
    return list(schema.get("properties", {}))


# --- the edits ------------------------------------------------------------------------------

def rename(document: Mapping, target: str, names: Sequence[str], zh: str, en: str) -> list[Edit]:
    """A new title (both languages) for the flow, a state, a step or a task (`names`: the state, then the task)."""
    value = title(zh, en)
    if target == "flow":
        return [Edit(("title",), value)]
    if target == "state":
        state_of(document, names[0])
        return [Edit(("states", names[0], "title"), value)]
    if target == "transition":
        transition_of(document, names[0])
        return [Edit(("transitions", names[0], "title"), value)]
    if target == "task":
        _task(document, names[0], names[1])
        return [Edit(("states", names[0], "tasks", names[1], "title"), value)]
    raise LookupError(f"nothing called {target!r} has a title")


def _task(document: Mapping, state: str, task: str) -> Mapping:
    found = next((t for t in state_of(document, state).get("tasks") or () if t["name"] == task), None)
    if found is None:
        raise LookupError(f"no task {task!r} in {state!r}")
    return found


def deadline(document: Mapping, state: str, task: str | None, after: str | None,
             escalate_to: Sequence[str]) -> list[Edit]:
    """A state's (or one task's) deadline: `after` None removes it; no escalation roles: nobody is told."""
    base: tuple[str, ...] = ("states", state) if task is None else ("states", state, "tasks", task)
    if task is None:
        state_of(document, state)
    else:
        _task(document, state, task)
    if after is None:
        return [Edit(base + ("deadline",), None)]
    # null removes an escalation the template had; a merge patch would keep it otherwise
    return [Edit(base + ("deadline",), {"after": after, "escalate_to": list(escalate_to) or None})]


def approval(document: Mapping, state: str, task: str | None, zh: str, en: str, roles: Sequence[str],
             require: str | int, approved: str, rejected: str) -> list[Edit]:
    """Add an approval to a state (`task` None) or change one: who votes, how many must agree, where each outcome leads."""
    state_of(document, state)
    name = task or make_name(en, all_names(document), "approval")
    if task is not None:
        _task(document, state, task)
    return [Edit(("states", state, "tasks", name), {
        "title": title(zh, en), "kind": "approval", "roles": list(roles), "require": require,
        "approved": approved, "rejected": rejected})]


def step_roles(document: Mapping, transition: str, roles: Sequence[str]) -> list[Edit]:
    transition_of(document, transition)
    return [Edit(("transitions", transition, "roles"), list(roles))]


def timer(document: Mapping, name: str, after: str, escalate_to: Sequence[str] | None) -> list[Edit]:
    """When a timer goes off, and (for one that escalates) to whom."""
    found = _named(document, "timers").get(name)
    if found is None:
        raise LookupError(f"no timer {name!r}")
    edits = [Edit(("timers", name, "after"), after)]
    if escalate_to is not None and "escalate_to" in found:
        edits.append(Edit(("timers", name, "escalate_to"), list(escalate_to)))
    return edits


def new_role(document: Mapping, zh: str, en: str) -> tuple[str, list[Edit]]:
    """A role of this flow's own (法务 / Legal), for owners and steps: (its name, the edit declaring it)."""
    name = make_name(en, all_names(document) | _standard_roles(), "role")
    return name, [Edit(("roles", name), {"title": title(zh, en)})]


def _standard_roles() -> set[str]:
    from definitions.roles import STANDARD_ROLE_NAMES

    return set(STANDARD_ROLE_NAMES)


def insert_state(document: Mapping, transition: str, *, zh: str, en: str, owners: Sequence[str],
                 task_zh: str, task_en: str, leave_zh: str, leave_en: str, leave_roles: Sequence[str],
                 role: tuple[str, str] | None = None, back: tuple[str, str] | None = None,
                 actions_after: bool = False) -> list[Edit]:
    """A new state on a step's way: the step now leads to it, and a new step leads on to where it went.

    The new state's task is the work done there, and the new step (with its roles) leaves
    it for the old destination. `actions_after`: the step's actions (holding the unit,
    starting the next record …) move to the new step, so they happen once the new state
    is passed (a review before the effect); else they stay where they were. `back` (zh, en)
    adds a step from the new state back to where the step came from (a rejection), taken
    by the same roles. `role` (zh, en) declares a role of the flow's own, given to the
    owners and the new steps.
    """
    step = transition_of(document, transition)
    target = step.get("to")
    if not isinstance(target, str) or target == step.get("from"):
        raise LookupError(f"{transition!r} does not lead to one other state")
    edits: list[Edit] = []
    owners, leave_roles = list(owners), list(leave_roles)
    taken = all_names(document)
    if role is not None:
        role_name, declared = new_role(document, *role)
        taken.add(role_name)
        edits += declared
        owners.append(role_name)
        leave_roles.append(role_name)
    state = make_name(en, taken, "state")
    taken.add(state)
    task = make_name(task_en or en, taken, "task")
    taken.add(task)
    leave = make_name(leave_en, taken, "step")
    state_value: dict = {"title": title(zh, en), "owners": owners}
    if task_zh.strip() or task_en.strip():
        state_value["tasks"] = {task: {"title": title(task_zh or zh, task_en or en)}}
    leaving: dict = {"title": title(leave_zh, leave_en), "from": state, "to": target, "roles": leave_roles}
    edits += [Edit(("states", state), state_value), Edit(("transitions", transition, "to"), state)]
    if actions_after and step.get("actions"):
        leaving["actions"] = step["actions"]
        edits.append(Edit(("transitions", transition, "actions"), None))
    edits.append(Edit(("transitions", leave), leaving))
    source = step.get("from")
    if back is not None and isinstance(source, str) and source != "*":
        taken.add(leave)
        edits.append(Edit(("transitions", make_name(back[1], taken, "step")),
                          {"title": title(*back), "from": state, "to": source, "roles": leave_roles}))
    return edits


def add_field(document: Mapping, *, zh: str, en: str, kind: str, options: Sequence[tuple[str, str]],
              transition: str | None, required: bool) -> tuple[str, list[Edit]]:
    """A new field of the record (type, choices with titles), optionally asked, and required, from a step on."""
    name = make_name(en, field_names(document), "field")
    spec = dict(FIELD_TYPES[kind], title=en.strip(), **{"x-title-zh": zh.strip()})
    if kind == "choice":
        codes: list[str] = []
        for _zh, option_en in options:
            codes.append(make_name(option_en, codes, "option"))
        spec["enum"] = codes
        spec["x-enum-titles"] = {code: title(o_zh, o_en) for code, (o_zh, o_en) in zip(codes, options, strict=True)}
    edits = [Edit(("entity", "schema", "properties", name), spec)]
    if transition is not None:
        edits += form_field(document, transition, name, required)
    return name, edits


def form_field(document: Mapping, transition: str, field: str, required: bool) -> list[Edit]:
    """Ask for `field` in a step's form (required or not): the fields and required lists are replaced whole."""
    form = transition_of(document, transition).get("form") or {}
    fields = [f for f in form.get("fields") or () if f != field] + [field]
    needed = [f for f in form.get("required") or () if f != field] + ([field] if required else [])
    return [Edit(("transitions", transition, "form", "fields"), fields),
            Edit(("transitions", transition, "form", "required"), needed)]


def apply(project: Project, flow: str, edits: Sequence[Edit]) -> list[Problem]:
    """Write the edits into the project's overrides of `flow` and save them if the flow validates; else the problems."""
    problems, _ = versions.edit_overrides(project, flow, lambda text, data: apply_edits(text, data, edits))
    return problems

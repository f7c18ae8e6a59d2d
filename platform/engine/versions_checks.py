"""Checks that see across flows and running records, at check and publish time (issue 20, item 2).

A version on its own can be valid and still break work that is running: another flow
starts this one without a field its start now requires (a reservation converting to a
subscription), records already running lack a newly required field, records sit in a
state the version no longer has. `findings(project, flow, definition)` lists each with
the flows and the number of records concerned; `publish` refuses while a blocking one
is unresolved (see `engine.versions.publish`, `choices`).

A second check, `unread_settings(project)`, names the project settings nothing reads:
no flow of the project (an expression `project.<name>` or a duration `{setting: name}`)
and no code of the installation (`CODE_READERS`).

Messages go through gettext; a finding is rendered in the language asked for.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from definitions import DefinitionError
from definitions.model import FlowDefinition, Text, Transition
from kernel.models import Project
from kernel.settings_schema import project_settings_schema

from .loaded import definition_by_id, definition_of
from .models import FlowVersion, Record, VersionStatus

LINK_IN = "link_in"            # a linking flow does not supply what this version's start requires
LINK_OUT = "link_out"          # this version starts another flow without what that one requires
NEWLY_REQUIRED = "newly_required"  # running records lack a field required from this version on
STATE_REMOVED = "state_removed"    # running records are in a state this version has not
SETTING_UNREAD = "setting_unread"  # a project setting nothing reads

NEW_ONLY = "new_only"  # a choice for a newly required field: required of new records only

_TEXTS = {
    LINK_IN: gettext_noop(
        "“%(linking)s” starts “%(flow)s” in its step “%(step)s” without %(fields)s, which this version requires "
        "at the start; running records of “%(linking)s” that may take that step: %(count)s. Supply the fields "
        "in that step, or do not require them at the start."),
    LINK_OUT: gettext_noop(
        "This version starts “%(linking)s” in its step “%(step)s” without %(fields)s, which “%(linking)s” "
        "requires at the start: every record taking that step would be refused."),
    NEWLY_REQUIRED: gettext_noop(
        "“%(name)s” is required from this version on; running records lacking it: %(count)s (versions "
        "%(versions)s). Choose to give them a default value, or to require it of new records only."),
    STATE_REMOVED: gettext_noop(
        "This version has no state “%(name)s”; running records in it: %(count)s (versions %(versions)s). They "
        "stay on their version until they are moved with the state mapped to another."),
    SETTING_UNREAD: gettext_noop(
        "The project setting “%(name)s” is read by no flow of this project and by nothing else: changing it "
        "changes nothing."),
}
_CHOSEN = {
    NEW_ONLY: gettext_noop("“%(name)s”: required of new records only; running records keep their version."),
    "default": gettext_noop("“%(name)s”: records lacking it are given %(value)s when they move to this version."),
}


@dataclass(frozen=True)
class Finding:
    """One thing a publish would do to running work, with the flows and the records it concerns."""

    kind: str
    flow: str                   # the flow being checked
    name: str = ""              # the field, state or setting concerned
    flows: tuple[str, ...] = ()  # the flows concerned (the linking one, or this one)
    records: int = 0            # running records concerned
    blocking: bool = True       # publish refuses it unless resolved by a choice
    params: Mapping[str, object] = field(default_factory=dict)  # str, Text or a list of Text/str
    chosen: str | None = None   # for NEWLY_REQUIRED, the admin's choice (NEW_ONLY or "default")

    def message(self, lang: str | None = "en") -> str:
        lang = "zh-hans" if (lang or "").startswith("zh") else "en"
        with translation.override(lang):
            values: dict[str, object] = {key: _words(value, lang) for key, value in self.params.items()}
            values.setdefault("count", self.records)
            text = gettext(_TEXTS[self.kind]) % values
            if self.chosen is not None:
                text += " " + gettext(_CHOSEN[self.chosen]) % values
            return text


def _words(value: object, lang: str) -> str:
    if isinstance(value, Text):
        return value.get(lang)
    if isinstance(value, (list, tuple)):
        parts = [_words(v, lang) for v in value]
        return "、".join(f"“{p}”" for p in parts) if lang.startswith("zh") else ", ".join(f"“{p}”" for p in parts)
    return str(value)


def _field_title(definition: FlowDefinition, name: str) -> Text:
    spec = definition.entity.schema.get("properties", {}).get(name, {})
    en = spec.get("title") if isinstance(spec, Mapping) else None
    zh = spec.get("x-title-zh") if isinstance(spec, Mapping) else None
    return Text(zh=zh or en or name, en=en or name)


def _step_title(definition: FlowDefinition, transition) -> Text:
    return transition.title or Text(zh=transition.name, en=transition.name)


def required_at_start(definition: FlowDefinition) -> set[str]:
    """What a record of this flow must be given when it is started (by a person or by another flow)."""
    required = set(definition.start.form.required) if definition.start.form else set()
    if not definition.state(definition.start.state).partial:
        required |= set(definition.entity.schema.get("required", ()))
    return required


def links_to(definition: FlowDefinition, target: str) -> list[tuple[Transition, set[str]]]:
    """The transitions of `definition` that start a `target` record, each with the fields it supplies."""
    out: list[tuple[Transition, set[str]]] = []
    for transition in definition.transitions:
        for call in transition.actions:
            if call.action == "record.start_linked" and call.args.get("flow") == target:
                data = call.args.get("data")
                out.append((transition, set(data) if isinstance(data, Mapping) else set()))
    return out


def _started_flows(definition: FlowDefinition) -> set[str]:
    """The flows whose records a step of `definition` starts (`record.start_linked` with a flow named)."""
    out: set[str] = set()
    for transition in definition.transitions:
        for call in transition.actions:
            target = call.args.get("flow")
            if call.action == "record.start_linked" and isinstance(target, str):
                out.add(target)
    return out


def _running(project: Project, flows: list[str] | None = None) -> dict[tuple[str, int], dict[str, int]]:
    """Open records per (flow, version id) and state: one query."""
    query = Record.objects.filter(project=project, is_closed=False)
    if flows is not None:
        query = query.filter(flow__in=flows)
    counts: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for flow, version_id, state, n in query.values_list("flow", "version_id", "state").annotate(n=Count("id")):
        counts[(flow, version_id)][state] = n
    return counts


def findings(project: Project, flow: str, definition: FlowDefinition) -> list[Finding]:
    """Everything publishing `definition` as the project's next version of `flow` would do to running work."""

    published = {v.flow: v for v in FlowVersion.objects.filter(project=project, status=VersionStatus.PUBLISHED)
                 .select_related("project")}
    running = _running(project)
    numbers: dict[int, int] = dict(FlowVersion.objects.filter(project=project, pk__in={pk for _, pk in running})
                   .values_list("pk", "number"))
    out: list[Finding] = []

    # (a) flows that start this one: each version with running records, and the published one
    required = required_at_start(definition)
    linking: dict[tuple[str, int], FlowDefinition] = {}
    for other, version in published.items():
        if other != flow:
            linking[(other, version.pk)] = definition_of(version)
    for other, version_id in running:
        if other != flow and (other, version_id) not in linking:
            try:
                linking[(other, version_id)] = definition_by_id(version_id)
            except DefinitionError:
                continue  # an old version that no longer builds (an action since removed): its records fail anyway
    # one finding per linking step and missing fields, its records summed over the versions having that step
    # (the first version seen having the step gives its titles)
    linked: dict[tuple[str, str, frozenset[str]], tuple[FlowDefinition, Transition]] = {}
    counted: dict[tuple[str, str, frozenset[str]], int] = defaultdict(int)
    for (other, version_id), source in linking.items():
        states = running.get((other, version_id), {})
        for transition, supplied in links_to(source, flow):
            missing = frozenset(required - supplied)
            if missing:
                key = (other, transition.name, missing)
                linked.setdefault(key, (source, transition))
                counted[key] += sum(states.get(s, 0) for s in transition.sources)
    for (other, _, missing), (source, transition) in linked.items():
        count = counted[(other, transition.name, missing)]
        out.append(Finding(LINK_IN, flow, ",".join(sorted(missing)), (other, flow), count, params={
            "linking": source.title, "flow": definition.title, "step": _step_title(source, transition),
            "fields": [_field_title(definition, f) for f in sorted(missing)]}))

    # (a) flows this version starts, as they are published (this one itself, if it starts itself)
    for target in sorted(_started_flows(definition)):
        target_definition = definition if target == flow else (
            definition_of(published[target]) if target in published else None)
        if target_definition is None:
            continue  # not published: the step is refused at run time as it is today, saying so
        for transition, supplied in links_to(definition, target):
            unsupplied = required_at_start(target_definition) - supplied
            if unsupplied:
                out.append(Finding(LINK_OUT, flow, ",".join(sorted(unsupplied)), (flow, target), 0, params={
                    "linking": target_definition.title, "step": _step_title(definition, transition),
                    "fields": [_field_title(target_definition, f) for f in sorted(unsupplied)]}))

    # (b) fields required from now on that running records lack, and (c) states they are in that are gone
    current = published.get(flow)
    mine = {version_id: states for (other, version_id), states in running.items() if other == flow}
    if current is not None:
        before = set(definition_of(current).entity.schema.get("required", ()))
        for name in [n for n in definition.entity.schema.get("required", ()) if n not in before]:
            lacking = Record.objects.filter(project=project, flow=flow, is_closed=False).filter(
                ~Q(data__has_key=name) | Q(**{f"data__{name}": None}) | Q(**{f"data__{name}": ""}))
            per_version = dict(lacking.values_list("version_id").annotate(n=Count("id")))
            count = sum(per_version.values())
            if count:
                out.append(Finding(NEWLY_REQUIRED, flow, name, (flow,), count, params={
                    "name": _field_title(definition, name),
                    "versions": ", ".join(f"v{numbers[v]}" for v in sorted(per_version, key=lambda v: numbers[v]))}))
    states_now = {s.name for s in definition.states}
    gone: dict[str, dict[int, int]] = defaultdict(dict)
    for version_id, states in mine.items():
        for state, n in states.items():
            if state not in states_now:
                gone[state][version_id] = n
    for state, per_version in sorted(gone.items()):
        title = _state_title(per_version, state, definition_by_id)
        out.append(Finding(STATE_REMOVED, flow, state, (flow,), sum(per_version.values()), blocking=False, params={
            "name": title, "versions": ", ".join(f"v{numbers[v]}" for v in sorted(per_version, key=lambda v: numbers[v]))}))
    return out


def _state_title(per_version: Mapping[int, int], state: str, definition_by_id) -> Text:
    """The state's title as the latest version that had it says it."""
    for version_id in sorted(per_version, reverse=True):
        try:
            return definition_by_id(version_id).state(state).title
        except (KeyError, DefinitionError):
            continue
    return Text(zh=state, en=state)


def resolve(found: list[Finding], choices: Mapping[str, object] | None) -> list[Finding]:
    """The findings with the admin's choices applied: a newly required field with a choice no longer blocks.

    `choices[field]` is NEW_ONLY or {"default": value}.
    """
    choices = choices or {}
    out = []
    for f in found:
        choice = choices.get(f.name) if f.kind == NEWLY_REQUIRED else None
        if choice == NEW_ONLY:
            f = Finding(f.kind, f.flow, f.name, f.flows, f.records, False, f.params, NEW_ONLY)
        elif isinstance(choice, Mapping) and "default" in choice:
            f = Finding(f.kind, f.flow, f.name, f.flows, f.records, False,
                        {**f.params, "value": _shown(choice["default"])}, "default")
        out.append(f)
    return out


def typed_default(spec: Mapping, text: str) -> object:
    """A default typed in a form, as the field's type reads it: a whole number, a number, yes/no, else the text.

    A text that is not of the field's type is kept as text, so the check of the default
    against the field (at publish) says what is wrong with it.
    """
    text = text.strip()
    types = spec.get("type") if isinstance(spec, Mapping) else None
    types = {types} if isinstance(types, str) else set(types or ())
    try:
        if "integer" in types and re.fullmatch(r"-?\d+", text):
            return int(text)
        if "number" in types and Decimal(text).is_finite():
            return Decimal(text)
    except InvalidOperation:
        return text
    if "boolean" in types and text.lower() in {"true", "false", "yes", "no", "是", "否"}:
        return text.lower() in {"true", "yes", "是"}
    return text


def _shown(value: object) -> str:
    return f"“{value}”" if isinstance(value, str) else str(value)


# Settings read by code rather than by a flow, with the module reading them (a test checks
# that each module names its setting, so the list cannot silently go stale).
CODE_READERS: dict[str, str] = {
    "queue_numbers_per_customer": "kernel/queue.py",
    "dunning_days_ahead": "kernel/dunning.py",
    "protection_days": "kernel/customers.py",
    "time_zone": "kernel/models/projects.py",
    "source_types": "kernel/visits.py",
    "opportunity_stages": "kernel/followups.py",
    "protection_bound_roles": "kernel/protection.py",
    "consultants_see_colleagues_records": "engine/runtime/visibility.py",
    "customer_changes_need_approval": "kernel/revisions.py",
}

_PROJECT_NAME = re.compile(r"\bproject\.([A-Za-z_][A-Za-z0-9_]*)")
_SETTING_NAME = re.compile(r'"setting"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"')


def settings_read_by(contents: list[str]) -> set[str]:
    """The settings the flows' documents (canonical JSON) read: in expressions, and as durations."""
    read: set[str] = set()
    for content in contents:
        read.update(_PROJECT_NAME.findall(content))
        read.update(_SETTING_NAME.findall(content))
    return read


def unread_settings(project: Project) -> list[Finding]:
    """The project settings that neither a published flow of the project nor any code reads."""
    contents = list(FlowVersion.objects.filter(project=project, status=VersionStatus.PUBLISHED)
                    .values_list("content", flat=True))
    read = settings_read_by(contents) | set(CODE_READERS)
    properties = project_settings_schema().get("properties", {})
    out = []
    for name, spec in properties.items():
        if name in read:
            continue
        title = Text(zh=spec.get("x-title-zh") or spec.get("title") or name, en=spec.get("title") or name)
        out.append(Finding(SETTING_UNREAD, "", name, (), 0, blocking=False, params={"name": title}))
    return out

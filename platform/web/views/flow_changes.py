"""What a publish would change, in the admin's words: states, steps, tasks, timers and fields by their titles.

The technical diff (`definitions.diff`, paths and values) stays for implementers; this list is
what a business admin checks before publishing: 状态「保留中」改名为「锁定保留中」, 新增审批「转认购会签」
（销售经理、财务，全部同意）…, each line from comparing the published definition with the saved one.
"""
from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from definitions.model import FlowDefinition
from definitions.roles import role_title_map

from .common import lang, text
from .flow_words import kind_words, words_after


def _field_title(spec: Mapping, name: str) -> str:
    return (spec.get("x-title-zh") if lang().startswith("zh") else spec.get("title")) or spec.get("title") or name


def _join(items) -> str:
    return ("、" if lang().startswith("zh") else ", ").join(items) or _("nobody")


def _after(deadline) -> str:
    return words_after(deadline.after, {}) if deadline else _("none")


def changes_in_words(old: FlowDefinition | None, new: FlowDefinition) -> list[str]:
    """Every change from `old` (the published version; None: nothing published) to `new`, one line each."""
    if old is None:
        return [_("The flow is published for the first time.")]
    roles = role_title_map(lang(), (*old.roles, *new.roles))

    def who(names) -> str:
        return _join(roles.get(n, n) for n in names)

    out: list[str] = []
    if old.title != new.title:
        out.append(_("The flow is renamed “%(old)s” → “%(new)s”.") % {"old": text(old.title), "new": text(new.title)})
    for role in new.roles:
        if role.name not in {r.name for r in old.roles}:
            out.append(_("New role “%(role)s”.") % {"role": roles[role.name]})
    old_states = {s.name: s for s in old.states}
    new_states = {s.name: s for s in new.states}
    state_title = {**{n: text(s.title) for n, s in old_states.items()}, **{n: text(s.title) for n, s in new_states.items()}}
    for name, state in new_states.items():
        before = old_states.get(name)
        if before is None:
            out.append(_("New state “%(state)s”, worked on by %(roles)s.") % {"state": text(state.title),
                                                                           "roles": who(state.owners)})
            for task in state.tasks:
                out.append(_("  with the task “%(task)s”") % {"task": text(task.title, task.name)})
            continue
        here = {"state": text(state.title)}
        if before.title != state.title:
            out.append(_("State “%(old)s” is renamed “%(new)s”.") % {"old": text(before.title), "new": text(state.title)})
        if before.owners != state.owners:
            out.append(_("“%(state)s” is worked on by %(new)s (was %(old)s).") % {
                **here, "new": who(state.owners), "old": who(before.owners)})
        if before.deadline != state.deadline:
            out.append(_("Deadline of “%(state)s”: %(new)s (was %(old)s).") % {
                **here, "new": _deadline_words(state.deadline, who), "old": _deadline_words(before.deadline, who)})
        out += _task_changes(before, state, here, who, new)
    for name in old_states.keys() - new_states.keys():
        out.append(_("State “%(state)s” is removed.") % {"state": state_title[name]})
    out += _step_changes(old, new, state_title, who)
    out += _timer_changes(old, new, who)
    out += _field_changes(old, new)
    return out


def _deadline_words(deadline, who) -> str:
    if deadline is None:
        return _("none")
    said = _after(deadline)
    if deadline.escalate_to:
        said += _(", then %(roles)s told") % {"roles": who(deadline.escalate_to)}
    return said


def _require(task) -> str:
    if task.require == "any":
        return _("one approval is enough")
    if task.require in ("all", None):
        return _("everyone asked must approve")
    return _("%(n)s approvals needed") % {"n": task.require}


def _task_changes(before, state, here, who, new) -> list[str]:
    out = []
    old_tasks = {t.name: t for t in before.tasks}
    steps = {t.name: text(t.title, t.name) for t in new.transitions}
    for task in state.tasks:
        was = old_tasks.get(task.name)
        said = {**here, "task": text(task.title, task.name)}
        if was is None and task.kind == "approval":
            out.append(_("New approval “%(task)s” in “%(state)s”: %(roles)s, %(require)s; approved: %(yes)s, "
                         "rejected: %(no)s.") % {**said, "roles": who(task.roles), "require": _require(task),
                                                  "yes": steps.get(task.approved or "", ""),
                                                  "no": steps.get(task.rejected or "", "")})
        elif was is None:
            out.append(_("New task “%(task)s” in “%(state)s”, for %(roles)s.") % {**said, "roles": who(task.roles)})
        else:
            if was.title != task.title:
                out.append(_("Task “%(old)s” is renamed “%(task)s”.") % {**said, "old": text(was.title, was.name)})
            if (was.roles, was.require, was.approved, was.rejected) != (task.roles, task.require, task.approved,
                                                                         task.rejected):
                out.append(_("“%(task)s” now: %(roles)s, %(require)s.") % {
                    **said, "roles": who(task.roles), "require": _require(task) if task.kind == "approval" else ""})
    for name in old_tasks.keys() - {t.name for t in state.tasks}:
        out.append(_("Task “%(task)s” is removed from “%(state)s”.") % {
            **here, "task": text(old_tasks[name].title, name)})
    return out


def _step_changes(old, new, state_title, who) -> list[str]:
    out = []
    old_steps = {t.name: t for t in old.transitions}
    fields = {**_titles(old), **_titles(new)}
    for t in new.transitions:
        was = old_steps.get(t.name)
        said = {"step": text(t.title, t.name), "to": " / ".join(state_title.get(b.state, b.state) for b in t.targets),
                "from": _join(state_title.get(s, s) for s in t.sources)}
        if was is None:
            out.append(_("New step “%(step)s” from “%(from)s” to “%(to)s”, taken by %(roles)s.") % {
                **said, "roles": who(t.roles) if t.roles else _("a timer or an approval")})
            continue
        if was.title != t.title:
            out.append(_("Step “%(old)s” is renamed “%(step)s”.") % {**said, "old": text(was.title, was.name)})
        if _routes(was) != _routes(t):
            out.append(_("“%(step)s” now leads to “%(to)s”.") % said)
        if was.roles != t.roles:
            out.append(_("“%(step)s” is taken by %(new)s (was %(old)s).") % {
                **said, "new": who(t.roles), "old": who(was.roles)})
        if len(was.actions) != len(t.actions):
            out.append(_("“%(step)s” does %(n)s things when taken (was %(old)s).") % {
                **said, "n": len(t.actions), "old": len(was.actions)})
        asked_before = set(was.form.fields) if was.form else set()
        asked = set(t.form.fields) if t.form else set()
        needed_before = set(was.form.required) if was.form else set()
        needed = set(t.form.required) if t.form else set()
        for name in sorted(asked - asked_before):
            words = _("“%(step)s” asks for “%(field)s” (required).") if name in needed else _(
                "“%(step)s” asks for “%(field)s”.")
            out.append(words % {**said, "field": fields.get(name, name)})
        for name in sorted((needed - needed_before) & asked_before):
            out.append(_("“%(field)s” becomes required in “%(step)s”.") % {**said, "field": fields.get(name, name)})
    for name in old_steps.keys() - {t.name for t in new.transitions}:
        out.append(_("Step “%(step)s” is removed.") % {"step": text(old_steps[name].title, name)})
    return out


def _routes(t) -> list[tuple[str, str]]:
    """Where a step leads, comparable across two builds (a branch's condition by its text)."""
    return [(b.state, b.when.source if b.when else "") for b in t.targets]


def _titles(definition) -> dict[str, str]:
    return {n: _field_title(spec, n) for n, spec in definition.entity.schema.get("properties", {}).items()}


def _timer_changes(old, new, who) -> list[str]:
    out = []
    before = {t.name: t for t in old.timers}
    for timer in new.timers:
        was = before.get(timer.name)
        if was is not None and (was.after, was.escalate_to) != (timer.after, timer.escalate_to):
            out.append(_("A timer of “%(state)s” now goes off after %(new)s (was %(old)s).") % {
                "state": text(new.state(timer.state).title), "new": words_after(timer.after, {}),
                "old": words_after(was.after, {})}
                + (" " + _("It tells %(roles)s.") % {"roles": who(timer.escalate_to)} if timer.escalate_to else ""))
    return out


def _field_changes(old, new) -> list[str]:
    out = []
    old_props = old.entity.schema.get("properties", {})
    for name, spec in new.entity.schema.get("properties", {}).items():
        if name not in old_props:
            line = _("New field “%(field)s” (%(kind)s).") % {"field": _field_title(spec, name),
                                                               "kind": kind_words(spec)}
            titles = spec.get("x-enum-titles") or {}
            if titles:
                line += " " + _("Choices: %(choices)s.") % {"choices": _join(text_of(t) for t in titles.values())}
            out.append(line)
        elif _field_title(old_props[name], name) != _field_title(spec, name):
            out.append(_("Field “%(old)s” is renamed “%(new)s”.") % {"old": _field_title(old_props[name], name),
                                                                    "new": _field_title(spec, name)})
    return out


def text_of(title: Mapping) -> str:
    return title.get("zh" if lang().startswith("zh") else "en", "")

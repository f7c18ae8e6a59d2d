"""A flow definition as a Mermaid diagram and a Markdown page, generated, never drawn by hand."""
from __future__ import annotations

from .durations import DurationRef
from .model import FlowDefinition, State, Task
from .roles import STANDARD_ROLES

_OTHERWISE = {"zh": "其他情况", "en": "otherwise"}


def mermaid(definition: FlowDefinition, lang: str | None = None) -> str:
    """The flow as a Mermaid state diagram.

    Without `lang` (the generated docs) states carry both titles and steps their names, for
    implementers; with `lang` (the studio page) states and steps read by their titles in
    that language only, as the admin knows them.
    """
    lines = ["stateDiagram-v2"]
    for state in definition.states:
        shown = _label(state.title.get(lang)) if lang else f"{_label(state.title.zh)}<br/>{_label(state.title.en)}"
        lines.append(f'    state "{shown}" as {state.name}')
    lines.append(f"    [*] --> {definition.start.state}")
    timer_fired = {t.fire: t for t in definition.timers if t.fire}
    approvals = {task.approved: task for s in definition.states for task in s.tasks if task.approved}
    approvals.update({task.rejected: task for s in definition.states for task in s.tasks if task.rejected})
    for t in definition.transitions:
        label = _label(t.title.get(lang)) if lang and t.title else t.name
        if t.name in timer_fired:
            after = timer_fired[t.name].after
            if lang:  # in words, not a glyph a phone may lack: （1天后自动） / (automatic after 1 day)
                words = _after_words(after, lang)
                label += f"（{words}后自动）" if lang.startswith("zh") else f" (automatic after {words})"
            else:
                label += f" ⏱ {_duration(after, lang)}"
        elif t.name in approvals:
            label += " ✔" if approvals[t.name].approved == t.name else " ✘"
        if not t.routed:
            for source in t.sources:
                lines.append(f"    {source} --> {t.to}: {label}")
            continue
        # Guarded branches: a choice node (BPMN's exclusive gateway), one labelled edge per
        # branch. Flow names start with a letter, so `_route_…` never clashes with a state.
        choice = f"_route_{t.name}"
        lines.append(f"    state {choice} <<choice>>")
        for source in t.sources:
            lines.append(f"    {source} --> {choice}: {label}")
        for number, branch in enumerate(t.targets, start=1):
            otherwise = _OTHERWISE["en" if (lang or "").startswith("en") else "zh"] if lang else "otherwise"
            if lang and branch.when:  # the studio: the condition is code; its text is in the expert view
                condition = f"condition {number}" if lang.startswith("en") else f"条件 {number}"
            else:
                condition = _label(branch.when.source) if branch.when else otherwise
            lines.append(f"    {choice} --> {branch.state}: {condition}")
    for state in definition.states:
        if state.final:
            lines.append(f"    {state.name} --> [*]")
    if lang:  # the studio: each state's work beside it, by title (approvals ✔, the deadline ⏰)
        lines += _work_notes(definition, lang)
    return "\n".join(lines) + "\n"


def _work_notes(definition: FlowDefinition, lang: str) -> list[str]:
    out = []
    for state in definition.states:
        said = [("✔ " if task.kind == "approval" else "• ") + _label(task.title.get(lang) if task.title else task.name)
                for task in state.tasks]
        if state.deadline is not None:
            said.append(_deadline_words(state.deadline.after, lang))
        if said:
            out += [f"    note right of {state.name}", *(f"        {line}" for line in said), "    end note"]
    return out


# Characters that mean something to Mermaid or to HTML, each drawn as its full-width form.
# Mermaid reads the page's text back as HTML (it decodes entities, and keeps <img> and its
# URL through its sanitiser), so no entity or escape survives it reliably: the character
# itself must not reach it. `"` would end a quoted label, `;` and `:` end or split one,
# `#…;` is an entity code, `%%` a comment or directive, `{}` a block, backticks markdown.
_MERMAID_SAFE = str.maketrans({
    "<": "＜", ">": "＞", "&": "＆", '"': "＂", "#": "＃", ";": "；", ":": "：", "%": "％",
    "{": "｛", "}": "｝", "`": "｀",
})


def _label(text: str) -> str:
    """Definition text (a title, an expression) as Mermaid label text: one line, no markup."""
    return " ".join(text.split()).translate(_MERMAID_SAFE)


def _targets(t) -> str:
    """The `to` column: the state, or each branch with its condition."""
    if not t.routed:
        return t.to
    return "<br/>".join(f"{b.state} if `{b.when.source}`" if b.when else f"{b.state} otherwise" for b in t.targets)


_UNIT_WORDS = (("weeks", 604800, "周", "week"), ("days", 86400, "天", "day"), ("hours", 3600, "小时", "hour"),
               ("minutes", 60, "分钟", "minute"))


def _after_words(after, lang: str) -> str:
    """3天 / 3 days, or where the time is read from."""
    if isinstance(after, DurationRef):
        return _duration(after, lang)
    seconds = int(after.total_seconds())
    n, unit_zh, unit_en = next((seconds // size, z, e) for _, size, z, e in _UNIT_WORDS if seconds % size == 0)
    return f"{n}{unit_zh}" if lang.startswith("zh") else f"{n} {unit_en}{'s' if n != 1 else ''}"


def _deadline_words(after, lang: str) -> str:
    """时限：3天 / due within 3 days (or where the time is read from)."""
    words = _after_words(after, lang)
    return f"时限：{words}" if lang.startswith("zh") else f"due within {words}"


def _duration(delta, lang: str | None = None) -> str:
    if isinstance(delta, DurationRef):
        # the studio's page (lang) reads no setting or field names, only where the time comes from
        if lang:
            zh = lang.startswith("zh")
            if delta.source == "setting":
                return "按项目设置" if zh else "per project setting"
            return "按记录字段" if zh else "per record field"
        return delta.describe()
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _roles(names, titles: dict) -> str:
    return ", ".join(titles.get(n, n) for n in names) or "–"


def _task(task: Task, titles: dict) -> str:
    title = f"{task.title.zh} {task.title.en}" if task.title else task.name
    if task.kind == "approval":
        need = {"all": "all / 会签", "any": "any / 或签"}.get(str(task.require), f"{task.require} of")
        return f"{title} (approval, {need}: {_roles(task.roles, titles)})"
    return f"{title} ({_roles(task.roles, titles)})"


def _state_row(state: State, titles: dict) -> str:
    deadline = f"{_duration(state.deadline.after)} → {_roles(state.deadline.escalate_to, titles)}" if state.deadline else ""
    tasks = "<br/>".join(_task(t, titles) for t in state.tasks)
    kind = "final" if state.final else ("draft" if state.partial else "")
    return f"| `{state.name}` | {state.title.zh} | {state.title.en} | {_roles(state.owners, titles)} | {tasks} | {deadline} | {kind} |"


def markdown(definition: FlowDefinition) -> str:
    d = definition
    titles = {r.name: f"{r.zh} {r.en}" for r in STANDARD_ROLES + d.roles}  # the flow's own roles too
    out = [f"# {d.title.zh} · {d.title.en}", "",
           "<!-- Generated by `python manage.py flows docs`; do not edit by hand. -->", ""]
    if d.description:
        out += [d.description.zh, "", d.description.en, ""]
    out += [f"File: `flows/{d.name}.yaml` · entity: `{d.entity.name}` · references: "
            f"`{d.reference_prefix}-000001` · started by: {_roles(d.start.roles, titles)}", "",
            "## Diagram", "", "```mermaid", mermaid(d).rstrip(), "```", "",
            "## States", "",
            "| state | 中文 | English | owners | tasks | deadline | |", "| --- | --- | --- | --- | --- | --- | --- |"]
    out += [_state_row(s, titles) for s in d.states]
    out += ["", "## Transitions", "", "| transition | from | to | who | guard | actions |",
            "| --- | --- | --- | --- | --- | --- |"]
    for t in d.transitions:
        title = f"{t.title.zh} {t.title.en}" if t.title else ""
        who = _roles(t.roles, titles) if t.roles else "system (approval or timer)"
        guard = f"`{t.guard.source}`" if t.guard else ""
        actions = ", ".join(f"`{a.action}`" + (f" when `{a.when.source}`" if a.when else "") for a in t.actions)
        out.append(f"| `{t.name}` {title} | {', '.join(t.sources)} | {_targets(t)} | {who} | {guard} | {actions} |")
    if d.timers:
        out += ["", "## Timers", "", "| timer | state | after | then |", "| --- | --- | --- | --- |"]
        for timer in d.timers:
            then = f"fire `{timer.fire}`" if timer.fire else f"escalate to {_roles(timer.escalate_to, titles)}"
            out.append(f"| `{timer.name}` | {timer.state} | {_duration(timer.after)} | {then} |")
    roles = sorted({r for s in d.states for r in s.owners} | {r for s in d.states for t in s.tasks for r in t.roles}
                   | {r for t in d.transitions for r in t.roles} | set(d.start.roles))
    out += ["", "## Roles", ""] + [f"- {titles.get(r, r)} (`{r}`)" for r in roles]
    out += ["", "## Entity fields", "", "| field | type | title |", "| --- | --- | --- |"]
    for name, schema in d.entity.schema.get("properties", {}).items():
        kind = schema.get("format") or schema.get("type", "")
        if isinstance(kind, (list, tuple)):
            kind = " or ".join(str(k) for k in kind)
        title = " ".join(x for x in (schema.get("x-title-zh"), schema.get("title")) if x)
        out.append(f"| `{name}` | {kind} | {title} |")
    return "\n".join(out) + "\n"

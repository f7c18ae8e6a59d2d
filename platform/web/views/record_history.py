"""A record's history in words: what was decided and why, by the flow's own titles, never codes."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from definitions.roles import role_title_map
from web.display import Display, Shown, joined, moment

from .common import lang, text


@dataclass
class Entry:
    at: object
    actor: str
    kind: str
    headline: str
    comment: str = ""
    changes: list[tuple[str, Shown, Shown]] = field(default_factory=list)


class Titles:
    """State, transition, task and role titles of one definition, in the user's language."""

    def __init__(self, definition):
        self.definition = definition
        self.tasks = {t.name: t.title for s in definition.states for t in s.tasks}
        self.roles = role_title_map(lang(), definition.roles)

    def state(self, name: str) -> str:
        try:
            return text(self.definition.state(name).title, name)
        except KeyError:
            return name  # a state of an older version the record was moved from

    def transition(self, name: str) -> str:
        try:
            return text(self.definition.transition(name).title, name)
        except KeyError:
            return name

    def task(self, name: str) -> str:
        return text(self.tasks.get(name), name)

    def role(self, name: str) -> str:
        return self.roles.get(name, name)


def _vote_word(decision: str) -> str:
    return _("approved") if decision == "approve" else _("rejected")


def headline(entry, titles: Titles) -> str:
    """One sentence saying what the entry records."""
    d, kind = entry.details or {}, entry.kind
    task = titles.task(d.get("task", ""))
    if kind == "start":
        return _("Started in “%(state)s”") % {"state": titles.state(entry.to_state)}
    if kind == "transition":
        if entry.from_state == entry.to_state:
            return titles.transition(entry.transition)  # a step that stays (a quote, a defect logged)
        return _("%(step)s: %(from)s → %(to)s") % {
            "step": titles.transition(entry.transition), "from": titles.state(entry.from_state),
            "to": titles.state(entry.to_state)}
    if kind == "vote":
        return _("%(task)s: %(decision)s") % {"task": task, "decision": _vote_word(d.get("decision", ""))}
    if kind == "send_back":
        return _("Sent back from “%(from)s” to “%(to)s”") % {
            "from": titles.state(entry.from_state), "to": titles.state(entry.to_state)}
    if kind == "withdraw":
        return _("Withdrawn from “%(from)s” back to “%(to)s”") % {
            "from": titles.state(entry.from_state), "to": titles.state(entry.to_state)}
    if kind == "timer":
        if d.get("refused"):
            return _("Deadline reached; “%(step)s” could not be done automatically") % {
                "step": titles.transition(entry.transition)}
        return _("Deadline reached: %(step)s (%(from)s → %(to)s)") % {
            "step": titles.transition(entry.transition), "from": titles.state(entry.from_state),
            "to": titles.state(entry.to_state)}
    if kind == "escalate":
        roles = joined((titles.role(r) for r in d.get("to", [])), lang())
        return _("Overdue; escalated to %(roles)s") % {"roles": roles}
    if kind == "add_approver":
        who = d.get("user") or titles.role(d.get("role", ""))
        return _("Approver added to “%(task)s”: %(who)s") % {"task": task, "who": who}
    sentences = {
        "complete": _("Completed “%(task)s”"), "claim": _("Claimed “%(task)s”"),
        "unclaim": _("Released “%(task)s”"), "reassign": _("Reassigned “%(task)s” to %(to)s"),
        "transfer": _("Transferred “%(task)s” to %(to)s"), "delegate": _("Delegated “%(task)s” to %(to)s"),
        "return": _("Handed “%(task)s” back to %(to)s"),
        "cancel": _("Cancelled"), "migrate": _("Moved to a new version of the flow"),
    }
    sentence = sentences.get(kind)
    if sentence is None:
        return entry.get_kind_display()
    return sentence % {"task": task, "to": d.get("to", "")}


def entries(history, titles: Titles, display: Display, schema) -> list[Entry]:
    """The page's history entries, newest last, with changed fields by their labels."""
    properties = schema.get("properties", {})
    out = []
    for entry in history:
        changes = []
        for name, pair in (entry.changes or {}).items():
            field_schema = properties.get(name, {})
            old, new = (display.value(field_schema, v, name) for v in pair)
            if old.pairs or old.rows or new.pairs or new.rows:
                old, new = Shown(), Shown(_("updated"))  # a whole quote or table: the summary shows it
            changes.append((display.label(name, field_schema), old, new))
        out.append(Entry(at=moment(entry.at, display.zone), actor=str(entry.actor) if entry.actor else _("system"),
                         kind=entry.kind, headline=headline(entry, titles), comment=entry.comment, changes=changes))
    return out

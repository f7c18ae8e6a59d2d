"""The filters of the list pages (inbox, records): choices in the user's language, parsed back to names.

People pick a flow or a state by its title (认购 / Subscription); the page's query
string carries the names, which nobody types or reads.

Each list's query under its filters is one function next to its page, read by the page
and by its export (views/imports.py), so a download holds exactly what the list shows:
record_list.records_query, inbox.tasks_query, customer_list.registrations_query.
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .common import text

ORDERS = {  # the order select: value -> (sort, descending, label)
    "due": ("due", False, _("Due soonest first")),
    "-due": ("due", True, _("Due latest first")),
    "-created": ("created", True, _("Newest first")),
    "created": ("created", False, _("Oldest first")),
    "reference": ("reference", False, _("Reference, ascending")),
    "-reference": ("reference", True, _("Reference, descending")),
}


def flow_choices(definitions) -> list[tuple[str, str]]:
    """(flow name, title) of these definitions, one per flow, by title."""
    titles: dict[str, str] = {}
    for definition in definitions:
        titles.setdefault(definition.name, text(definition.title, definition.name))
    return sorted(titles.items(), key=lambda item: item[1])


def state_choices(definitions, flow: str | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Groups (flow title, [("flow:state", state title)]) for the state select, one flow's if `flow`."""
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for definition in definitions:
        if definition.name in groups or (flow and definition.name != flow):
            continue
        groups[definition.name] = (text(definition.title, definition.name),
                                   [(f"{definition.name}:{s.name}", text(s.title, s.name)) for s in definition.states])
    return sorted(groups.values())


def parse_state(value: str, flow: str | None) -> tuple[str | None, str | None]:
    """The (flow, state) a state choice names; a state of another flow than the chosen one is dropped."""
    if ":" not in value:
        return flow, None
    state_flow, state = value.split(":", 1)
    if flow and state_flow != flow:
        return flow, None
    return state_flow or flow, state or None


def parse_order(value: str, default: str) -> tuple[str, str, bool]:
    """(order value, sort, descending); an unknown value is the page's default order."""
    key = value if value in ORDERS else default
    sort, descending, _label = ORDERS[key]
    return key, sort, descending

"""The steps a record page offers: one primary step, the others behind "more", destructive ones apart.

Destructive rule (docs: the integrator's decisions): a step is destructive when it is the
flow's `cancel`, or when every state it can lead to is final and is one of the ends
where the business did not happen (cancelled, expired, lost, refunded, withdrawn, the
unit returned, void, rejected). Those steps are shown apart, in red, and only inside a
confirmation dialog.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms as django_forms

from forms import build_form_class

from .common import request_key, text

FAILED_ENDS = frozenset({"cancelled", "expired", "lost", "refunded", "withdrawn", "unit_returned", "void",
                         "rejected"})


@dataclass
class Step:
    name: str
    title: str
    to: str  # the destination's title; empty when the definition routes it by the data
    form: django_forms.Form
    targets: tuple[str, ...]  # the states it may lead to
    key: str
    destructive: bool = False

    @property
    def has_fields(self) -> bool:
        return any(name != "comment" for name in self.form.fields)


def targets(definition, name: str) -> tuple[str, ...]:
    t = definition.transition(name)
    return tuple(getattr(t, "target_states", None) or (t.to,))


def is_destructive(definition, name: str) -> bool:
    if name == "cancel":
        return True
    states = targets(definition, name)
    return all(definition.state(s).final and s in FAILED_ENDS for s in states)


def build_steps(request, record, definition, available, bound: dict, options: dict) -> list[Step]:
    """A Step (with its form: the bound one that failed, or one prefilled from the record) per offered step.

    `options` are the form options of the page (`web.views.lookups.form_options`): the
    pickers' lookups, built once for every step's form.
    """
    schema = definition.entity.schema
    steps = []
    for a in available:
        if not getattr(a, "offered", True):
            continue  # its condition is already false on the record's data
        known = {k: record.data[k] for k in (a.form.fields if a.form else ()) if record.data.get(k) is not None}
        known.update(_first_buyer(schema, a.form, record.data, known))
        form = bound.get(a.name) or build_form_class(schema, a.form, **options)(initial=known, prefix=a.name)
        to = targets(definition, a.name)
        stays = to == (record.state,)  # no arrow to the state the record is already in
        steps.append(Step(
            name=a.name, title=text(a.title, a.name),
            to=text(definition.state(to[0]).title) if len(to) == 1 and not stays else "", form=form, targets=to,
            # a step shown again with its errors keeps the key it was posted with
            key=request_key(request) if a.name in bound else uuid.uuid4().hex,
            destructive=is_destructive(definition, a.name)))
    return steps


def _first_buyer(schema, form, data: dict, known: dict) -> dict:
    """An empty buyers list starts with the customer the record already names: the main buyer is not asked twice."""
    customer = data.get("customer_id")
    out = {}
    for name in (form.fields if form else ()):
        items = (schema.get("properties", {}).get(name, {}).get("items") or {}).get("properties") or {}
        if name not in known and "customer_id" in items and isinstance(customer, int):
            out[name] = [{"customer_id": customer}]
    return out


def split_steps(steps: list[Step], open_tasks, user, state: str) -> tuple[Step | None, list[Step], list[Step]]:
    """(primary, more, destructive).

    The primary is the step the user just submitted with errors (its errors stay in view),
    else the step named like the viewer's task, else the first step that moves the record
    on, else the first. A step that stays in the state (the subscription's quote) leads
    only until a step that moves on is offered: once quoted, 提交认购 is the main action.
    """
    safe = [s for s in steps if not s.destructive]
    danger = [s for s in steps if s.destructive]
    mine = {t.name for t in open_tasks if t.kind == "work" and t.assignee_id in (None, user.pk)}
    primary = next((s for s in safe if s.form.is_bound), None) \
        or next((s for s in safe if s.name in mine), None) \
        or next((s for s in safe if s.targets != (state,)), None) or (safe[0] if safe else None)
    return primary, [s for s in safe if s is not primary], danger

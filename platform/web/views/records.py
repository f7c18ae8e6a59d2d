"""A record's page: summary, the forms of the steps the user may take, history, links."""
from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engine.models import Task, Vote
from engine.runtime import EngineError, InvalidForm, RecordNotFound, approvals, transitions
from engine.runtime.records import visible_record
from engine.versions import definition_for
from forms import build_form_class, field_label, form_values

from .common import attach_errors, lang, request_key, say, task_title, text


def role_labels(definition) -> dict[str, str]:
    """Role names as people read them, in the user's language."""
    from definitions.roles import role_title_map

    return role_title_map(lang(), definition.roles)


def _shown(value) -> str:
    """A record value as text: nothing as a dash, lists and objects as readable JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _references(record) -> dict[str, tuple[str, str | None]]:
    """The unit and customer a record names, as (text, link) instead of bare ids."""
    from kernel.models import Customer, Unit

    out: dict[str, tuple[str, str | None]] = {}
    unit_id, customer_id = record.data.get("unit_id"), record.data.get("customer_id")
    if isinstance(unit_id, int):
        unit = Unit.objects.filter(pk=unit_id, project_id=record.project_id).only("code").first()
        if unit:
            out["unit_id"] = (unit.code, None)
    if isinstance(customer_id, int):
        customer = Customer.objects.filter(pk=customer_id).only("name").first()
        if customer:
            out["customer_id"] = (customer.name, reverse("web:customer", args=[customer_id]))
    return out


def _visible(request, record_id: int | None = None, *, task_id: int | None = None):
    """The record (or a task's record) and the user's roles in its project; 404 if they cannot see it."""
    try:
        return visible_record(request.user, record_id, task_id=task_id)
    except RecordNotFound as error:
        raise Http404(error.message(lang())) from error


def _page(request, record_id: int, bound: dict | None = None):
    """The record's page; `bound` holds the posted form of a step that failed, shown with its errors."""
    bound = bound or {}
    record, roles = _visible(request, record_id)
    definition = definition_for(record)
    schema = definition.entity.schema
    open_tasks = list(Task.objects.filter(record=record, status="open").select_related("assignee", "delegate"))
    steps = []
    for available in transitions.available_on(record, roles, open_tasks, request.user):
        form_class = build_form_class(schema, available.form)
        form = bound.get(available.name) or form_class(
            initial={k: record.data.get(k) for k in (available.form.fields if available.form else ())},
            prefix=available.name)
        steps.append({"name": available.name, "title": text(available.title, available.name),
                      "to": text(definition.state(available.to).title), "form": form,
                      # a step shown again with its errors keeps the key it was posted with
                      "key": request_key(request) if available.name in bound else uuid.uuid4().hex})
    voted = set(Vote.objects.filter(record=record, user=request.user).values_list("task__name", "task__visit"))
    role_titles = role_labels(definition)
    for task in open_tasks:
        task.title_text = task_title(definition, task)
        task.role_text = ", ".join(role_titles.get(r, r) for r in task.roles)
        task.can_vote = (task.kind == "approval" and (task.name, task.visit) not in voted
                         and approvals.vote_refusal(request.user, roles, task) is None)
    properties = schema.get("properties", {})
    refs = _references(record)
    fields = [(field_label(k, properties.get(k, {}), lang()), refs.get(k, (_shown(v), None)))
              for k, v in record.data.items()]
    history = list(record.history.select_related("actor").order_by("seq"))
    return render(request, "web/record.html", {
        "record": record, "definition": definition, "flow_title": text(definition.title),
        "state_title": text(definition.state(record.state).title), "fields": fields, "steps": steps,
        "tasks": open_tasks, "history": history, "children": record.children.all(), "parent": record.parent,
    }, status=400 if bound else 200)


@login_required
def record_page(request, record_id: int):
    return _page(request, record_id)


@login_required
@require_POST
def fire_transition(request, record_id: int, transition: str):
    record, _ = _visible(request, record_id)
    definition = definition_for(record)
    try:
        spec_form = definition.transition(transition).form
    except KeyError:
        raise Http404(transition) from None
    form = build_form_class(definition.entity.schema, spec_form)(request.POST, prefix=transition)
    if not form.is_valid():
        return _page(request, record_id, bound={transition: form})
    values, comment = form_values(form)
    revision = request.POST.get("revision")
    try:
        transitions.fire(request.user, record_id, transition, values, comment=comment,
                         expected_revision=int(revision) if revision and revision.isdigit() else None,
                         idempotency_key=request.POST.get("idempotency_key") or None)
    except InvalidForm as error:
        attach_errors(form, error)
        return _page(request, record_id, bound={transition: form})
    except EngineError as error:
        say(request, error)
    return redirect(reverse("web:record", args=[record_id]))


@login_required
@require_POST
def vote(request, task_id: int):
    record, _ = _visible(request, task_id=task_id)  # the same 404 as the record's page for a task one cannot see
    try:
        approvals.vote(request.user, task_id, request.POST.get("decision", ""), request.POST.get("comment", ""))
    except EngineError as error:
        say(request, error)
    return redirect(reverse("web:record", args=[record.pk]))

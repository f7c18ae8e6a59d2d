"""A record's page: summary, the forms of the steps the user may take, history, links."""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from engine.models import Task
from engine.runtime import EngineError, InvalidForm, RecordNotFound, approvals, transitions
from engine.runtime.records import visible_record
from engine.versions import definition_for
from forms import build_form_class, form_values

from .common import lang, say, text


def role_labels(definition) -> dict[str, str]:
    """Role names as people read them, in the user's language."""
    from definitions.roles import STANDARD_ROLES

    zh = lang().startswith("zh")
    labels = {r.name: (r.zh if zh else r.en) for r in STANDARD_ROLES}
    labels.update({r.name: (r.zh if zh else r.en) for r in definition.roles})
    return labels


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


def _page(request, record_id: int, bound: dict | None = None):
    try:
        record, roles = visible_record(request.user, record_id)
    except RecordNotFound as error:
        raise Http404(error.message(lang())) from error
    definition = definition_for(record)
    schema = definition.entity.schema
    steps = []
    for available in transitions.available_transitions(request.user, record.pk):
        form_class = build_form_class(schema, available.form)
        form = (bound or {}).get(available.name) or form_class(
            initial={k: record.data.get(k) for k in (available.form.fields if available.form else ())},
            prefix=available.name)
        steps.append({"name": available.name, "title": text(available.title, available.name),
                      "to": text(definition.state(available.to).title), "form": form})
    open_tasks = list(Task.objects.filter(record=record, status="open").select_related("assignee", "delegate"))
    for task in open_tasks:
        spec = next((t for t in definition.state(record.state).tasks if t.name == task.name), None)
        task.title_text = text(spec.title if spec else None, task.name)
        task.can_vote = task.kind == "approval" and (task.assignee_id == request.user.pk
                                                      or bool(roles & set(task.roles)))
    properties = schema.get("properties", {})
    refs = _references(record)
    fields = [(properties.get(k, {}).get("x-title-zh" if lang().startswith("zh") else "title") or k,
               refs.get(k, (_shown(v), None)))
              for k, v in record.data.items()]
    role_titles = role_labels(definition)
    for task in open_tasks:
        task.role_text = ", ".join(role_titles.get(r, r) for r in task.roles)
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
    try:
        record, _ = visible_record(request.user, record_id)
    except RecordNotFound as error:
        raise Http404(error.message(lang())) from error
    definition = definition_for(record)
    spec = next((t for t in definition.transitions if t.name == transition), None)
    form = build_form_class(definition.entity.schema, spec.form if spec else None)(request.POST, prefix=transition)
    if not form.is_valid():
        return _page(request, record_id, bound={transition: form})
    values, comment = form_values(form)
    revision = request.POST.get("revision")
    try:
        transitions.fire(request.user, record_id, transition, values, comment=comment,
                         expected_revision=int(revision) if revision and revision.isdigit() else None,
                         idempotency_key=request.POST.get("idempotency_key") or None)
    except InvalidForm as error:
        for field, problems in error.field_errors(lang()).items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _page(request, record_id, bound={transition: form})
    except EngineError as error:
        say(request, error)
    return redirect(reverse("web:record", args=[record_id]))


@login_required
@require_POST
def vote(request, task_id: int):
    task = Task.objects.filter(pk=task_id).only("record_id").first()
    if task is None:
        raise Http404()
    try:
        approvals.vote(request.user, task_id, request.POST.get("decision", ""), request.POST.get("comment", ""))
    except EngineError as error:
        say(request, error)
    return redirect(reverse("web:record", args=[task.record_id]))

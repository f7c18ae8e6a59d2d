"""What a person does to a record's work from its page: fire a step, vote, claim, release,
complete, transfer, delegate, hand back, reassign, add an approver, send back, withdraw.

Each view parses the posted form, calls one engine service, and turns its refusal
(EngineError.message) into a message in the user's language; every success says what
was done. Colleagues are posted as the user ids of the selects the page offers; a
missing or malformed choice is refused in words before the engine is called.
"""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engine.runtime import EngineError, InvalidForm, approvals, moves, tasks, transitions
from engine.versions import definition_for
from forms import build_form_class, form_values
from forms.parsing import parse_key

from .common import attach_errors, say, text
from .lookups import form_options
from .record_access import visible
from .record_history import Titles
from .record_page import render_page


def _back(record_id: int):
    return redirect(reverse("web:record", args=[record_id]))


@login_required
@require_POST
def fire_transition(request, record_id: int, transition: str):
    record, _roles = visible(request, record_id)
    definition = definition_for(record)
    try:
        t = definition.transition(transition)
    except KeyError:
        raise Http404(transition) from None
    form = build_form_class(definition.entity.schema, t.form, **form_options(request, record.project, definition))(
        request.POST, prefix=transition)
    if not form.is_valid():
        return render_page(request, record_id, bound={transition: form})
    values, comment = form_values(form)
    try:
        moved = transitions.fire(request.user, record_id, transition, values, comment=comment,
                                 expected_revision=parse_key(request.POST.get("revision")),
                                 idempotency_key=request.POST.get("idempotency_key") or None)
    except InvalidForm as error:
        attach_errors(form, error)
        return render_page(request, record_id, bound={transition: form})
    except EngineError as error:
        say(request, error)
    else:
        messages.success(request, _("Done: “%(step)s”. %(reference)s is now “%(state)s”.") % {
            "step": text(t.title, transition), "reference": moved.reference,
            "state": Titles(definition).state(moved.state)})
    return _back(record_id)


def _task_action(request, task_id: int, act: Callable[[], object], success: str) -> object:
    """Run one task service for the task's record; say `success` (with the task's title) or the refusal."""
    record, _roles = visible(request, task_id=task_id)  # the same 404 as the page for a task one cannot see
    try:
        act()
    except EngineError as error:
        say(request, error)
    else:
        from engine.models import Task

        name = Task.objects.filter(pk=task_id).values_list("name", flat=True).first() or ""
        messages.success(request, success % {"task": Titles(definition_for(record)).task(name)})
    return _back(record.pk)


def _chosen_user(request, field: str = "user") -> int | None:
    return parse_key(request.POST.get(field))


def _refuse(request, task_id: int, message: str):
    record, _roles = visible(request, task_id=task_id)
    messages.error(request, message)
    return _back(record.pk)


@login_required
@require_POST
def vote(request, task_id: int):
    decision = request.POST.get("decision", "")
    success = _("You approved “%(task)s”.") if decision == "approve" else _("You rejected “%(task)s”.")
    return _task_action(request, task_id, lambda: approvals.vote(
        request.user, task_id, decision, request.POST.get("comment", "")), success)


@login_required
@require_POST
def claim(request, task_id: int):
    return _task_action(request, task_id, lambda: tasks.claim(request.user, task_id),
                        _("You claimed “%(task)s”."))


@login_required
@require_POST
def unclaim(request, task_id: int):
    return _task_action(request, task_id, lambda: tasks.unclaim(request.user, task_id),
                        _("“%(task)s” is back in the pool for its roles."))


@login_required
@require_POST
def complete(request, task_id: int):
    return _task_action(request, task_id, lambda: tasks.complete(
        request.user, task_id, request.POST.get("comment", "")), _("“%(task)s” is done."))


def _hand_on(request, task_id: int, service, success: str):
    colleague = _chosen_user(request)
    if colleague is None:
        return _refuse(request, task_id, _("Choose the colleague to hand the task to."))
    return _task_action(request, task_id, lambda: service(
        request.user, task_id, colleague, request.POST.get("comment", "")), success)


@login_required
@require_POST
def transfer(request, task_id: int):
    return _hand_on(request, task_id, tasks.transfer, _("“%(task)s” was transferred."))


@login_required
@require_POST
def delegate(request, task_id: int):
    return _hand_on(request, task_id, tasks.delegate, _("“%(task)s” was delegated."))


@login_required
@require_POST
def reassign(request, task_id: int):
    return _hand_on(request, task_id, tasks.reassign, _("“%(task)s” was reassigned."))


@login_required
@require_POST
def return_delegation(request, task_id: int):
    note = request.POST.get("comment", "").strip()
    if not note:
        return _refuse(request, task_id, _("Say what you found before handing the task back."))
    return _task_action(request, task_id, lambda: tasks.return_delegation(request.user, task_id, note),
                        _("“%(task)s” was handed back."))


@login_required
@require_POST
def add_approver(request, task_id: int):
    """加签 for a role or a colleague: the select posts "role:<name>" or "user:<id>"."""
    kind, _sep, value = request.POST.get("approver", "").partition(":")
    if kind == "role" and value:
        act = lambda: approvals.add_approver(request.user, task_id, role=value,  # noqa: E731
                                             comment=request.POST.get("comment", ""))
    elif kind == "user" and (user_id := parse_key(value)) is not None:
        act = lambda: approvals.add_approver(request.user, task_id, user_id=user_id,  # noqa: E731
                                             comment=request.POST.get("comment", ""))
    else:
        return _refuse(request, task_id, _("Choose the role or colleague to add as an approver."))
    return _task_action(request, task_id, act, _("An approver was added to “%(task)s”."))


@login_required
@require_POST
def send_back(request, record_id: int):
    record, _roles = visible(request, record_id)
    definition = definition_for(record)
    to_state = request.POST.get("to_state", "")
    try:
        moves.send_back(request.user, record_id, to_state, request.POST.get("comment", ""))
    except EngineError as error:
        say(request, error)
    else:
        messages.success(request, _("%(reference)s was sent back to “%(state)s”.") % {
            "reference": record.reference, "state": Titles(definition).state(to_state)})
    return _back(record_id)


@login_required
@require_POST
def withdraw(request, record_id: int):
    record, _roles = visible(request, record_id)
    try:
        moved = moves.withdraw(request.user, record_id, request.POST.get("comment", ""))
    except EngineError as error:
        say(request, error)
    else:
        messages.success(request, _("You took back your last step; %(reference)s is “%(state)s” again.") % {
            "reference": moved.reference, "state": Titles(definition_for(record)).state(moved.state)})
    return _back(record_id)


_TASK_ACTIONS = {"vote": vote, "claim": claim, "unclaim": unclaim, "complete": complete, "transfer": transfer,
                 "delegate": delegate, "reassign": reassign, "return": return_delegation,
                 "add-approver": add_approver}


def task_action(request, task_id: int, action: str):
    """/tasks/<id>/<action>/: one url for every task action of the page."""
    view = _TASK_ACTIONS.get(action)
    if view is None:
        raise Http404(action)
    return view(request, task_id)

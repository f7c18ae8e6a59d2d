"""What every page needs: the user's language, turning engine refusals into messages, who may configure a project."""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, pgettext

from accounts.models import Membership
from definitions import Problem
from definitions.roles import role_titles
from definitions.yamlio import load_yaml
from engine.runtime import EngineError
from engine.runtime.access import can_administer, can_see, roles_in
from kernel.access import memberships_of
from kernel.models import Project


def lang() -> str:
    return get_language() or "zh-hans"


def say(request, error: EngineError) -> None:
    messages.error(request, error.message(lang()))


def text(value, fallback: str = "") -> str:
    """A definition label in the user's language."""
    if value is None:
        return fallback
    return value.get(lang())


def task_title(definition, task) -> str:
    """An open task's title in the user's language (its name if its version does not title it)."""
    spec = definition.state(task.state).task(task.name)
    return text(spec.title if spec else None, task.name)


def attach_errors(form, error) -> None:
    """The engine's errors per field, at the fields of the form the user sees."""
    for field, problems in error.field_errors(lang()).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def request_key(request) -> str:
    """The idempotency key of a form: the one it was posted with, or a new one to render it with.

    A double click or a resent form then starts or fires once.
    """
    return request.POST.get("idempotency_key") or uuid.uuid4().hex


def posted_yaml(request, field: str, label: str) -> tuple[str, object, list[Problem]]:
    """The YAML an admin posted in `field` (flow overrides, plugin rules): (text, data, problems).

    The text goes back into the editor as typed; an empty text is the empty mapping.
    """
    text_value = request.POST.get(field, "")
    loaded = load_yaml(text_value, label)
    return text_value, loaded.data or {}, list(loaded.problems)


def administered_project(request, code: str) -> Project:
    """The project, if the user may configure it (studio, plugin rules); 404 otherwise (nothing leaks about it)."""
    project = Project.objects.filter(code=code).first()
    if project is None or not can_administer(request.user, roles_in(request.user, project.pk)):
        raise Http404()
    return project


def member_project(request, code: str) -> tuple[Project, dict[int, frozenset[str]], frozenset[str]]:
    """(the project, the user's memberships, their roles there) for a project page; 404 to a stranger to it."""
    project = Project.objects.filter(code=code).first()
    memberships = memberships_of(request.user.pk)
    roles = memberships.get(project.pk, frozenset()) if project else frozenset()
    if project is None or not can_see(request.user, project.pk, roles):
        raise Http404()
    return project, memberships, roles


def roles_text(roles, declared=()) -> str:
    """The user's roles as a message names them: 销售顾问、财务 / Sales consultant, Finance (or "no role")."""
    language = lang()
    titles = role_titles(sorted(roles), language, declared)
    return ("、" if language.startswith("zh") else ", ").join(titles) or pgettext("roles", "no role")


def refused(request, project: Project, reason: str, **context) -> HttpResponse:
    """The 403 page a member of `project` gets for a page or record they may not open, `reason` saying why in words."""
    return render(request, "web/front_desk/refused.html", {"project": project, "reason": reason, **context},
                  status=403)


def consultants_of(project: Project) -> list[tuple[int, str]]:
    """(user pk, display name) of the project's active sales consultants, by name: whom a customer may go to."""
    rows = (Membership.objects.filter(project=project, role="sales_consultant", user__is_active=True)
            .select_related("user").order_by("user__display_name", "user__username"))
    return list({m.user_id: str(m.user) for m in rows}.items())

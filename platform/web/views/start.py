"""Starting a record of any flow the user may start, in a project where they may."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Membership
from engine.models import FlowVersion, VersionStatus
from engine.runtime import EngineError, InvalidForm, records
from engine.versions import definition_of
from definitions.model import FormSpec
from forms import build_form_class, form_values
from kernel.models import Project

from .common import lang, say, text


def _startable(user):
    roles: dict[int, set[str]] = {}
    for project_id, role in Membership.objects.filter(user=user).values_list("project_id", "role"):
        roles.setdefault(project_id, set()).add(role)
    versions = FlowVersion.objects.filter(project_id__in=roles, status=VersionStatus.PUBLISHED).select_related("project")
    for version in versions.order_by("project__code", "flow"):
        definition = definition_of(version)
        if roles[version.project_id] & set(definition.start.roles):
            yield version.project, definition


@login_required
def start_list(request):
    only = request.GET.get("project")
    options = [{"project": p, "flow": d.name, "title": text(d.title)} for p, d in _startable(request.user)
               if not only or p.code == only]
    carry = request.GET.urlencode() if request.GET.get("unit_id") else ""
    return render(request, "web/start_list.html", {"options": options, "carry": carry})


@login_required
def start_record(request, project: str, flow: str):
    project_obj = Project.objects.filter(code=project).first()
    match = next((d for p, d in _startable(request.user) if p.code == project and d.name == flow), None)
    if project_obj is None or match is None:
        raise Http404()
    # Without a start form a record may begin with any entity field; offer them all, optional.
    form_spec = match.start.form or FormSpec(fields=tuple(match.entity.field_names))
    form_class = build_form_class(match.entity.schema, form_spec)
    prefill = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
    form = form_class(request.POST or None, initial=prefill)
    if request.method == "POST" and form.is_valid():
        values, comment = form_values(form)
        try:
            record = records.start_record(request.user, project_obj, flow, values, comment=comment,
                                          idempotency_key=request.POST.get("idempotency_key") or None)
            return redirect(reverse("web:record", args=[record.pk]))
        except InvalidForm as error:
            for field, problems in error.field_errors(lang()).items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except EngineError as error:
            say(request, error)
    return render(request, "web/start.html", {"form": form, "project": project_obj, "title": text(match.title)})

"""Starting a record of any flow the user may start, in a project where they may."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from definitions.model import FormSpec
from engine.models import FlowVersion, VersionStatus
from engine.runtime import EngineError, InvalidForm, records
from engine.versions import definition_by_id
from forms import build_form_class, form_values
from kernel.access import memberships_of

from .common import attach_errors, request_key, say, text


def _startable(user, project_code: str | None = None, flow: str | None = None):
    """(project, definition) for each published flow the user may start, in a fixed number of queries."""
    roles = memberships_of(user.pk)
    versions = (FlowVersion.objects.filter(project_id__in=roles, status=VersionStatus.PUBLISHED)
                .select_related("project").defer("content").order_by("project__code", "flow"))
    if project_code:
        versions = versions.filter(project__code=project_code)
    if flow:
        versions = versions.filter(flow=flow)
    for version in versions:
        definition = definition_by_id(version.pk, version.content_hash)
        if roles[version.project_id] & set(definition.start.roles):
            yield version.project, definition


@login_required
def start_list(request):
    options = [{"project": p, "flow": d.name, "title": text(d.title)}
               for p, d in _startable(request.user, request.GET.get("project") or None)]
    carry = request.GET.urlencode() if request.GET.get("unit_id") else ""
    return render(request, "web/start_list.html", {"options": options, "carry": carry})


@login_required
def start_record(request, project: str, flow: str):
    found = next(_startable(request.user, project, flow), None)
    if found is None:
        raise Http404()
    project_obj, match = found
    # Without a start form a record may begin with any entity field; offer them all, optional.
    form_spec = match.start.form or FormSpec(fields=tuple(match.entity.field_names))
    form_class = build_form_class(match.entity.schema, form_spec)
    prefill = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
    form = form_class(request.POST or None, initial=prefill)
    if request.method == "POST" and form.is_valid():
        values, comment = form_values(form)
        try:
            record = records.start_record(request.user, project_obj, flow, values, comment=comment,
                                          idempotency_key=request_key(request))
            return redirect(reverse("web:record", args=[record.pk]))
        except InvalidForm as error:
            attach_errors(form, error)
        except EngineError as error:
            say(request, error)
    return render(request, "web/start.html", {"form": form, "project": project_obj, "title": text(match.title),
                                              "idempotency_key": request_key(request)})

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
from forms.parsing import parse_key
from forms.widgets import Typed
from kernel.access import memberships_of

from .common import attach_errors, request_key, say, text
from .lookups import form_options

# Parameters a link may carry to start a record with a unit or customer chosen (the sale-control chart's
# "start a reservation with this unit"): ?unit_id=<key> or ?unit=<code>, ?customer_id=<key>.
CARRIED = ("unit_id", "unit", "customer_id")


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
    carry = request.GET.urlencode() if any(request.GET.get(k) for k in CARRIED) else ""
    return render(request, "web/start_list.html", {"options": options, "carry": carry})


@login_required
def start_record(request, project: str, flow: str):
    found = next(_startable(request.user, project, flow), None)
    if found is None:
        raise Http404()
    project_obj, match = found
    # Without a start form a record may begin with any entity field; offer them all, optional.
    form_spec = match.start.form or FormSpec(fields=tuple(match.entity.field_names))
    form_class = build_form_class(match.entity.schema, form_spec, **form_options(request, project_obj, match))
    form = form_class(request.POST or None, initial=_prefill(request.GET, match.entity.schema, form_class))
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
                                              "idempotency_key": request_key(request)},
                  status=400 if request.method == "POST" else 200)


def _prefill(params, schema, form_class) -> dict:
    """Initial values from the link: fields by name, and `unit` / `unit_id` / `customer_id` for the form's pickers.

    A unit's key (unit_id) or code (unit) goes to the form's first unit field whatever
    it is called; the widgets show them as a code and a name, never as the key.
    """
    fields = form_class.base_fields
    initial = {k: v for k, v in params.items() if k in fields and v}
    properties = schema.get("properties", {})

    def first(ref: str) -> str | None:
        return next((n for n in fields if properties.get(n, {}).get("x-ref") == ref), None)

    unit_field, customer_field = first("unit"), first("customer")
    # a key that is not one (², a number beyond 64 bits) names nothing, like the key of a unit that is gone
    unit_key, customer_key = parse_key(params.get("unit_id")), parse_key(params.get("customer_id"))
    if unit_field and unit_key is not None:
        initial[unit_field] = unit_key
    elif unit_field and params.get("unit"):
        initial[unit_field] = Typed(params["unit"].strip())  # a code, cleaned like one typed
    if customer_field and customer_key is not None:
        initial[customer_field] = customer_key
    return initial

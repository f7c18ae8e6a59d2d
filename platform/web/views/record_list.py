"""The records of one flow in one project, open and finished: search, state filter, order, paging.

So that nothing is unfindable: a record with no open task (finished, cancelled,
waiting on a timer) is still one search away. Members of a project see the records
engine.runtime.visibility lets them see: the flows their roles take part in (the others
are not tabs, and their address says so in words), and for consultants and channel agents
their own work there; the page answers 404 to anyone else, as the record page does.
The page reads a fixed number of queries whatever the rows: the rule is one filter of
the list's own query.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engine.models import FlowVersion, Record, VersionStatus
from engine.runtime.access import can_see, roles_in
from engine.runtime.inbox import matching_records
from engine.runtime.visibility import Sight, colleagues_open, own_work, sight
from engine.versions import definition_by_id
from kernel.models import Project

from .common import refused, roles_text, text
from .record_facts import facts_for, local_time

PAGE_SIZE = 50
ORDERS = {  # value -> (model ordering, label)
    "-created": (("-created_at", "-pk"), _("Newest first")),
    "created": (("created_at", "pk"), _("Oldest first")),
    "-updated": (("-updated_at", "-pk"), _("Recently changed first")),
    "reference": (("reference",), _("Reference, ascending")),
    "-reference": (("-reference",), _("Reference, descending")),
}
OPENNESS = (("", _("Open and finished")), ("open", _("Open only")), ("closed", _("Finished only")))


def _sights(request, project: Project, roles: frozenset[str]):
    """The project's published definitions, per flow the versions the user sees whole or only their own work in,
    and the flows some of whose versions they do not see at all.

    One query: every version of the project's flows (records stay on the version they started on).
    """
    published, partly = [], set()
    whole: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    colleagues = colleagues_open(project)
    for pk, flow, content_hash, status in (FlowVersion.objects.filter(project=project).order_by("flow", "number")
                                           .values_list("pk", "flow", "content_hash", "status")):
        definition = definition_by_id(pk, content_hash)
        if status == VersionStatus.PUBLISHED:
            published.append(definition)
        seen = sight(request.user, roles, definition, colleagues=colleagues)
        if seen is Sight.NONE:
            partly.add(flow)
        else:
            (whole if seen is Sight.ALL else own).setdefault(flow, []).append(pk)
    return published, whole, own, partly


def _refused(request, project: Project, roles: frozenset[str], flow_title: str | None):
    if flow_title:
        reason = gettext("Your roles in %(project)s (%(roles)s) take no part in the %(flow)s flow, so its records are "
                         "not listed for you. A sales manager, the project director or a project admin can see them; "
                         "ask a project admin for a role in that flow if your work needs it.")
    else:
        reason = gettext("Your roles in %(project)s (%(roles)s) take no part in any of its published flows, so no "
                         "records are listed for you. Ask a project admin for a role in a flow if your work needs it.")
    return refused(request, project, reason % {"project": project.name, "roles": roles_text(roles), "flow": flow_title})


def records_query(request, project: Project, definition, sights, params) -> tuple[QuerySet, tuple[str, str, str, str]]:
    """The records of `definition`'s flow the list shows under `params` (state, open/finished, search, order), in
    its order, and those filters as understood (state, open, order, q). The list's page and its export both read
    it, so a download holds exactly the rows the list shows. `sights`: (whole, own, partly) of `_sights`."""
    whole, own, partly = sights
    flow = definition.name
    states = {s.name for s in definition.states}
    state = params.get("state") if params.get("state") in states else ""
    openness = params.get("open") if params.get("open") in dict(OPENNESS) else ""
    order = params.get("order") if params.get("order") in ORDERS else "-created"
    q = params.get("q", "").strip()
    query = Record.objects.filter(project_id=project.pk, flow=flow)
    if flow in own or flow in partly:  # a consultant's own work (usually in every version), or some versions unseen
        mine = own_work(request.user.pk, project_id=project.pk)
        query = query.filter(Q(version_id__in=whole.get(flow, [])) | Q(mine, version_id__in=own.get(flow, [])))
    if state:
        query = query.filter(state=state)
    if openness:
        query = query.filter(is_closed=openness == "closed")
    search = matching_records([project.pk], q)
    if search is not None:
        query = query.filter(pk__in=search)
    query = (query.annotate(version_hash=F("version__content_hash"))
             .only("pk", "reference", "state", "data", "version_id", "created_at", "updated_at", "is_closed")
             .order_by(*ORDERS[order][0]))
    return query, (state, openness, order, q)


@login_required
def record_list(request, project: str, flow: str | None = None):
    found = Project.objects.filter(code=project).first()
    roles = roles_in(request.user, found.pk) if found is not None else frozenset()
    if found is None or not can_see(request.user, found.pk, roles):
        raise Http404()
    project_id, code, name = found.pk, found.code, found.name
    published, whole, own, partly = _sights(request, found, roles)
    definitions = [d for d in published if d.name in whole or d.name in own]
    if not definitions:
        if published:
            return _refused(request, found, roles, None)
        return render(request, "web/record_list.html", {"project": (code, name), "flows": [], "page": None})
    by_name = {d.name: d for d in definitions}
    tabs = sorted(((d.name, text(d.title, d.name)) for d in definitions), key=lambda item: item[1])
    if flow is None:  # the first tab that has records, so the list never opens empty when something is there
        used = set(Record.objects.filter(project_id=project_id).order_by().values_list("flow", flat=True).distinct())
        return redirect("web:record-list-flow", project=code,
                        flow=next((name for name, _title in tabs if name in used), tabs[0][0]))
    hidden = next((d for d in published if d.name == flow and d.name not in by_name), None)
    if hidden is not None:
        return _refused(request, found, roles, text(hidden.title, hidden.name))
    definition = by_name.get(flow)
    if definition is None:
        raise Http404()
    params = request.GET
    states = [(s.name, text(s.title, s.name)) for s in definition.states]
    query, (state, openness, order, q) = records_query(request, found, definition, (whole, own, partly), params)
    page = Paginator(query, PAGE_SIZE).get_page(params.get("page"))
    pairs = []
    for record in page:
        shown = definition_by_id(record.version_id, record.version_hash)
        try:
            record.state_text = text(shown.state(record.state).title, record.state)
        except KeyError:  # a state of an older version: the current version's title, if it has one
            record.state_text = dict(states).get(record.state, "")
        record.created_text, record.updated_text = local_time(record.created_at), local_time(record.updated_at)
        pairs.append((record, shown))
    facts = facts_for(pairs)
    for record in page:
        record.facts = facts[record.pk]
    paging = QueryDict(mutable=True)
    for key in ("q", "state", "open", "order"):
        if params.get(key):
            paging[key] = params[key]
    return render(request, "web/record_list.html", {
        "project": (code, name), "flow": definition.name, "flow_title": text(definition.title, definition.name),
        "flows": tabs,
        "page": page, "states": states, "state": state, "openness": OPENNESS, "open": openness,
        "orders": [(key, label) for key, (_o, label) in ORDERS.items()], "order": order, "q": q,
        "paging": paging.urlencode(),
    })


__all__ = ["record_list", "records_query"]

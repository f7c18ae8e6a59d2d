"""The tables of the list exports, built by each list's own query for the asker: what the page shows is what the
file holds. Read by the export views (views/imports.py, views/exports_list.py) and by the huey job that writes a
long list (web.tasks); a module of its own so that the job and the views that queue it do not import each other.
"""
from __future__ import annotations

from types import SimpleNamespace

from django.http import Http404, QueryDict
from django.utils.translation import gettext

from imports import exports
from imports.models import ExportJob
from kernel import dunning
from kernel.models import Project
from kernel.visibility import PhoneVisibility

# who may take a list out: who sees it on screen (units: every member; payments: those who see receivables)
# the ledgers of commission and points are money owed: for the same people as the receivables
EXPORT_ROLES = {"units": None, "customers": None, "payments": dunning.RECEIVABLES_ROLES,
                "commissions": dunning.RECEIVABLES_ROLES, "points": dunning.RECEIVABLES_ROLES}
EXPORT_CAP = 100_000  # rows; a list beyond it is cut, and says so in its last row


def project_table(asker, project: Project, memberships, roles: frozenset[str], kind: str) -> exports.Table:
    """`asker` is the request, or the job's stand-in for it (its user and the list's query string)."""
    if kind == "customers":
        return exports.customers(project, PhoneVisibility(asker.user.pk, memberships, project.pk),
                                 customer_rows(asker, project, roles))
    return getattr(exports, kind)(project)


def customer_rows(request, project: Project, roles: frozenset[str]):
    """The customer list's registrations under its filters, in its order: the list's own query."""
    from .customer_list import registrations_query

    return registrations_query(request, project, roles, request.GET)[0]


def records_query(asker, project: str, flow: str):
    """(project, flow definition, the list's query) as the records page would show them to `asker`; 404 else."""
    from engine.runtime.access import can_see, roles_in

    from . import record_list as listing

    found = Project.objects.filter(code=project).first()
    roles = roles_in(asker.user, found.pk) if found is not None else frozenset()
    if found is None or not can_see(asker.user, found.pk, roles):
        raise Http404()
    published, whole, own, partly = listing._sights(asker, found, roles)
    definition = next((d for d in published if d.name == flow and (flow in whole or flow in own)), None)
    if definition is None:
        raise Http404()
    query, _filters = listing.records_query(asker, found, definition, (whole, own, partly), asker.GET)
    return found, definition, query


def records_table(definition, flow: str, query) -> exports.Table:
    from engine.versions import definition_by_id

    from .common import text
    from .record_facts import facts_for, local_time

    states = {s.name: text(s.title, s.name) for s in definition.states}
    records = list(query[:EXPORT_CAP])
    pairs = [(r, definition_by_id(r.version_id, r.version_hash)) for r in records]
    facts = facts_for(pairs)
    rows = [[r.reference, _state_title(d, r.state, states), facts[r.pk].customer, facts[r.pk].unit, facts[r.pk].amount,
             local_time(r.created_at), local_time(r.updated_at)] for r, d in pairs]
    return exports.Table(text(definition.title, flow), [gettext("Reference"), gettext("State"), gettext("Customer"),
                                                        gettext("Unit"), gettext("Amount"), gettext("Started"),
                                                        gettext("Last change")], rows)


def _state_title(definition, state: str, current: dict[str, str]) -> str:
    from .common import text

    try:
        return text(definition.state(state).title, state)
    except KeyError:  # a state of an older version
        return current.get(state, "")


def inbox_query(asker):
    from kernel.access import memberships_of

    from .inbox import _filters, tasks_query

    memberships = memberships_of(asker.user.pk)
    f = _filters(asker.GET, memberships)
    rows_query, _narrow = tasks_query(asker.user, f, memberships)
    project = Project.objects.filter(pk=f["project_id"]).first() if f["project_id"] else None
    return rows_query, project


def inbox_table(rows_query) -> exports.Table:
    from engine.versions import definition_by_id

    from .common import task_title, text
    from .record_facts import facts_for, local_time

    tasks = list(rows_query[:EXPORT_CAP])
    pairs = []
    for task in tasks:
        definition = definition_by_id(task.record.version_id, task.version_hash)
        task.texts = (task_title(definition, task), text(definition.title), text(definition.state(task.state).title))
        pairs.append((task.record, definition))
    facts = facts_for(pairs)
    rows = [[t.record.reference, t.texts[0], t.texts[1], t.texts[2], facts[t.record_id].customer,
             facts[t.record_id].unit, local_time(t.due_at)] for t in tasks]
    return exports.Table(gettext("Inbox"), [gettext("Reference"), gettext("Task"), gettext("Flow"), gettext("State"),
                                            gettext("Customer"), gettext("Unit"), gettext("Due")], rows)


def job_table(job: ExportJob) -> tuple[exports.Table, Project | None]:
    """The job's table, built as the inline export builds it for the same user and filters (run by web.tasks)."""
    from kernel.access import memberships_of

    asker = SimpleNamespace(user=job.created_by, GET=QueryDict(job.params))
    if job.kind == "inbox":
        rows_query, _project = inbox_query(asker)
        return inbox_table(rows_query), job.project
    project = job.project
    if project is None:  # only the inbox is queued without a project (views/imports._queue)
        raise ValueError(f"export job {job.pk}: a {job.kind} list without its project")
    if job.kind == "records":
        _found, definition, query = records_query(asker, project.code, job.flow)
        return records_table(definition, job.flow, query), project
    memberships = memberships_of(job.created_by_id)
    roles = memberships.get(project.pk, frozenset())
    return project_table(asker, project, memberships, roles, job.kind), project

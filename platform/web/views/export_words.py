"""Past exports in words: the list's name and its filters as the list page shows them, time, status, rows, size.

Read by the user's list of past exports (views/exports_list.py) and by an expired file's 410 page
(`expired_page`, answered by views/imports.export_job_file). The filters are the list page's query
string, read back with the list's own parsers and titled as its page titles them (搜索：张伟,
阶段：意向 10%, 状态：保留中), never a code; a value the project no longer offers is said as such.
A page of jobs reads a fixed number of queries: the flows' definitions once, the consultants the
filters name once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import get_language, gettext

from accounts.models import User
from forms.parsing import parse_key
from imports import export_jobs, exports
from imports.models import ExportJob, ExportStatus
from kernel.access import memberships_of
from kernel.models import Project

from ..display import DASH, moment
from .common import text
from .display import person_of


def expired_page(request, job: ExportJob) -> HttpResponse:
    """What the link of a deleted file answers: 410, saying so, with the way to a new file."""
    return render(request, "web/imports/export_expired.html", {
        "row": describe([job], request.user)[0], "job": job, "project": job.project,
        "keep_days": export_jobs.keep_days(), "may_again": job.created_by_id == request.user.pk}, status=410)


@dataclass(frozen=True)
class PastExport:
    """One past export as the list says it: the job and its words."""

    job: ExportJob
    list_text: str
    filters_text: str  # 搜索：张伟；阶段：意向 10%, or "the whole list, no filter"
    at_text: str
    status_text: str
    rows_text: str
    size_text: str
    expired: bool
    ready: bool
    may_again: bool
    expired_at_text: str


def describe(jobs: list[ExportJob], user) -> list[PastExport]:
    """Each job's list name, filters, time, status, rows and size in words (a fixed number of queries for the
    page: the flows' definitions once, the consultants the filters name once)."""
    from .record_facts import published_definitions

    definitions: dict[tuple[int | None, str], Any] = {}
    if any(job.kind in ("records", "inbox") for job in jobs):
        project_ids = {job.project_id for job in jobs if job.project_id} | set(memberships_of(user.pk))
        for project_id, definition in published_definitions(project_ids):
            definitions.setdefault((project_id, definition.name), definition)
            definitions.setdefault((None, definition.name), definition)
    wanted = [key for job in jobs if job.kind == "customers"
              if (key := parse_key(QueryDict(job.params).get("consultant"))) is not None]
    people = {u.pk: person_of(u) for u in User.objects.filter(pk__in=wanted)} if wanted else {}
    now = timezone.now()
    described = []
    for job in jobs:
        zone = job.project.zone if job.project is not None else timezone.get_current_timezone()
        expired = export_jobs.expired(job)
        ready = job.status == ExportStatus.DONE and not expired
        interrupted = job.interrupted(now)
        size = job.size if job.size is not None else _size_on_disk(job) if ready else None
        described.append(PastExport(
            job=job, list_text=_list_name(job, definitions),
            filters_text=_joined(_filters(job, QueryDict(job.params), definitions, people)),
            at_text=moment(job.created_at, zone),
            status_text=(gettext("interrupted") if interrupted else str(ExportStatus.EXPIRED.label) if expired
                         else str(job.get_status_display())),
            rows_text=(f"{job.rows_written:,}" if job.finished or not job.rows_total
                       else f"{job.rows_written:,} / {job.rows_total:,}"),
            size_text=filesizeformat(size) if size is not None else DASH, expired=expired, ready=ready,
            may_again=job.finished or interrupted,
            expired_at_text=moment(job.expired_at, zone) if job.expired_at else ""))
    return described


def _size_on_disk(job: ExportJob) -> int | None:
    """The file's size for a job written before sizes were kept."""
    path = export_jobs.file_path(job)
    try:
        return path.stat().st_size if path is not None else None
    except OSError:
        return None


def _list_name(job: ExportJob, definitions) -> str:
    if job.kind in exports.TITLES:
        return str(exports.TITLES[job.kind])
    if job.kind == "inbox":
        return gettext("Inbox")
    if job.kind == "records":
        definition = definitions.get((job.project_id, job.flow))
        title = text(definition.title, job.flow) if definition is not None else job.title
        return gettext("the records of %(flow)s") % {"flow": title or gettext("a flow no longer published")}
    return job.title or gettext("a list")


def _joined(words: list[str]) -> str:
    if not words:
        return gettext("the whole list, no filter")
    return ("；" if (get_language() or "zh").startswith("zh") else "; ").join(words)


def _pair(label: str, value: object) -> str:
    return gettext("%(label)s: %(value)s") % {"label": label, "value": value}


def _filters(job: ExportJob, params: QueryDict, definitions, people: dict[int, str]) -> list[str]:
    """The filters the list was showing, as its page names them; an empty list: the whole list."""
    words: list[str] = []
    search = (params.get("q") or "").strip()
    if search:
        words.append(_pair(gettext("Search"), search))
    if job.kind == "customers" and job.project is not None:
        words += _customer_filters(job.project, params, people)
    elif job.kind == "records":
        words += _record_filters(definitions.get((job.project_id, job.flow)), params)
    elif job.kind == "inbox":
        words += _inbox_filters(job, params, definitions)
    return words


def _customer_filters(project: Project, params: QueryDict, people: dict[int, str]) -> list[str]:
    from .customer_list import CONTACTS, ORDERS, source_titles, stage_title

    words = []
    if params.get("all") == "1":
        words.append(gettext("all the project's customers, not only mine"))
    stage = params.get("stage", "")
    if stage:
        words.append(_pair(gettext("Stage"), gettext("no stage yet") if stage == "none" else stage_title(project,
                                                                                                          stage)))
    source = params.get("source", "")
    if source:
        words.append(_pair(gettext("Source"), source_titles(project).get(source,
                                                                         gettext("a source no longer offered"))))
    consultant = parse_key(params.get("consultant"))
    if consultant is not None:
        words.append(_pair(gettext("Consultant"), people.get(consultant, gettext("someone no longer here"))))
    contact = dict(CONTACTS).get(params.get("contact", ""))
    if params.get("contact") and contact:
        words.append(_pair(gettext("Last contact"), contact))
    if params.get("overdue") == "1":
        words.append(gettext("overdue follow-ups only"))
    order = params.get("order", "")
    if order in ORDERS and order != "next":
        words.append(_pair(gettext("Order"), ORDERS[order][1]))
    return words


def _record_filters(definition, params: QueryDict) -> list[str]:
    from .record_list import OPENNESS, ORDERS

    words = []
    state = params.get("state", "")
    if state:
        titles = {s.name: text(s.title, s.name) for s in definition.states} if definition is not None else {}
        words.append(_pair(gettext("State"), titles.get(state, gettext("a state no longer in the flow"))))
    openness = dict(OPENNESS).get(params.get("open", ""))
    if params.get("open") and openness:
        words.append(str(openness))
    order = params.get("order", "")
    if order in ORDERS and order != "-created":
        words.append(_pair(gettext("Order"), ORDERS[order][1]))
    return words


def _inbox_filters(job: ExportJob, params: QueryDict, definitions) -> list[str]:
    from .inbox import VIEW_TABS, _filters
    from .list_filters import ORDERS

    f = _filters(params, {job.project_id: frozenset()} if job.project_id else {})
    words = []
    if f["view"] != "all":
        words.append(_pair(gettext("View"), dict(VIEW_TABS)[f["view"]]))
    if job.project is not None:
        words.append(_pair(gettext("Project"), job.project.name))
    definition = definitions.get((job.project_id, f["flow"])) or definitions.get((None, f["flow"]))
    if f["flow"]:
        words.append(_pair(gettext("Flow"), text(definition.title, f["flow"]) if definition is not None
                           else gettext("a flow no longer published")))
    if f["state"]:
        try:
            state = text(definition.state(f["state"]).title, f["state"]) if definition is not None else None
        except KeyError:
            state = None
        words.append(_pair(gettext("State"), state or gettext("a state no longer in the flow")))
    if f["order"] != "due":
        words.append(_pair(gettext("Order"), ORDERS[f["order"]][2]))
    return words


__all__ = ["PastExport", "describe", "expired_page"]

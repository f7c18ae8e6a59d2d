"""Imports and exports of a project: upload a spreadsheet, follow its job, download templates, problems and lists.

- **Imports page**: the upload form (kind, file, dry run), each kind's template, the
  project's past imports (who, when, file, result). For project admins and implementers
  (and platform admins); other members get the refusal page, strangers 404.
- **A job's page**: its progress bar (rows read, checked, written), refreshed by htmx
  every second until the job ends (a reload shows where it is: everything is on the
  job's row), then the summary, the problems and the marked file; a dry run can be
  imported for real from there, and a job whose process died can be run again.
- **Exports**: units, customers (phones as the user sees them on screen) and payments of
  the project as .xlsx or .csv, for the members whose lists show them; a list longer than
  EXPORT_INLINE_MAX_ROWS is written by a huey job (imports.export_jobs, web.tasks) whose
  page follows it and offers the file to the asker and the project's admins.
"""
from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from imports import export_jobs, exports
from imports.jobs import create_job, live_progress
from imports.kinds import IMPORT_ROLES, KINDS, NAMES
from imports.models import ExportJob, ExportStatus, ImportJob, JobStatus
from imports.tasks import enqueue
from imports.template_files import template_workbook
from kernel.models import Project
from kernel.zones import zone_name

from .. import tasks
from ..display import moment
from . import list_tables
from .common import lang, member_project, refused, roles_text
from .list_tables import EXPORT_CAP, EXPORT_ROLES

MAX_UPLOAD = 50 * 1024 * 1024  # 50 MB: about 500,000 rows of units
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class JobRow:
    """A past import as the project's list shows it."""

    job: ImportJob
    kind_text: str
    at_text: str
    status_text: str


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("Dry run: check and count, write nothing"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # as declared above (`fields` is typed by the base Field)
        kind.choices = [(k, KINDS[k].title) for k in NAMES]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(gettext("Upload an .xlsx or .csv file (%(name)s is neither).")
                                        % {"name": upload.name})
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(gettext("The file is larger than 50 MB; split it into several files."))
        return upload


def _importer(request, code: str):
    """(project, None) for someone who may import into it, else (project, the refusal page)."""
    project, _memberships, roles = member_project(request, code)
    request.project_roles = roles  # for the page's export links, without reading them again
    if roles & IMPORT_ROLES or request.user.is_superuser:
        return project, None
    reason = gettext("Importing spreadsheets into %(project)s is for its project admins and implementers; your roles "
                     "there are %(roles)s. Ask a project admin to load the file, or for the role.") % {
        "project": project.name, "roles": roles_text(roles)}
    return project, refused(request, project, reason)


@login_required
def import_page(request, project: str):
    project_obj, refusal = _importer(request, project)
    if refusal is not None:
        return refusal
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = create_job(form.cleaned_data["kind"], project_obj, request.user, upload.read(), upload.name,
                         dry_run=form.cleaned_data["dry_run"], language=lang())
        enqueue(job)
        messages.success(request, gettext("%(file)s is being imported; this page follows it.") % {"file": job.file_name})
        return redirect("web:import-job", project=project_obj.code, job_id=job.pk)
    zone = project_obj.zone
    jobs = [JobRow(job, str(KINDS[job.kind].title) if job.kind in KINDS else job.kind, moment(job.created_at, zone),
                   _status_text(job))
            for job in ImportJob.objects.filter(project=project_obj).select_related("created_by")
            .defer("file", "error_file")[:50]]
    roles, may = request.project_roles, request.user.is_superuser
    downloads = [(kind, exports.TITLES[kind]) for kind in exports.KINDS
                 if may or EXPORT_ROLES[kind] is None or roles & EXPORT_ROLES[kind]]  # no link that answers 403
    return render(request, "web/imports/index.html", {
        "project": project_obj, "form": form, "jobs": jobs, "downloads": downloads,
        "kinds": [(k, KINDS[k].title, KINDS[k].description) for k in NAMES],
    }, status=400 if request.method == "POST" else 200)


def _status_text(job: ImportJob) -> str:
    if job.interrupted():
        return gettext("interrupted: nothing was written; run it again")
    return str(job.get_status_display())


def _job(request, project: str, job_id: int):
    project_obj, refusal = _importer(request, project)
    if refusal is not None:
        return project_obj, None, refusal
    job = get_object_or_404(ImportJob.objects.select_related("created_by").defer("file"), pk=job_id,
                            project=project_obj)
    return project_obj, job, None


def _job_context(project: Project, job: ImportJob) -> dict:
    counts = live_progress(job)
    total = counts["total"]
    done = counts["written"] if counts["phase"] == "writing" else counts["validated"]
    percent = 100 if job.finished else (min(99, int(100 * done / total)) if total else None)
    notes = job.summary.get("notes", {})
    return {
        "project": project, "job": job, "counts": counts, "percent": percent,
        "kind_title": KINDS[job.kind].title if job.kind in KINDS else job.kind,
        "status_text": _status_text(job), "interrupted": job.interrupted(),
        "at_text": moment(job.created_at, project.zone), "zone": zone_name(project.zone, lang()),
        "problems": job.summary.get("problems", []), "more_problems": job.problem_count - len(job.summary.get(
            "problems", [])),
        "notes": _notes(notes), "unknown_columns": job.summary.get("unknown_columns", []),
    }


def _notes(notes: dict) -> list[str]:
    words = {
        "settlements": gettext("area settlements started: %(n)s"),
        "no_signed_contract": gettext("units without a signed contract, left alone: %(n)s"),
        "already_settling": gettext("units whose contracts already have a settlement, left alone: %(n)s"),
        "registered": gettext("customers registered in the project: %(n)s"),
        "visits": gettext("first visits recorded with their source: %(n)s"),
        "price_list_revision": gettext("price list revision %(n)s"),
    }
    return [words[k] % {"n": v} for k, v in sorted(notes.items()) if k in words]


@login_required
def job_page(request, project: str, job_id: int):
    project_obj, job, refusal = _job(request, project, job_id)
    if refusal is not None:
        return refusal
    return render(request, "web/imports/job.html", _job_context(project_obj, job))


@login_required
def job_progress(request, project: str, job_id: int):
    """The progress block alone, for htmx to swap in every second while the job runs."""
    project_obj, job, refusal = _job(request, project, job_id)
    if refusal is not None:
        return refusal
    return render(request, "web/imports/progress.html", _job_context(project_obj, job))


@login_required
@require_POST
def job_again(request, project: str, job_id: int):
    """Run an interrupted job again, or import a checked dry run for real (a new job of the same file)."""
    project_obj, job, refusal = _job(request, project, job_id)
    if refusal is not None:
        return refusal
    if job.status == JobStatus.CHECKED:
        source = ImportJob.objects.get(pk=job.pk)
        new = create_job(job.kind, project_obj, request.user, bytes(source.file), job.file_name, dry_run=False,
                         language=lang())
        enqueue(new)
        messages.success(request, gettext("%(file)s is being imported for real.") % {"file": job.file_name})
        return redirect("web:import-job", project=project_obj.code, job_id=new.pk)
    if not job.interrupted():
        messages.error(request, gettext("This import is not interrupted: nothing to run again."))
        return redirect("web:import-job", project=project_obj.code, job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, updated_at=timezone.now())
    enqueue(job)
    messages.success(request, gettext("The import runs again from the start."))
    return redirect("web:import-job", project=project_obj.code, job_id=job.pk)


@login_required
def job_problems(request, project: str, job_id: int):
    project_obj, job, refusal = _job(request, project, job_id)
    if refusal is not None:
        return refusal
    content = ImportJob.objects.filter(pk=job.pk).values_list("error_file", flat=True).first()
    if not content:
        raise Http404()
    stem, _dot, suffix = job.file_name.rpartition(".")
    name = f"{stem or job.file_name}-problems.{suffix if stem else 'xlsx'}"
    response = HttpResponse(bytes(content), content_type="text/csv" if name.endswith(".csv") else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_ascii(name)}"'
    return response


@login_required
def template_download(request, project: str, kind: str):
    project_obj, refusal = _importer(request, project)
    if refusal is not None:
        return refusal
    if kind not in KINDS:
        raise Http404()
    response = HttpResponse(template_workbook(kind, project_obj, lang()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template-{project_obj.code}.xlsx"'
    return response


@login_required
def export_list(request, project: str, kind: str, ext: str):
    """A project list as .xlsx or .csv: what the user would see on screen, phones masked alike; a list longer than
    EXPORT_INLINE_MAX_ROWS becomes a job (export_jobs) and the user is sent to its page."""
    project_obj, memberships, roles = member_project(request, project)
    if kind not in exports.KINDS or ext not in ("xlsx", "csv"):
        raise Http404()
    needed = EXPORT_ROLES[kind]
    if needed is not None and not roles & needed and not request.user.is_superuser:
        return refused(request, project_obj, gettext(
            "The %(list)s of %(project)s are for finance, the sales manager and the project director; your roles "
            "there are %(roles)s.") % {"list": exports.TITLES[kind], "project": project_obj.name,
                                       "roles": roles_text(roles)})
    name = f"{kind}-{project_obj.code}-{timezone.now().astimezone(project_obj.zone):%Y%m%d}.{ext}"
    total = (list_tables.customer_rows(request, project_obj, roles).count() if kind == "customers"
             else exports.count(kind, project_obj))
    if export_jobs.too_long_for_request(total):
        return _queue(request, kind, project_obj, ext, total, exports.TITLES[kind], name)
    table = list_tables.project_table(request, project_obj, memberships, roles, kind)
    content = exports.content(table, project_obj, name, lang())
    response = HttpResponse(content, content_type="text/csv; charset=utf-8" if ext == "csv" else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c not in '"\\' else "_" for c in name)


__all__ = ["export_job_file", "export_job_page", "export_job_progress", "export_list", "import_page", "job_again",
           "job_page", "job_problems", "job_progress", "template_download"]


# -- the records list and the inbox, taken out with the filters they were showing ------------------------------


@login_required
def record_list_export(request, project: str, flow: str, ext: str):
    """The records list of one flow with its filters (search, state, open/finished, order), as the page lists them
    (record_list.records_query, the page's own query); a long one becomes a job."""
    if ext not in ("xlsx", "csv"):
        raise Http404()
    found, definition, query = list_tables.records_query(request, project, flow)
    total = min(query.count(), EXPORT_CAP)
    stem = f"{flow}-{found.code}"
    if export_jobs.too_long_for_request(total):
        from .common import text

        return _queue(request, "records", found, ext, total, text(definition.title, flow), _file_name(stem, found, ext),
                      flow=flow)
    return _download(list_tables.records_table(definition, flow, query), found, stem, ext)


@login_required
def inbox_export(request, ext: str):
    """The user's inbox tasks with the filters of the page (view, project, flow, state, search, order)."""
    if ext not in ("xlsx", "csv"):
        raise Http404()
    rows_query, project = list_tables.inbox_query(request)
    total = min(rows_query.count(), EXPORT_CAP)
    if export_jobs.too_long_for_request(total):
        return _queue(request, "inbox", project, ext, total, gettext("Inbox"), _file_name("inbox", project, ext))
    return _download(list_tables.inbox_table(rows_query), project, "inbox", ext)


def _file_name(stem: str, project: Project | None, ext: str) -> str:
    now = timezone.now()
    return f"{stem}-{now.astimezone(project.zone) if project is not None else timezone.localtime(now):%Y%m%d}.{ext}"


def _download(table, project: Project | None, stem: str, ext: str) -> HttpResponse:
    name = _file_name(stem, project, ext)
    if project is not None:
        content = exports.content(table, project, name, lang())
    else:
        content = exports.content_without_project(table, name, lang())
    response = HttpResponse(content, content_type="text/csv; charset=utf-8" if ext == "csv" else XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- long lists: the export as a job, its page and its file -----------------------------------------------------
def _queue(request, kind: str, project: Project | None, ext: str, total: int, title, file_name: str,
           flow: str = "") -> HttpResponse:
    """Record the job (with the list's filters, as the query string) and start it once committed."""
    job = export_jobs.create(kind, request.user, project=project, params=request.GET.urlencode(), ext=ext,
                             total=total, title=str(title), file_name=file_name, flow=flow, language=lang())
    tasks.start_export_job(job)
    messages.success(request, gettext("The list has %(n)s rows: it is being written in the background and this page "
                                      "follows it.") % {"n": total})
    return redirect("web:export-job", job_id=job.pk)


def _export_job(request, job_id: int) -> ExportJob:
    job = get_object_or_404(ExportJob.objects.select_related("project", "created_by"), pk=job_id)
    if not export_jobs.may_open(job, request.user):
        raise Http404()  # someone else's file: not even its existence
    return job


def _export_context(job: ExportJob) -> dict:
    zone = job.project.zone if job.project is not None else timezone.get_current_timezone()
    total = job.rows_total
    percent = 100 if job.status == ExportStatus.DONE else (min(99, int(100 * job.rows_written / total)) if total
                                                            else None)
    interrupted = job.interrupted()
    expired = export_jobs.expired(job)  # deleted after EXPORT_KEEP_DAYS (views/exports_list.py)
    return {"job": job, "project": job.project, "percent": percent, "interrupted": interrupted,
            "status_text": gettext("interrupted") if interrupted else (
                ExportStatus.EXPIRED.label if expired else job.get_status_display()),
            "polling": not job.finished and not interrupted, "list_url": _list_url(job),
            "at_text": moment(job.created_at, zone), "zone": zone_name(zone, lang()),
            "done": job.status == ExportStatus.DONE and not expired, "failed": job.status == ExportStatus.FAILED,
            "expired": expired, "keep_days": export_jobs.keep_days()}


def _list_url(job: ExportJob) -> str:
    """The list the export was taken from, with its filters, to ask again or to go back to."""
    from django.urls import reverse

    query = f"?{job.params}" if job.params else ""
    if job.kind == "inbox" or job.project is None:  # only the inbox is taken out without a project
        return reverse("web:inbox") + query
    if job.kind == "records":
        return reverse("web:record-list-flow", args=[job.project.code, job.flow]) + query
    if job.kind == "customers":
        return reverse("web:customer-list", args=[job.project.code]) + query
    return reverse("web:imports", args=[job.project.code])  # the other project lists are taken out from there


@login_required
def export_job_page(request, job_id: int):
    return render(request, "web/imports/export_job.html", _export_context(_export_job(request, job_id)))


@login_required
def export_job_progress(request, job_id: int):
    """The progress block alone, for htmx to swap in every second while the file is written."""
    return render(request, "web/imports/export_progress.html", _export_context(_export_job(request, job_id)))


@login_required
def export_job_file(request, job_id: int):
    job = _export_job(request, job_id)
    if export_jobs.expired(job):  # deleted after EXPORT_KEEP_DAYS: 410, saying so, with "run again"
        from .export_words import expired_page

        return expired_page(request, job)
    path = export_jobs.file_path(job)
    if job.status != ExportStatus.DONE or path is None or not path.exists():
        raise Http404()
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=job.file_name,
                            content_type="text/csv; charset=utf-8" if job.ext == "csv" else XLSX)
    return response

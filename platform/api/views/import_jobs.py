"""Import jobs 导入任务: a project's spreadsheet imports, one job's progress and its rows' problems, and an upload.

For the project's admins and implementers (`imports.kinds.IMPORT_ROLES`), as the imports
page: another member is refused in words (403), a stranger gets 404. An upload is the
page's: `imports.jobs.create_job`, run by huey after commit (the same runner, the same
all-or-nothing import, `dry_run` checks and counts and writes nothing). Each problem is
at (sheet, row, column, value, message); the column is titled in the caller's language,
the message is in the language the job ran in (`language`: the uploader's).
"""
from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from definitions.roles import role_titles
from imports.columns import normal
from imports.jobs import create_job, live_progress
from imports.kinds import IMPORT_ROLES, KINDS, NAMES
from imports.models import ImportJob, JobPhase, JobStatus
from imports.tasks import enqueue
from kernel.models import Project

from .. import serializers as s
from ..base import ApiView
from ..common import PAGING, paginate
from ..problems import Problem, language

MAX_UPLOAD = 50 * 1024 * 1024  # as the imports page: about 500,000 rows of units
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _q(name: str, description: str, kind=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


class Counts(serializers.Serializer):
    phase = serializers.CharField(help_text="reading, writing or finished")
    phase_title = serializers.CharField()
    total = serializers.IntegerField(allow_null=True, help_text="Rows in the file, once known.")
    read = serializers.IntegerField()
    validated = serializers.IntegerField()
    written = serializers.IntegerField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowProblem(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField(help_text="The row number Excel shows; 0 for the file as a whole.")
    column = serializers.CharField(allow_blank=True, help_text="The column's title; empty for the row or the file.")
    value = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportJobRow(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="units, measured-areas, customers, price-list or targets")
    kind_title = serializers.CharField()
    file_name = serializers.CharField()
    dry_run = serializers.BooleanField()
    status = serializers.CharField(help_text="queued, running, checked, done, refused or failed")
    status_title = serializers.CharField()
    interrupted = serializers.BooleanField(help_text="Its process is gone: nothing was written; run it again.")
    finished = serializers.BooleanField()
    uploaded_by = serializers.CharField(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField(help_text="The language its problems and notes are written in.")
    problem_count = serializers.IntegerField()


class ImportJobDetail(ImportJobRow):
    counts = Counts()
    notes = serializers.ListField(child=serializers.CharField(), help_text="What else the import did, in words.")
    unknown_columns = serializers.ListField(child=serializers.CharField(),
                                            help_text="Headers no column of this kind has (ignored).")
    problems = RowProblem(many=True, help_text="The first 200 problems; the marked file (problems_file) has them "
                                               "all.")
    more_problems = serializers.IntegerField(help_text="How many problems beyond those listed.")
    problems_file = serializers.URLField(allow_null=True, help_text="The uploaded file with every problem marked, "
                                                                    "once the job is refused; else null.")


class ImportIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(NAMES), help_text="What the file holds.")
    file = serializers.FileField(help_text="An .xlsx or .csv file, at most 50 MB, with the kind's template's columns.")
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text="Check and count every row, write nothing.")


def _roles_text(roles: frozenset[str]) -> str:
    lang = "zh" if language().startswith("zh") else "en"
    return ("、" if lang == "zh" else ", ").join(role_titles(sorted(roles), lang)) or pgettext("roles", "no role")


def _kind_title(kind: str) -> str:
    return str(KINDS[kind].title) if kind in KINDS else kind


def _status_title(job: ImportJob) -> str:
    if job.interrupted():
        return _("interrupted: nothing was written; run it again")
    return str(job.get_status_display())


def _row(job: ImportJob) -> dict:
    return {"id": job.pk, "kind": job.kind, "kind_title": _kind_title(job.kind), "file_name": job.file_name,
            "dry_run": job.dry_run, "status": job.status, "status_title": _status_title(job),
            "interrupted": job.interrupted(), "finished": job.finished,
            "uploaded_by": str(job.created_by) if job.created_by else None, "uploaded_at": job.created_at,
            "started_at": job.started_at, "finished_at": job.finished_at, "language": job.language,
            "problem_count": job.problem_count}


def _notes(notes: dict) -> list[str]:
    words = {
        "settlements": _("area settlements started: %(n)s"),
        "no_signed_contract": _("units without a signed contract, left alone: %(n)s"),
        "already_settling": _("units whose contracts already have a settlement, left alone: %(n)s"),
        "registered": _("customers registered in the project: %(n)s"),
        "visits": _("first visits recorded with their source: %(n)s"),
        "price_list_revision": _("price list revision %(n)s"),
    }
    return [words[k] % {"n": v} for k, v in sorted(notes.items()) if k in words]


def _column_titles(kind: str) -> dict[str, str]:
    """A column's title in either language -> its title in the caller's."""
    if kind not in KINDS:
        return {}
    out = {}
    for column in KINDS[kind].columns:
        for lang in ("zh-hans", "en"):
            out[normal(column.title_in(lang))] = column.title_in(language())
    return out


def detail(request, job: ImportJob) -> dict:
    counts = live_progress(job)
    phase = counts["phase"]
    titles = _column_titles(job.kind)
    problems = [{**p, "column": titles.get(normal(p.get("column")), p.get("column", ""))}
                for p in job.summary.get("problems", [])]
    return {**_row(job),
            "counts": {"phase": phase, "phase_title": str(JobPhase(phase).label) if phase in JobPhase.values else "",
                       "total": counts["total"], "read": counts["read"], "validated": counts["validated"],
                       "written": counts["written"], "created": job.created_count, "changed": job.changed_count,
                       "unchanged": job.unchanged_count},
            "notes": _notes(job.summary.get("notes", {})), "unknown_columns": job.summary.get("unknown_columns", []),
            "problems": problems, "more_problems": max(0, job.problem_count - len(problems)),
            "problems_file": request.build_absolute_uri(reverse("api:import-job-problems-file", kwargs={
                "code": job.project.code, "job_id": job.pk})) if job.finished and job.problem_count else None}


class _Importer(ApiView):
    def importer(self, request, code: str) -> Project:
        project, roles = self.project(request, code)
        if not (roles & IMPORT_ROLES or request.user.is_superuser):
            raise Problem(403, "not_permitted", _(
                "Importing spreadsheets into %(project)s is for its project admins and implementers; your roles "
                "there are %(roles)s. Ask a project admin to load the file, or for the role.") % {
                "project": project.name, "roles": _roles_text(roles)})
        return project


class ImportJobList(_Importer):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="The project's imports, newest first (its admins and implementers)", tags=["imports"],
                   operation_id="projects_import_jobs_list",
                   parameters=[*PAGING, _q("mine", "true: only the caller's uploads", bool),
                               _q("kind", "What the files hold", enum=list(NAMES)),
                               _q("status", "The job's status", enum=JobStatus.values)],
                   responses=s.paged(ImportJobRow))
    def get(self, request, code: str):
        project = self.importer(request, code)
        query = ImportJob.objects.filter(project=project).select_related("created_by").defer("file", "error_file")
        params = request.query_params
        if params.get("mine", "").lower() in ("1", "true", "yes"):
            query = query.filter(created_by=request.user)
        if params.get("kind"):
            if params["kind"] not in NAMES:
                raise Problem(400, "bad_filter", _("“%(value)s” is not a kind of import; use one of: %(choices)s.")
                              % {"value": params["kind"][:40], "choices": ", ".join(NAMES)})
            query = query.filter(kind=params["kind"])
        if params.get("status"):
            if params["status"] not in JobStatus.values:
                raise Problem(400, "bad_filter", _("“%(value)s” is not an import's status; use one of: "
                                                   "%(choices)s.") % {"value": params["status"][:40],
                                                                      "choices": ", ".join(JobStatus.values)})
            query = query.filter(status=params["status"])
        rows, paginator = paginate(self, request, query, ("-created_at", "-pk"))
        return paginator.get_paginated_response([_row(job) for job in rows])

    @extend_schema(summary="Upload a spreadsheet to import (multipart: kind, file, dry_run); 202, then follow the job",
                   request={"multipart/form-data": ImportIn}, responses={202: ImportJobDetail, 422: s.ProblemDetails},
                   tags=["imports"])
    def post(self, request, code: str):
        project = self.importer(request, code)
        serializer = ImportIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            message = _("Upload an .xlsx or .csv file (%(name)s is neither).") % {"name": upload.name}
            raise Problem(422, "invalid", message, [{"path": "file", "message": message}])
        if upload.size > MAX_UPLOAD:
            message = _("The file is larger than 50 MB; split it into several files.")
            raise Problem(422, "invalid", message, [{"path": "file", "message": message}])
        job = create_job(serializer.validated_data["kind"], project, request.user, upload.read(), upload.name,
                         dry_run=serializer.validated_data["dry_run"], language=language())
        enqueue(job)
        job = ImportJob.objects.select_related("created_by", "project").defer("file", "error_file").get(pk=job.pk)
        return Response(detail(request, job), status=202)


class ImportJobDetailView(_Importer):
    @extend_schema(summary="One import: its status, progress, what it did and its rows' problems", tags=["imports"],
                   responses={200: ImportJobDetail, 404: s.ProblemDetails})
    def get(self, request, code: str, job_id: int):
        return Response(detail(request, self.job(request, code, job_id)))

    def job(self, request, code: str, job_id: int) -> ImportJob:
        project = self.importer(request, code)
        job = (ImportJob.objects.filter(project=project, pk=job_id).select_related("created_by", "project")
               .defer("file", "error_file").first())
        if job is None:
            raise Problem(404, "not_found", _("%(project)s has no import %(id)s.") % {"project": project.code,
                                                                                     "id": job_id})
        return job


class ImportJobProblemsFile(ImportJobDetailView):
    @extend_schema(summary="The uploaded file with every problem marked in an extra column (as the page hands it "
                           "back)", tags=["imports"],
                   responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY,
                              404: s.ProblemDetails})
    def get(self, request, code: str, job_id: int):
        job = self.job(request, code, job_id)
        content = ImportJob.objects.filter(pk=job.pk).values_list("error_file", flat=True).first()
        if not content:
            raise Problem(404, "not_found", _("Import %(id)s has no problems to mark: its file was not refused.")
                          % {"id": job.pk})
        stem, _dot, suffix = job.file_name.rpartition(".")
        name = f"{stem or job.file_name}-problems.{suffix if stem else 'xlsx'}"
        response = HttpResponse(bytes(content), content_type="text/csv" if name.endswith(".csv") else XLSX)
        ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        response["Content-Disposition"] = f'attachment; filename="{ascii_name}"'
        return response

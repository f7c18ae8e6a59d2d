"""Import jobs: record an upload, run it (from huey or a command), report its progress, run it again.

Progress goes to the job's row after every chunk. While the write transaction is open
the row cannot be updated from inside it (the update would be rolled back with it, and
would only be seen at commit), so the counters are written through a second database
connection; on SQLite, where that connection would wait for the writer's lock, they go
to a small file next to the database instead (SQLite is one machine anyway) and the
page reads both.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from kernel.models import Project

from .models import ImportJob, JobPhase, JobStatus
from .problems import SHOWN_IN_SUMMARY, marked_copy
from .runner import Outcome, Progress, run

log = logging.getLogger(__name__)


def create_job(kind: str, project: Project, user, content: bytes, file_name: str, *, dry_run: bool,
               language: str) -> ImportJob:
    return ImportJob.objects.create(kind=kind, project=project, created_by=user if user and user.pk else None,
                                    file=content, file_name=file_name[:200], dry_run=dry_run, language=language)


def run_job(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    """Run the job (again, if it was interrupted): the outcome, problems and marked file end on its row."""
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, phase=JobPhase.READING, started_at=now, updated_at=now, finished_at=None,
        rows_read=0, rows_validated=0, rows_written=0, attempts=job.attempts + 1, error_file=None, problem_count=0)
    sink = _Sink(job.pk)

    def report(phase, read, validated, written, total):
        sink(phase, read, validated, written, total)
        if progress is not None:
            progress(phase, read, validated, written, total)

    try:
        outcome = run(job.kind, job.project, job.created_by, bytes(job.file), job.file_name, dry_run=job.dry_run,
                      language=job.language, progress=report, job_id=job.pk)
    except Exception:
        sink.close()
        raise
    sink.close()
    _finish(job, outcome)
    return ImportJob.objects.get(pk=job.pk)


def _finish(job: ImportJob, outcome: Outcome) -> None:
    from django.utils import translation

    with translation.override(job.language):
        error_file = marked_copy(bytes(job.file), job.file_name, outcome.problems) if outcome.problems else None
    rows = outcome.rows
    ImportJob.objects.filter(pk=job.pk).update(
        status={"done": JobStatus.DONE, "checked": JobStatus.CHECKED}.get(outcome.status, JobStatus.REFUSED),
        phase=JobPhase.FINISHED, rows_total=rows, rows_read=rows, rows_validated=rows,
        rows_written=rows if outcome.status == "done" else 0,
        created_count=outcome.created, changed_count=outcome.changed, unchanged_count=outcome.unchanged,
        problem_count=len(outcome.problems), error_file=error_file, finished_at=timezone.now(),
        updated_at=timezone.now(),
        summary={"notes": outcome.notes, "unknown_columns": outcome.unknown_columns,
                 "problems": [p.as_dict() for p in outcome.problems[:SHOWN_IN_SUMMARY]]})
    side_file(job.pk).unlink(missing_ok=True)


def side_file(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / f"job-{job_id}.progress.json"


def live_progress(job: ImportJob) -> dict:
    """The counters to show: the row's, or the side file's while a SQLite write phase runs."""
    counts = {"phase": job.phase, "read": job.rows_read, "validated": job.rows_validated,
              "written": job.rows_written, "total": job.rows_total}
    path = side_file(job.pk)
    if not job.finished and path.exists():
        try:
            counts.update(json.loads(path.read_text()))
        except (OSError, ValueError):
            pass
    return counts


class _Sink:
    """Writes progress where another process can read it, inside or outside the write transaction."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.other: BaseDatabaseWrapper | None = None

    def __call__(self, phase, read, validated, written, total) -> None:
        values = {"phase": phase, "rows_read": read, "rows_validated": validated, "rows_written": written,
                  "rows_total": total, "updated_at": timezone.now()}
        if phase != "writing":  # no write transaction of ours is open: the row itself
            ImportJob.objects.filter(pk=self.job_id).update(**values)
            return
        if connection.vendor == "sqlite":
            path = side_file(self.job_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"phase": phase, "read": read, "validated": validated, "written": written,
                                       "total": total}))
            tmp.replace(path)
            return
        try:
            if self.other is None:
                self.other = connections.create_connection("default")
            with self.other.cursor() as cursor:
                cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET phase = %s, rows_read = %s, "
                               "rows_validated = %s, rows_written = %s, rows_total = %s, updated_at = %s "
                               "WHERE id = %s", [phase, read, validated, written, total, values["updated_at"],
                                                 self.job_id])
        except Exception:  # progress is a courtesy: never let it break the import
            log.warning("import progress not written", exc_info=True)

    def close(self) -> None:
        if self.other is not None:
            self.other.close()
            self.other = None

"""Exports as background jobs: a list longer than EXPORT_INLINE_MAX_ROWS is written by huey, not in the request.

The request counts the list with the list's own query (one COUNT); above the threshold it
records an `ExportJob` with everything the file depends on (who asked, the list and its
filters as the page's query string, the language) and a job replays it: the same table
builder the inline download uses, under `translation.override(job.language)`, with the
phones masked through the asker's `PhoneVisibility`. The file goes to VAR_DIR/exports,
written to a temporary name and renamed when complete, so a half-written file is never
offered. Progress (rows written) is put on the job's row every `PROGRESS_EVERY` rows; no
write transaction is open while the file is written, so the row itself can take it.

Files are kept EXPORT_KEEP_DAYS days (`delete_old_files`, run hourly by imports.tasks); the
job's row stays, says the file expired, and the export can be asked for again from the
user's list of past exports (`again`: a new job of the same list and filters).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext

from kernel.access import memberships_of
from kernel.models import Project

from . import exports
from .models import ExportJob, ExportStatus

log = logging.getLogger(__name__)

INLINE_MAX_ROWS = 5000  # the default of settings.EXPORT_INLINE_MAX_ROWS
KEEP_DAYS = 7  # the default of settings.EXPORT_KEEP_DAYS
PROGRESS_EVERY = 1000
# who besides the asker may open a job and its file: the project's admins (a list across projects: nobody else)
ADMIN_ROLES = frozenset({"project_admin"})

Builder = Callable[[ExportJob], tuple[exports.Table, Project | None]]


def inline_max_rows() -> int:
    return int(getattr(settings, "EXPORT_INLINE_MAX_ROWS", INLINE_MAX_ROWS))


def keep_days() -> int:
    return int(getattr(settings, "EXPORT_KEEP_DAYS", KEEP_DAYS))


def too_long_for_request(count: int) -> bool:
    return count > inline_max_rows()


def create(kind: str, user, *, project: Project | None, params: str, ext: str, total: int, title: str,
           file_name: str, flow: str = "", language: str) -> ExportJob:
    return ExportJob.objects.create(kind=kind, flow=flow, project=project, params=params[:2000], ext=ext,
                                    created_by=user, language=language, rows_total=total, title=str(title)[:200],
                                    file_name=file_name[:200])


def again(job: ExportJob, user, *, total: int, file_name: str, language: str) -> ExportJob:
    """A new job of the same list and filters as `job` (the user's past export), for `user`, in `language`.

    The old job is left as it is (its file, if still kept, too): the new one is written from the list as it is
    now, under the user's roles as they are now. Whether the user may still see the list is the caller's check."""
    return create(job.kind, user, project=job.project, params=job.params, ext=job.ext, total=total, title=job.title,
                  file_name=file_name, flow=job.flow, language=language)


def directory() -> Path:
    return Path(settings.VAR_DIR) / "exports"


def file_path(job: ExportJob) -> Path | None:
    return Path(settings.VAR_DIR) / job.path if job.path else None


def may_open(job: ExportJob, user) -> bool:
    """The asker, a platform admin, or an admin of the job's project: the file holds what the asker may see."""
    if not user.is_authenticated:
        return False
    if user.pk == job.created_by_id or user.is_superuser:
        return True
    return job.project_id is not None and bool(memberships_of(user.pk).get(job.project_id, frozenset()) & ADMIN_ROLES)


def run(job_id: int, build: Builder) -> ExportJob:
    """Write the job's file with `build` (the list's table, as the inline export builds it); the outcome on its row."""
    job = ExportJob.objects.select_related("project", "created_by").get(pk=job_id)
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, started_at=now, updated_at=now,
                                               rows_written=0, error="", finished_at=None)
    target = directory() / f"export-{job.pk}.{job.ext}"
    part = target.with_name(target.name + ".part")
    counter: _Counted | None = None
    try:
        with translation.override(job.language):
            table, project = build(job)
            # building may take a while (the records list reads its facts first): still alive
            ExportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())
            counter = _Counted(table.rows, job.pk)
            table = replace(table, rows=counter)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "wb") as out:
                if project is not None:
                    exports.write(table, project, job.file_name, job.language, out)
                else:
                    exports.write(table, None, job.file_name, job.language, out,
                                  exports.title_without_project(table, job.language))
            os.replace(part, target)  # the file appears whole or not at all
            size = target.stat().st_size
    except Exception as error:  # the page says what happened; the log keeps the trace
        log.exception("export job %s failed", job.pk)
        part.unlink(missing_ok=True)
        with translation.override(job.language):
            words = gettext("The file could not be written (%(reason)s). Ask for the export again from the list; "
                            "if it fails again, tell the administrator.") % {
                "reason": str(error) or error.__class__.__name__}
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error=words,
                                                   rows_written=counter.count if counter else 0,
                                                   finished_at=timezone.now(), updated_at=timezone.now())
        return ExportJob.objects.get(pk=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE, rows_written=counter.count, rows_total=max(counter.count, job.rows_total),
        path=str(target.relative_to(Path(settings.VAR_DIR))), size=size, finished_at=timezone.now(),
        updated_at=timezone.now())
    return ExportJob.objects.get(pk=job.pk)


def expired(job: ExportJob) -> bool:
    """The job's file was deleted by the clean-up (or is gone from the disk although the job says it is ready)."""
    if job.status == ExportStatus.EXPIRED:
        return True
    path = file_path(job)
    return job.status == ExportStatus.DONE and (path is None or not path.exists())


def delete_old_files(now: datetime | None = None) -> int:
    """Delete the export files written more than EXPORT_KEEP_DAYS ago; their jobs stay, marked expired.

    The rows are marked first and the files deleted after, so a clean-up that dies between the two leaves a
    file nobody is offered, which the next run's sweep of the directory deletes. The sweep also takes what an
    interrupted job left (`.part`) and files whose job is gone, once they are as old. Running it again changes
    nothing. Returns how many jobs' files expired in this run."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=keep_days())
    old = (ExportJob.objects.filter(status=ExportStatus.DONE)
           .filter(models.Q(finished_at__lt=cutoff) | models.Q(finished_at__isnull=True, created_at__lt=cutoff)))
    found = list(old.values_list("pk", "path"))
    expired_count = ExportJob.objects.filter(pk__in=[pk for pk, _path in found], status=ExportStatus.DONE).update(
        status=ExportStatus.EXPIRED, path="", expired_at=now, updated_at=now) if found else 0
    root = Path(settings.VAR_DIR)
    for _pk, path in found:
        if path:
            (root / path).unlink(missing_ok=True)
    folder = directory()
    if folder.is_dir():
        offered = set(ExportJob.objects.filter(status=ExportStatus.DONE).exclude(path="")
                      .values_list("path", flat=True))
        for leftover in folder.glob("export-*"):
            if (leftover.is_file() and str(leftover.relative_to(root)) not in offered
                    and leftover.stat().st_mtime < cutoff.timestamp()):
                leftover.unlink(missing_ok=True)
    if expired_count:
        log.info("export files older than %s days deleted: %s", keep_days(), expired_count)
    return expired_count


class _Counted(Iterable[Sequence[object]]):
    """The table's rows, passed through, counting them onto the job's row as they are written."""

    def __init__(self, rows: Iterable[Sequence[object]], job_id: int):
        self.rows, self.job_id, self.count = rows, job_id, 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            yield row
            self.count += 1
            if self.count % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=self.job_id).update(rows_written=self.count, updated_at=timezone.now())

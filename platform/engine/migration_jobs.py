"""Moving running records as a job: the studio's migration page asks, a huey job moves, the page follows.

The dry run stays in the request (it writes nothing and is quick); the move itself is
one short transaction per record, so a job's progress is simply how many records have
been moved or refused so far. A job that fails keeps what it moved (each record is moved
whole or not at all) and says why it stopped.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from kernel.models import Project

from .models import MigrationJob, MigrationStatus
from .runtime.migration import Step, migrate


def start(user, project: Project, flow: str, from_number: int, to_number: int, *,
          state_map: Mapping[str, str] | None = None, states: Iterable[str] | None = None,
          values: Mapping[str, object] | None = None) -> MigrationJob:
    """Record the admin's choices and queue the move after commit; the job to follow."""
    job = MigrationJob.objects.create(project=project, flow=flow, from_number=from_number, to_number=to_number,
                                      state_map=dict(state_map or {}),
                                      states=list(states) if states is not None else None,
                                      values=dict(values or {}), created_by=user)
    transaction.on_commit(lambda: run_migration_job(job.pk))
    return job


def _outcome(step: Step) -> dict:
    return {"reference": step.reference, "from": step.from_state, "to": step.to_state or "", "moved": step.moved,
            "reason": step.reason, "reason_zh": step.reason_zh}


def run(job_id: int) -> str:
    """Move the job's records, saving the counts after each one; its final status."""
    claimed = MigrationJob.objects.filter(pk=job_id, status=MigrationStatus.QUEUED).update(
        status=MigrationStatus.RUNNING)
    if not claimed:  # already run (a second consumer, a retry): nothing to do twice
        return MigrationJob.objects.get(pk=job_id).status
    job = MigrationJob.objects.select_related("project", "created_by").get(pk=job_id)
    results: list[dict] = []

    def progress(step: Step, total: int) -> None:
        results.append(_outcome(step))
        job.total = total
        job.moved += step.moved
        job.refused += not step.moved
        MigrationJob.objects.filter(pk=job.pk).update(total=job.total, moved=job.moved, refused=job.refused)

    try:
        migrate(job.created_by, job.project, job.flow, job.from_number, job.to_number, job.state_map,
                states=job.states, values=job.values, dry_run=False, progress=progress)
    except Exception as exc:  # the job says why it stopped; what it moved stays moved
        job.status, job.error = MigrationStatus.FAILED, str(exc)
    else:
        job.status = MigrationStatus.DONE
    job.results, job.finished_at = results, timezone.now()
    job.save(update_fields=["status", "error", "results", "finished_at", "total", "moved", "refused"])
    return job.status


@db_task()
def run_migration_job(job_id: int) -> str:
    """The huey job: move the running records a migration page asked for."""
    return run(job_id)

"""huey jobs of the staff pages (run_huey discovers every installed app's `tasks` module), and
`start_export_job`, which queues one.

The export job lives here, not in imports.tasks, because the records list and the inbox are
built by the pages' own queries (web.views.list_tables), which the imports layer may not import.
Nor does this module import the views (they import it, to queue the job): the table builder is
handed to it by WebConfig.ready (`build_tables_with`), in the consumer as in the web process."""
from django.db import transaction
from huey.contrib.djhuey import db_task

from imports import export_jobs
from imports.models import ExportJob

_build: export_jobs.Builder | None = None


def build_tables_with(build: export_jobs.Builder) -> None:
    global _build
    _build = build


@db_task()
def run_export_job(job_id: int) -> str:
    """Write one long list's file; a consumer killed half way leaves only a .part file and a job to ask again."""
    if _build is None:  # only if the app registry was never made ready: no Django process runs so
        raise RuntimeError("web.tasks: no table builder (WebConfig.ready did not run)")
    return export_jobs.run(job_id, _build).status


def start_export_job(job: ExportJob) -> None:
    """Write the job's file once the request's transaction is committed (also a past export run again,
    views/exports_list.py)."""
    transaction.on_commit(lambda: run_export_job(job.pk))

"""huey jobs of the imports (run_huey discovers every installed app's `tasks` module), and `enqueue`, which
queues an upload's job (here beside the job, so imports.jobs, which runs it, needs nothing of this module)."""
from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .export_jobs import delete_old_files
from .jobs import run_job
from .models import ImportJob


@db_task()
def run_import_job(job_id: int) -> str:
    """Run one upload. A consumer killed half way leaves its write transaction unfinished, so nothing is
    written; the page then offers to run the job again."""
    return run_job(job_id).status


def enqueue(job: ImportJob) -> None:
    """Run the job in a huey consumer once the upload is committed (inline when HUEY_IMMEDIATE)."""
    transaction.on_commit(lambda: run_import_job(job.pk))


@db_periodic_task(crontab(minute="23"))
def delete_old_export_files_every_hour() -> int:
    """Delete the export files older than EXPORT_KEEP_DAYS; their jobs stay and say the file expired.

    Hourly, so a file goes within the hour of its last kept day; no huey lock: a second consumer
    running it at the same moment finds the rows already marked and deletes nothing more.
    """
    return delete_old_files()

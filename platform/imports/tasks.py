"""huey jobs of the imports (run_huey discovers every installed app's `tasks` module)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .export_jobs import delete_old_files
from .jobs import run_job


@db_task()
def run_import_job(job_id: int) -> str:
    """Run one upload. A consumer killed half way leaves its write transaction unfinished, so nothing is
    written; the page then offers to run the job again."""
    return run_job(job_id).status


@db_periodic_task(crontab(minute="23"))
def delete_old_export_files_every_hour() -> int:
    """Delete the export files older than EXPORT_KEEP_DAYS; their jobs stay and say the file expired.

    Hourly, so a file goes within the hour of its last kept day; no huey lock: a second consumer
    running it at the same moment finds the rows already marked and deletes nothing more.
    """
    return delete_old_files()

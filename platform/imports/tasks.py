"""huey jobs of the imports (run_huey discovers every installed app's `tasks` module)."""
from huey.contrib.djhuey import db_task

from .jobs import run_job


@db_task()
def run_import_job(job_id: int) -> str:
    """Run one upload. A consumer killed half way leaves its write transaction unfinished, so nothing is
    written; the page then offers to run the job again."""
    return run_job(job_id).status

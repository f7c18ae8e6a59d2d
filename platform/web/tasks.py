"""huey jobs of the staff pages (run_huey discovers every installed app's `tasks` module).

The export job lives here, not in imports.tasks, because the records list and the inbox are
built by the pages' own queries (web.views), which the imports layer may not import."""
from huey.contrib.djhuey import db_task

from imports import export_jobs


@db_task()
def run_export_job(job_id: int) -> str:
    """Write one long list's file; a consumer killed half way leaves only a .part file and a job to ask again."""
    from .views.imports import job_table

    return export_jobs.run(job_id, job_table).status

"""huey jobs of the engine."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .migration_jobs import run_migration_job  # noqa: F401  # the move job, registered with huey here
from .runtime.timers import fire_due_timers


@db_periodic_task(crontab(minute="*"))
def fire_due_timers_every_minute() -> int:
    """Fire due timers and escalations.

    No huey lock: each timer is claimed under its own row lock (SKIP LOCKED), so several
    consumers share the work, and a consumer killed mid-run leaves nothing locked.
    """
    return fire_due_timers()


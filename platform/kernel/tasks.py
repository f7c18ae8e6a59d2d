"""huey jobs of the kernel (run_huey discovers every installed app's `tasks` module)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .protection_release import release_expired_protections


@db_periodic_task(crontab(minute="*/5"))
def release_expired_protections_every_five_minutes() -> int:
    """Write down the protections that ran out (released_at and a history row), each exactly once.

    No huey lock: rows are taken with SKIP LOCKED, so several consumers share the work.
    """
    return release_expired_protections()

"""huey jobs of the kernel (run_huey discovers every installed app's `tasks` module)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .dunning import issue_notices
from .protection_release import release_expired_protections


@db_periodic_task(crontab(minute="*/5"))
def release_expired_protections_every_five_minutes() -> int:
    """Write down the protections that ran out (released_at and a history row), each exactly once.

    No huey lock: rows are taken with SKIP LOCKED, so several consumers share the work.
    """
    return release_expired_protections()


@db_periodic_task(crontab(minute="7"))
def issue_payment_reminders_every_hour() -> int:
    """Write today's payment reminders (催款): each line's once per project day, however often this runs.

    Hourly rather than once a day: huey's clock is UTC and every project has its own day,
    so each project's reminders appear within its first hour, and a consumer that was down
    at that moment catches up at the next run. Extra runs write nothing (the notice's
    unique key; no huey lock needed), at a fixed number of queries per batch of deals.
    """
    return issue_notices()

"""huey jobs of the commission plugin."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .sweep import release_due


@db_periodic_task(crontab(minute="20", hour="*"))
@lock_task("commission-release-due")
def release_due_commission_hourly() -> int:
    """A safety net: flows release commission after filing and payments; this catches any they missed."""
    return release_due()

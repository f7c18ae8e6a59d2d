"""huey jobs of the points plugin."""
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .ledger import expire_due


@db_periodic_task(crontab(minute="40", hour="*"))
@lock_task("points-expire-due")
def expire_due_points_hourly() -> int:
    """Expire due points for statements; redemptions expire a member's due points themselves first."""
    return expire_due(now=timezone.now())

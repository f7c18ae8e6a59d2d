"""huey jobs of the API: webhook deliveries (run_huey discovers every installed app's `tasks` module)."""
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import sending


@db_task()
def deliver(delivery_id: int) -> None:
    """The first attempt, queued after the commit (or a redelivery by hand): it may take the delivery before it falls
    due for the sweep; a delivery the sweep or another job took meanwhile is not sent again."""
    sending.attempt(delivery_id, due_by=timezone.now() + sending.HANDOFF_GRACE)


@db_periodic_task(crontab(minute="*"))
def retry_due() -> None:
    """Every minute: the deliveries due and not taken (retries, and any first attempt a crash or a lost job left)."""
    sending.sweep()

"""huey jobs of the API: webhook deliveries (run_huey discovers every installed app's `tasks` module)."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import webhooks


@db_task()
def deliver(delivery_id: int) -> None:
    webhooks.attempt(delivery_id)


@db_periodic_task(crontab(minute="*"))
def retry_due() -> None:
    """Every minute: the deliveries whose next attempt is due (retries, and any first attempt a lost job left)."""
    for delivery_id in webhooks.due_ids():
        webhooks.attempt(delivery_id)

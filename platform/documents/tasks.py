"""huey jobs of the documents (run_huey discovers every installed app's `tasks` module)."""
from huey.contrib.djhuey import db_task

from .receipts import issue_receipt_now


@db_task(retries=3, retry_delay=30)
def issue_receipt(payment_id: int) -> str:
    """The receipt of one payment; retried when the database was busy."""
    found = issue_receipt_now(payment_id)
    return found.reference if found is not None else ""

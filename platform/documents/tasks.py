"""huey jobs of the documents (run_huey discovers every installed app's `tasks` module), and the signal that
queues the receipt job after a payment's transaction commits (documents.receipts says why it is a signal)."""
from django.db import transaction
from django.db.models.signals import post_save
from huey.contrib.djhuey import db_task

from kernel.models import Payment

from .receipts import issue_receipt_now


@db_task(retries=3, retry_delay=30)
def issue_receipt(payment_id: int) -> str:
    """The receipt of one payment; retried when the database was busy."""
    found = issue_receipt_now(payment_id)
    return found.reference if found is not None else ""


def _on_payment(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    payment_id = instance.pk
    # robust: the payment is committed whatever happens here; a queue that cannot take the job is logged,
    # and the receipt can still be printed from the record page
    transaction.on_commit(lambda: issue_receipt(payment_id), robust=True)


def connect() -> None:
    post_save.connect(_on_payment, sender=Payment, dispatch_uid="documents.receipt")

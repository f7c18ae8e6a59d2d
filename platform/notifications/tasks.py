"""huey jobs of the notifications (run_huey discovers every installed app's `tasks` module)."""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from .channels import SENDERS
from .emitting import create
from .models import Delivery

log = logging.getLogger(__name__)


def notify_now(record_id: int) -> list[int]:
    """Create the record's notifications, then hand each channel's delivery its own job."""
    pending = create(record_id)
    for delivery_id in pending:
        deliver(delivery_id)  # one job per channel: a failing one retries alone
    return pending


@db_task(retries=3, retry_delay=30)
def notify(record_id: int) -> None:
    notify_now(record_id)


def deliver_now(delivery_id: int) -> bool:
    """Send one delivery unless sent; True when this call sent it. Raises when the channel failed.

    The delivery row is locked while sending, so a second consumer waits, then finds it sent.
    """
    skip = {"skip_locked": True} if connection.features.has_select_for_update_skip_locked else {}
    failure: Exception | None = None
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(**skip).select_related("notification__recipient")
                    .filter(pk=delivery_id).exclude(status=Delivery.Status.SENT).first())
        if delivery is None:
            return False  # sent already, or another consumer is sending it now
        delivery.attempts += 1
        try:
            SENDERS[delivery.channel](delivery.notification)
        except Exception as exc:  # any channel's failure is logged on the row and retried by huey
            failure = exc
            delivery.status, delivery.last_error = Delivery.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            delivery.status, delivery.sent_at, delivery.last_error = Delivery.Status.SENT, timezone.now(), ""
        delivery.save(update_fields=["attempts", "status", "last_error", "sent_at"])
    if failure is not None:
        log.warning("delivery %s by %s failed: %s", delivery_id, delivery.channel, failure)
        raise failure
    return True


@db_task(retries=3, retry_delay=60)
def deliver(delivery_id: int) -> None:
    deliver_now(delivery_id)

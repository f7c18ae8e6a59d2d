"""Queue numbers 排号: the actions behind `queue.issue` and `queue.void`.

Numbers are counted per project and batch on the batch row (see models/queue.py for
why this is unique, gapless and in confirmation order under concurrency). The record
gets its number as `queue_number` in its data through `ctx.changes`. A customer (the
record's `customer_id`) holds at most the project's `queue_numbers_per_customer` live
numbers per batch (default 1); a voided number no longer counts.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .action_context import ActionContext
from .errors import QueueBatchClosed, QueueBatchInvalid, QueueNumberLimitReached
from .locking import locked_row
from .models.customers import Customer
from .models.projects import Project
from .models.queue import BATCH_CODE, QueueBatch, QueueNumber

NUMBER_FIELD = "queue_number"


def format_number(batch: str, number: int) -> str:
    """A-0001: the batch code, then at least four digits (A-10000 after A-9999)."""
    return f"{batch}-{number:04d}"


@transaction.atomic
def issue(ctx: ActionContext, batch: object) -> QueueNumber:
    """Give this record the next number of `batch`; a record that has one keeps it."""
    code = batch_code(batch)
    current = live_number(ctx.project_id, ctx.record_id)
    if current is not None:
        ctx.changes[NUMBER_FIELD] = current.code
        return current
    locked = _lock_batch(ctx.project_id, code)
    if not locked.is_open:
        raise QueueBatchClosed(batch=code)
    customer = _customer_of(ctx)
    if customer is not None:
        _check_limit(ctx, locked, customer)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    issued = QueueNumber.objects.create(
        project_id=ctx.project_id, batch=locked, number=locked.last_number,
        code=format_number(code, locked.last_number), record_id=ctx.record_id, reference=ctx.reference,
        customer=customer, issued_at=ctx.now, issued_by_id=ctx.user_id)
    ctx.changes[NUMBER_FIELD] = issued.code
    return issued


@transaction.atomic
def void(ctx: ActionContext, reason: object = "") -> QueueNumber | None:
    """Void this record's number. It stays in its batch, marked voided, and is never issued again."""
    current = (QueueNumber.objects.select_for_update()
               .filter(project_id=ctx.project_id, record_id=ctx.record_id, voided_at__isnull=True).first())
    if current is None:
        return None
    current.voided_at = ctx.now
    current.voided_by_id = ctx.user_id
    current.void_reason = str(reason or f"voided by {ctx.reference}")[:200]
    current.save(update_fields=["voided_at", "voided_by", "void_reason"])
    return current


def live_number(project_id: int, record_id: int) -> QueueNumber | None:
    return QueueNumber.objects.filter(project_id=project_id, record_id=record_id, voided_at__isnull=True).first()


def batch_code(value: object) -> str:
    code = str(value).strip().upper() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    try:
        BATCH_CODE(code)
    except ValidationError:
        raise QueueBatchInvalid(batch=value) from None
    return code


def _customer_of(ctx: ActionContext) -> Customer | None:
    """The record's customer (its `customer_id`), if it names one that exists."""
    try:
        customer_id = int(ctx.data.get("customer_id", ""))  # missing: ValueError, as for any non-number
    except (TypeError, ValueError):
        return None
    return Customer.objects.filter(pk=customer_id).first()


def _check_limit(ctx: ActionContext, batch: QueueBatch, customer: Customer) -> None:
    """Refuse a number beyond the project's `queue_numbers_per_customer` live numbers in this batch.

    Called with the batch row locked: every issue in the batch waits on that lock, so two
    confirmations for one customer cannot both see room for one more.
    """
    limit = Project.objects.get(pk=ctx.project_id).setting("queue_numbers_per_customer") or 1
    held = list(QueueNumber.objects.filter(batch=batch, customer=customer, voided_at__isnull=True)
                .order_by("number").values_list("code", flat=True))
    if len(held) >= int(limit):
        raise QueueNumberLimitReached(customer=customer.name, batch=batch.code, numbers=", ".join(held),
                                      limit=int(limit))


def _lock_batch(project_id: int, code: str) -> QueueBatch:
    # A batch is created by its first issue; two first issues racing both end up on its lock.
    return locked_row(QueueBatch, project_id=project_id, code=code)

"""A receipt 收款收据 for every payment, issued after the payment's transaction commits.

The ledger (kernel.payments) knows nothing of documents, and must not: the kernel is
below. A post_save signal on Payment registers an after-commit hook that enqueues the
huey job `issue_receipt` (both in documents.tasks, which calls `issue_receipt_now` here);
a rolled-back step leaves no receipt and no job. The job is idempotent: one receipt per
payment (IssuedDocument's unique subject), also when two consumers run it at once.
"""
from __future__ import annotations

import logging

from django.db import IntegrityError

log = logging.getLogger(__name__)


def issue_receipt_now(payment_id: int):
    """The receipt of one payment: the existing original, or a new one (None if the payment is gone)."""
    from engine.models import Record
    from kernel.models import Payment

    from .catalogue import RECEIPT
    from .issuing import issue
    from .models import IssuedDocument

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return None
    subject = f"payment:{payment_id}"
    done = IssuedDocument.objects.filter(record_id=payment.record_id, template=RECEIPT, subject=subject,
                                         copy_number=0).first()
    if done is not None:
        return done
    record = Record.objects.select_related("project").get(pk=payment.record_id)
    try:
        return issue(record, RECEIPT, user=payment.recorded_by, payment_id=payment_id)
    except IntegrityError:  # another consumer issued it first
        log.info("receipt of payment %s was issued by another consumer", payment_id)
        return IssuedDocument.objects.get(record_id=payment.record_id, template=RECEIPT, subject=subject,
                                          copy_number=0)

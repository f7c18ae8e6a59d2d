"""Releasing commission whose conditions came true without a flow calling `commission.release`."""
from __future__ import annotations

from django.utils import timezone

from extensions.api import RulesMissing

from . import ledger
from .models import CommissionDeal


def release_due() -> int:
    """Check every unreleased, live deal once; each in its own transaction. Returns how many were released."""
    released = 0
    pending = CommissionDeal.objects.filter(released_at__isnull=True, cancelled_at__isnull=True)
    for project_id, record_id in pending.values_list("project_id", "record_id").order_by("id"):
        try:
            deal = ledger.release(project_id=project_id, lineage=(record_id,), filed=False, now=timezone.now())
        except RulesMissing:
            continue  # the project removed its rules; the start-up check reports it
        released += deal is not None and deal.released_at is not None
    return released

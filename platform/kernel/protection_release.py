"""Releasing protections that ran out (a huey job every few minutes: kernel.tasks).

Each registration whose `protected_until` has passed and that is not released yet gets
`released_at`, exactly once, however many consumers run the job at the same moment:
rows are taken with SELECT … FOR UPDATE SKIP LOCKED (a row another run holds is left
to it) and re-checked under the lock (`released_at IS NULL`), so a run that started
before another committed does not release the row a second time. Each release is
saved on its own row so simple_history writes a historical row for it, attributed to
no user, with the note "protection expired" (kernel.protection_history reads it).

Releasing changes no right: kernel.protection already treats a protection that ran
out as no protection; the release is the moment written down, and the next claim
(kernel.customers.claim) hands the customer over with a fresh period.
"""
from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .audit import stamp
from .models.customers import CustomerRegistration

RELEASED_NOTE = "protection expired"
BATCH = 200


def release_expired_protections(now: datetime | None = None) -> int:
    """Release every protection that ended by `now`; the number released by this run."""
    now = now or timezone.now()
    released = 0
    while True:
        count = _release_batch(now)
        released += count
        if count < BATCH:
            return released


@transaction.atomic
def _release_batch(now: datetime) -> int:
    due = CustomerRegistration.objects.filter(protected_until__lte=now, released_at__isnull=True).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    count = 0
    for registration in due[:BATCH]:
        registration.released_at = now
        registration.note = RELEASED_NOTE
        stamp(registration, None, now)
        registration.save(update_fields=["released_at", "note"])
        count += 1
    return count

"""Appending to a record's history: one entry per thing that happened, never edited."""
from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Max

from ..models import HistoryEntry, Record


def data_changes(old: Mapping, new: Mapping) -> dict:
    """{field: [old, new]} for every field whose value differs."""
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def append(record: Record, kind: str, actor, *, transition: str = "", from_state: str = "", to_state: str = "",
           comment: str = "", changes: Mapping | None = None, details: Mapping | None = None,
           idempotency_key: str | None = None) -> HistoryEntry:
    # The record row is locked by the caller, so max(seq) + 1 cannot race.
    last = HistoryEntry.objects.filter(record=record).aggregate(n=Max("seq"))["n"] or 0
    return HistoryEntry.objects.create(
        record=record, seq=last + 1, kind=kind, actor=actor, transition=transition, from_state=from_state,
        to_state=to_state, comment=comment or "", changes=dict(changes or {}), details=dict(details or {}),
        idempotency_key=idempotency_key,
    )

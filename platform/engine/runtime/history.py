"""Appending to a record's history: one entry per thing that happened, never edited."""
from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone

from ..models import HistoryEntry, Record
from . import rows


def data_changes(old: Mapping, new: Mapping) -> dict:
    """{field: [old, new]} for every field whose value differs."""
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def append(record: Record, kind: str, actor, *, transition: str = "", from_state: str = "", to_state: str = "",
           comment: str = "", changes: Mapping | None = None, details: Mapping | None = None,
           idempotency_key: str | None = None, save_seq: bool = True) -> None:
    """Append an entry numbered `record.last_seq + 1`.

    The record row is locked by the caller. With `save_seq=False` the caller saves
    `last_seq` itself, in the UPDATE of the record it makes anyway. Written with
    `rows`, so it can travel in the caller's batch of statements.
    """
    record.last_seq += 1
    if save_seq:
        rows.update(Record, {"id": record.pk}, {"last_seq": record.last_seq})
    rows.insert(HistoryEntry, [{
        "record_id": record.pk, "seq": record.last_seq, "kind": kind, "at": timezone.now(),
        "actor_id": getattr(actor, "pk", None), "transition": transition, "from_state": from_state,
        "to_state": to_state, "comment": comment or "", "changes": dict(changes or {}),
        "details": dict(details or {}), "idempotency_key": idempotency_key,
    }])

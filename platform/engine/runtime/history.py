"""Appending to a record's history: one entry per thing that happened, never edited."""
from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone

from kernel import events

from ..models import HistoryEntry, Record
from . import rows

# which history entries are which webhook events (kernel.events); the rest are none
_EVENTS: dict[str, str] = {
    HistoryEntry.Kind.START: events.RECORD_STARTED, HistoryEntry.Kind.TRANSITION: events.RECORD_MOVED,
    HistoryEntry.Kind.TIMER: events.RECORD_MOVED, HistoryEntry.Kind.SEND_BACK: events.RECORD_MOVED,
    HistoryEntry.Kind.WITHDRAW: events.RECORD_MOVED, HistoryEntry.Kind.CLAIM: events.TASK_ASSIGNED,
    HistoryEntry.Kind.REASSIGN: events.TASK_ASSIGNED, HistoryEntry.Kind.TRANSFER: events.TASK_ASSIGNED,
    HistoryEntry.Kind.DELEGATE: events.TASK_ASSIGNED, HistoryEntry.Kind.ESCALATE: events.TASK_ESCALATED,
}


def data_changes(old: Mapping, new: Mapping) -> dict:
    """{field: [old, new]} for every field whose value differs."""
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def append(record: Record, kind: str, actor, *, transition: str = "", from_state: str = "", to_state: str = "",
           comment: str = "", changes: Mapping | None = None, details: Mapping | None = None,
           idempotency_key: str | None = None, save_seq: bool = True, batch: rows.Batch | None = None) -> None:
    """Append an entry numbered `record.last_seq + 1`.

    The record row is locked by the caller. With `save_seq=False` the caller saves
    `last_seq` itself, in the UPDATE of the record it makes anyway. Held in `batch` (a
    step's, `Step.batch`) until it is flushed; without one, written at once.
    """
    writes = batch if batch is not None else rows.Batch()
    record.last_seq += 1
    if save_seq:
        writes.update(Record, {"id": record.pk}, {"last_seq": record.last_seq})
    writes.insert(HistoryEntry, [{
        "record_id": record.pk, "seq": record.last_seq, "kind": kind, "at": timezone.now(),
        "actor_id": getattr(actor, "pk", None), "transition": transition, "from_state": from_state,
        "to_state": to_state, "comment": comment or "", "changes": dict(changes or {}),
        "details": dict(details or {}), "idempotency_key": idempotency_key,
    }])
    if batch is None:
        writes.flush()
    if (event := _EVENTS.get(kind)) is not None:
        def payload() -> dict:
            return {"record": {"id": record.pk, "reference": record.reference, "flow": record.flow,
                               "state": record.state, "revision": record.revision, "closed": record.is_closed},
                    "entry": kind, "actor_id": getattr(actor, "pk", None), "transition": transition,
                    "from_state": from_state, "to_state": to_state, "details": dict(details or {})}
        events.emit(record.project_id, event, payload)
        if event == events.RECORD_MOVED and record.is_closed:
            events.emit(record.project_id, events.RECORD_FINISHED, payload)

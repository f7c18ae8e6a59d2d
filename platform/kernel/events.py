"""Domain events for outside listeners (the API's webhooks), without the kernel or the engine knowing them.

The engine and the kernel call `emit` where something happened; an upper layer registers a
listener with `listen` (api's AppConfig.ready). With no listener `emit` costs a function call;
the listener decides cheaply (a cached set per project, no query) whether anyone wants the event,
and sends it only after the transaction commits.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

RECORD_STARTED = "record.started"
RECORD_MOVED = "record.moved"
RECORD_FINISHED = "record.finished"
TASK_CREATED = "task.created"
TASK_ASSIGNED = "task.assigned"
TASK_ESCALATED = "task.escalated"
PAYMENT_RECORDED = "payment.recorded"
UNIT_STATUS_CHANGED = "unit.status_changed"

KINDS: tuple[str, ...] = (RECORD_STARTED, RECORD_MOVED, RECORD_FINISHED, TASK_CREATED, TASK_ASSIGNED,
                          TASK_ESCALATED, PAYMENT_RECORDED, UNIT_STATUS_CHANGED)

Listener = Callable[[int, str, Callable[[], Mapping[str, Any]]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def emit(project_id: int | None, kind: str, payload: Callable[[], Mapping[str, Any]]) -> None:
    """Tell the listeners; `payload` is called only by a listener that wants the event (it may cost)."""
    if project_id is None:
        return
    for listener in _listeners:
        listener(project_id, kind, payload)

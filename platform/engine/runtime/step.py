"""One step's work: the unit every change of a record's state goes through.

A `Step` is made once the record is locked (`Step.of(locked, actor)`, or `Step.begin`
for a record locked another way) and handed to `transitions.move` and
`transitions.relocate`, which approvals, timers, send back, withdraw, linked steps and
imports all call. It owns what those used to pass around one by one: the locked record
and its flow definition, who acts and with which roles, the record's open tasks as read
under the lock, the step's time, the names its expressions read, and the write batch
(`rows.Batch`) its statements are held in until `flush()`.

Where the batch is flushed is decided here and in `transitions`, not by callers: at the
end of every move (its last statement writes the record row), and before a step runs its
actions, which are ORM code that must see what the step wrote before them (an approval's
vote, for one).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from definitions.model import FlowDefinition

from ..models import Record, Task, TaskStatus
from ..versions import definition_for
from . import rows
from .access import user_facts
from .context import names


class Step:
    """The work of one step on one locked record (see the module's docstring)."""

    __slots__ = ("record", "definition", "actor", "roles", "open_tasks", "now", "batch", "_scope")

    def __init__(self, record: Record, definition: FlowDefinition, actor: Any, roles: frozenset[str],
                 open_tasks: list[Task], now: datetime, batch: rows.Batch | None = None) -> None:
        self.record = record
        self.definition = definition
        self.actor = actor  # a user, or None for the system (a timer)
        self.roles = roles
        self.open_tasks = open_tasks
        self.now = now
        self.batch = batch if batch is not None else rows.Batch()
        self._scope: dict | None = None

    @classmethod
    def of(cls, locked: rows.Locked, actor: Any, *, definition: FlowDefinition | None = None,
           now: datetime | None = None) -> Step:
        """The step on a record `rows.lock` (or `records.locked_record`) has just locked and read."""
        record = locked.record
        return cls(record, definition or definition_for(record), actor, locked.roles, locked.open_tasks,
                   now or timezone.now())

    @classmethod
    def begin(cls, record: Record, actor: Any, roles: frozenset[str] = frozenset(), *,
              open_tasks: list[Task] | None = None, definition: FlowDefinition | None = None,
              now: datetime | None = None) -> Step:
        """The step on a record locked by the caller's own query (`select_for_update`), or just created.

        Its open tasks are read here unless given (a record just created has none).
        """
        if open_tasks is None:
            open_tasks = list(Task.objects.filter(record=record, status=TaskStatus.OPEN))
        return cls(record, definition or definition_for(record), actor, roles, open_tasks, now or timezone.now())

    @property
    def scope(self) -> dict:
        """The names the step's expressions read (record, form, project, user): the record's data as
        it is, until the step sets them from its form (`transitions.move`)."""
        if self._scope is None:
            self._scope = names(self.definition, self.record.data, None, self.record.project,
                                user_facts(self.actor, self.roles))
        return self._scope

    @scope.setter
    def scope(self, value: dict) -> None:
        self._scope = value

    def flush(self) -> None:
        """Send the writes held so far (`rows.Batch.flush`)."""
        self.batch.flush()

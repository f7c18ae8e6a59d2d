"""What a kernel action knows about the transition that calls it (kernel.actions is the calling contract).

A module of its own: the operations (units, queue, payments, receivables, rent_schedule) take it, and
kernel.actions imports those operations; plain Python, importable before Django's apps are ready.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ActionContext:
    """What a kernel action knows about the transition that calls it."""

    project_id: int
    record_id: int
    reference: str  # e.g. SUB-000123, for ledgers and messages
    flow: str
    user_id: int | None  # None when a timer fires
    now: datetime
    data: Mapping  # the record's data after this transition's form (read-only)
    lineage: tuple[int, ...] = ()  # this record's id, then its parent's, grandparent's ...
    changes: dict = field(default_factory=dict)  # fields the action sets on the record

    @property
    def deal(self) -> tuple[int, ...]:
        """The records the deal is made of, this one first: whose holds and receipts it acts for."""
        if self.lineage[:1] == (self.record_id,):
            return self.lineage  # as the engine builds it
        return (self.record_id, *self.lineage)

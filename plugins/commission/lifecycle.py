"""An entry's status as a viewflow.fsm machine: accrued → payable → paid, or reversed before it is paid.

A paid entry is never reversed: money that left is taken back by a clawback entry,
so the ledger keeps both the payment and its recovery.
"""
from __future__ import annotations

from datetime import datetime

from viewflow import fsm

from .models import CommissionEntry, EntryStatus

S = EntryStatus


class EntryLifecycle:
    """Wraps one entry; each transition stamps its moment and saves only the status fields."""

    status = fsm.State(EntryStatus, default=EntryStatus.ACCRUED)

    def __init__(self, entry: CommissionEntry):
        self.entry = entry

    @status.setter()
    def _set_status(self, value: str) -> None:
        self.entry.status = value

    @status.getter()
    def _get_status(self) -> str:
        return self.entry.status

    @status.transition(source=S.ACCRUED, target=S.PAYABLE)
    def make_payable(self, now: datetime) -> None:
        """The deal met its conditions (filed, enough collected)."""
        self.entry.payable_at = now

    @status.transition(source=S.PAYABLE, target=S.PAID)
    def pay(self, now: datetime, user_id: int | None) -> None:
        """Finance paid the agent (or netted a clawback against a payment)."""
        self.entry.paid_at, self.entry.paid_by_id = now, user_id

    @status.transition(source=[S.ACCRUED, S.PAYABLE], target=S.REVERSED)
    def reverse(self, now: datetime) -> None:
        """The deal was cancelled before this was paid: it will never be."""
        self.entry.reversed_at = now

    def save(self) -> None:
        self.entry.save(update_fields=["status", "payable_at", "paid_at", "paid_by", "reversed_at"])

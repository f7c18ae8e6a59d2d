"""An agent's monthly statement 佣金对账单: what was earned, reversed and paid, and what is owed.

For a month [start, end) at the project:
- earned: entries written in the month (tier adjustments included, clawbacks not);
- reversed: unpaid entries reversed in the month, plus payments clawed back in it;
- paid: entries paid in the month (clawbacks netted);
- pending and payable balances at the start and at the end of the month.
They always reconcile: opening pending + opening payable + earned − reversed − paid =
closing pending + closing payable; a negative payable balance is a clawback the agent
still owes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import TypeGuard

from extensions.api import project_zone

from .models import CommissionEntry

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class EntryFacts:
    """The parts of an entry a statement reads."""

    id: int
    reference: str
    amount: Decimal
    created_at: datetime
    payable_at: datetime | None
    paid_at: datetime | None
    reversed_at: datetime | None
    is_clawback: bool
    note: str = ""

    def pending_at(self, t: datetime) -> bool:
        return self.created_at < t and not _before(self.payable_at, t) and not _before(self.reversed_at, t)

    def payable_at_moment(self, t: datetime) -> bool:
        return _before(self.payable_at, t) and not _before(self.paid_at, t) and not _before(self.reversed_at, t)


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    reference: str
    event: str  # earned, payable, paid, reversed, clawback
    at: datetime
    amount: Decimal
    note: str


@dataclass(frozen=True)
class Statement:
    start: datetime
    end: datetime
    opening_pending: Decimal
    opening_payable: Decimal
    earned: Decimal
    reversed: Decimal
    paid: Decimal
    closing_pending: Decimal
    closing_payable: Decimal
    lines: tuple[StatementLine, ...]


def build_statement(entries: Iterable[EntryFacts], start: datetime, end: datetime) -> Statement:
    entries = list(entries)
    lines: list[StatementLine] = []
    earned = reversed_ = paid = ZERO
    for e in entries:
        if _within(e.created_at, start, end):
            if e.is_clawback:
                reversed_ -= e.amount
                lines.append(StatementLine(e.id, e.reference, "clawback", e.created_at, e.amount, e.note))
            else:
                earned += e.amount
                lines.append(StatementLine(e.id, e.reference, "earned", e.created_at, e.amount, e.note))
        if _within(e.payable_at, start, end) and not e.is_clawback:
            lines.append(StatementLine(e.id, e.reference, "payable", e.payable_at, e.amount, e.note))
        if _within(e.reversed_at, start, end):
            reversed_ += e.amount
            lines.append(StatementLine(e.id, e.reference, "reversed", e.reversed_at, e.amount, e.note))
        if _within(e.paid_at, start, end):
            paid += e.amount
            lines.append(StatementLine(e.id, e.reference, "paid", e.paid_at, e.amount, e.note))
    lines.sort(key=lambda line: (line.at, line.entry_id))
    return Statement(
        start=start, end=end,
        opening_pending=sum((e.amount for e in entries if e.pending_at(start)), ZERO),
        opening_payable=sum((e.amount for e in entries if e.payable_at_moment(start)), ZERO),
        earned=earned, reversed=reversed_, paid=paid,
        closing_pending=sum((e.amount for e in entries if e.pending_at(end)), ZERO),
        closing_payable=sum((e.amount for e in entries if e.payable_at_moment(end)), ZERO),
        lines=tuple(lines),
    )


def statement(project_id: int, beneficiary_kind: str, beneficiary: str, year: int, month: int) -> Statement:
    """The statement of one agent (a channel code, a consultant's user id, a referrer) for one month."""
    zone = project_zone(project_id)
    start = datetime.combine(date(year, month, 1), time(), zone)
    end = datetime.combine(date(year + month // 12, month % 12 + 1, 1), time(), zone)
    rows = (CommissionEntry.objects.filter(project_id=project_id, beneficiary_kind=beneficiary_kind,
                                           beneficiary=beneficiary, created_at__lt=end)
            .select_related("deal").order_by("created_at", "id"))
    return build_statement((EntryFacts(e.id, e.deal.reference, e.amount, e.created_at, e.payable_at, e.paid_at,
                                       e.reversed_at, e.is_clawback, e.note) for e in rows), start, end)


def _before(moment: datetime | None, t: datetime) -> bool:
    return moment is not None and moment < t


def _within(moment: datetime | None, start: datetime, end: datetime) -> TypeGuard[datetime]:
    return moment is not None and start <= moment < end

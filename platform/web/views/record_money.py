"""A deal's money on its record page: 应收/实收/欠款 (receivables) line by line, and the receipts.

Shown on every record of a scheduled deal (the subscription and the records below it:
contract, mortgage, handover, area settlement). The schedule is found through the
record's ancestors, read in one query, then its lines and the deal's payments: four
queries at most, whatever the number of lines and receipts (tests/web/test_record_money.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from engine.models import Record
from engine.runtime.records import lineage
from kernel import receivables
from kernel.models import PaymentKind, ReceivableSchedule
from web.display import day, money

LOANS = (PaymentKind.BANK_LOAN, PaymentKind.PROVIDENT_FUND_LOAN)


@dataclass(frozen=True)
class Row:
    title: str
    due_on: str
    due: str
    received: str
    balance: str
    overdue: bool


def _when(line: receivables.Line) -> str:
    if line.due_on is not None:
        return day(line.due_on)
    if line.kind in LOANS:
        return _("On disbursement")
    return _("At signing")


def shown_schedule(record: Record, lineage: list[int]) -> ReceivableSchedule | None:
    """The schedule a record's page shows: its own, else its nearest ancestor's sale schedule (one query).

    A lease's rent schedule is shown on the lease only: a subscription started from a lease
    (以租代买) has the lease among its ancestors, and the lowest id, the lease's, would
    otherwise show its rent as the subscription's money.
    """
    found = {s.deal_id: s for s in ReceivableSchedule.objects.filter(project_id=record.project_id,
                                                                     deal_id__in=lineage)}
    for deal_id in lineage:
        schedule = found.get(deal_id)
        if schedule is not None and (deal_id == record.pk or schedule.payment_plan != receivables.LEASE_PLAN):
            return schedule
    return None


def receivables_section(record: Record) -> dict | None:
    """What the receivables include shows, or None when the record's deal has no schedule."""
    schedule = shown_schedule(record, lineage(record))
    if schedule is None:
        return None
    found = receivables.deal_payments(schedule)
    s = receivables.statement(schedule, timezone.localdate(timezone=record.project.zone), payments=found)
    rows = [Row(str(PaymentKind(line.kind).label), _when(line), money(line.amount), money(line.received),
                money(line.balance), line.overdue) for line in s.lines]
    # a lease-to-buy subscription's records include the lease: its rent and deposit are not this deal's money
    own = {*receivables.lines_of(schedule.payment_plan), *receivables.refunds_of(schedule.payment_plan)}
    receipts = [(day(timezone.localtime(p.received_at, record.project.zone).date()), p.reference,
                 str(PaymentKind(p.kind).label), money(p.amount), p.overpayment) for p in reversed(found)
                if p.kind in own]
    zero = Decimal("0")
    return {
        "rows": rows, "receipts": receipts,
        "due": money(s.due), "received": money(s.received), "balance": money(s.balance),
        "overdue": money(s.overdue) if s.overdue > zero else "",
        "excess": money(s.excess) if s.excess > zero else "",
        "refunded": money(s.refunded) if s.refunded > zero else "",
    }

"""The receivables list's fast figures (dunning.project_summaries) against the record pages' allocation.

`project_summaries` sums receipts per kind in SQL and spreads each kind's total over its lines, the
oldest due first; `project_balances` hands every receipt to `receivables.allocate` one by one. On random
schedules (lines of every kind, undated loans, credits settled by themselves, leases, deposits of three
kinds, overpayments, refunds, rent paid into a sale, receipts on the deal's other records, holds live,
released or transferred) both must give every deal the same figures. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel import dunning
from kernel.models import Payment, Project, Receivable, ReceivableSchedule, UnitHold
from kernel.models.units import ReleaseReason

from .conftest import make_units

TODAY = date(2026, 6, 15)
AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SALE_LINES = ("deposit", "down_payment", "installment", "bank_loan", "provident_fund_loan", "area_difference", "fee",
              "credit")
LEASE_LINES = ("rent", "security_deposit")
RECEIPTS = ("sincerity_deposit", "reservation_deposit", "deposit", "down_payment", "installment", "bank_loan",
            "provident_fund_loan", "area_difference", "fee", "rent", "security_deposit", "refund", "deposit_refund")

money = st.integers(min_value=0, max_value=2000).map(lambda n: Decimal(n * 25) / 100)  # 0.00 … 500.00, by 0.25
due = st.one_of(st.none(), st.integers(min_value=-40, max_value=40).map(lambda d: TODAY + timedelta(days=d)))


@st.composite
def deals(draw):
    lease = draw(st.booleans())
    kinds = LEASE_LINES if lease else SALE_LINES
    lines = draw(st.lists(st.tuples(st.sampled_from(kinds), due, money), max_size=7))
    receipts = draw(st.lists(st.tuples(st.sampled_from(RECEIPTS), money.filter(lambda m: m > 0), st.booleans(),
                                       st.integers(0, 2), st.integers(0, 30)), max_size=8))
    holds = draw(st.sampled_from(("none", "live", "released", "transferred", "transferred_released")))
    return lease, lines, receipts, holds


@given(st.lists(deals(), min_size=1, max_size=4), st.integers(min_value=0, max_value=30))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_summaries_equal_the_allocation_on_random_schedules(db, drawn, days_ahead):
    with transaction.atomic():
        project = Project.objects.create(code="SUM", name="Summaries", settings={})
        units = make_units(project, 2 * len(drawn))
        for n, (lease, lines, receipts, holds) in enumerate(drawn):
            deal = 1000 + 10 * n
            records = [deal, deal + 1, deal + 2]
            s = ReceivableSchedule.objects.create(
                project=project, deal_id=deal, reference=f"D{n}", record_ids=records[:2],  # the third: not the deal's
                payment_plan="lease" if lease else "installments", deal_price=Decimal("0.00"), scheduled_at=AT)
            Receivable.objects.bulk_create(Receivable(schedule=s, position=i, kind=kind, due_on=on, amount=amount)
                                           for i, (kind, on, amount) in enumerate(lines, start=1))
            Payment.objects.bulk_create(
                Payment(project=project, record_id=records[r], reference=f"D{n}", kind=kind, amount=amount,
                        overpayment=over, received_at=AT + timedelta(hours=h))
                for kind, amount, over, r, h in receipts)
            unit, other = units[2 * n], units[2 * n + 1]
            if holds == "none":
                continue
            released = holds in ("released", "transferred_released")
            last = UnitHold.objects.create(
                project=project, unit=unit, record_id=deal + 1, reference=f"D{n}", flow="contract", held_at=AT,
                released_at=AT + timedelta(days=1) if released else None,
                release_reason=ReleaseReason.RELEASED if released else "")
            if holds.startswith("transferred"):
                UnitHold.objects.create(project=project, unit=other, record_id=deal, reference=f"D{n}",
                                        flow="subscription", held_at=AT - timedelta(days=1), released_at=AT,
                                        release_reason=ReleaseReason.TRANSFERRED, transferred_to=last)
        last_day = TODAY + timedelta(days=days_ahead)
        expected = {b.schedule.pk: (b.schedule.deal_id, b.schedule.reference, b.unit_id, b.statement.due,
                                    b.statement.received, b.statement.balance, b.statement.overdue, b.overdue_since,
                                    b.due_within(last_day))
                    for b in dunning.project_balances(project, TODAY)}
        found = {s.schedule_id: (s.deal_id, s.reference, s.unit_id, s.due, s.received, s.balance, s.overdue,
                                 s.overdue_since, s.due_soon)
                 for s in dunning.project_summaries(project, TODAY, last_day)}
        transaction.set_rollback(True)
    assert found == expected


def test_the_summaries_read_four_queries_whatever_the_deals(db, django_assert_num_queries):
    project = Project.objects.create(code="SUM", name="Summaries", settings={})
    for n in range(5):
        s = ReceivableSchedule.objects.create(project=project, deal_id=n + 1, reference=f"D{n}", record_ids=[n + 1],
                                              payment_plan="installments", deal_price=Decimal("0.00"), scheduled_at=AT)
        Receivable.objects.create(schedule=s, position=1, kind="deposit", due_on=TODAY, amount=Decimal("10.00"))
        Payment.objects.create(project=project, record_id=n + 1, reference=f"D{n}", kind="deposit",
                               amount=Decimal("4.00"), received_at=AT)
    with django_assert_num_queries(4):
        found = dunning.project_summaries(project, TODAY, TODAY)
    assert [(s.balance, s.overdue, s.due_soon) for s in found] == [(Decimal("6.00"), 0, Decimal("6.00"))] * 5

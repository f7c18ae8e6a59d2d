"""Receivables allocated by SQL window functions (kernel.receivables_sql) against the Python allocation.

On generated deals (sales and leases, lines of every kind, undated loans, credits settled by themselves,
equal due dates, zero lines, deposits of three kinds, overpayments, refunds, rent paid into a sale,
receipts on the deal's other records and on a record that is not the deal's, the deal named or not in
its own `record_ids`, holds live, released or transferred): every line receives what
`receivables.allocate` gives it receipt by receipt, and the list's figures, filters and order are those
of `dunning.project_balances` (the record pages' statements) sorted as the list sorts. Runs on SQLite
and, with DATABASE_URL, on PostgreSQL.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernel import dunning, receivables_sql
from kernel.models import Payment, Project, Receivable, ReceivableSchedule, UnitHold
from kernel.models.units import ReleaseReason
from kernel.receivables import allocate, lines_of, refunds_of

from .conftest import make_units

TODAY = date(2026, 6, 15)
AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
SALE_LINES = ("deposit", "down_payment", "installment", "bank_loan", "provident_fund_loan", "area_difference", "fee",
              "credit")
LEASE_LINES = ("rent", "security_deposit")
RECEIPTS = ("sincerity_deposit", "reservation_deposit", "deposit", "down_payment", "installment", "bank_loan",
            "provident_fund_loan", "area_difference", "fee", "rent", "security_deposit", "refund", "deposit_refund")

money = st.integers(min_value=0, max_value=4000).map(lambda n: Decimal(n * 5) / 100)  # 0.00 … 200.00, by 0.05
due = st.one_of(st.none(), st.integers(min_value=-20, max_value=20).map(lambda d: TODAY + timedelta(days=d)))


@st.composite
def deals(draw):
    lease = draw(st.booleans())
    kinds = LEASE_LINES if lease else SALE_LINES
    lines = draw(st.lists(st.tuples(st.sampled_from(kinds), due, money), max_size=7))
    receipts = draw(st.lists(st.tuples(st.sampled_from(RECEIPTS), money.filter(lambda m: m > 0), st.booleans(),
                                       st.integers(0, 2), st.integers(0, 30)), max_size=8))
    holds = draw(st.sampled_from(("none", "live", "released", "transferred", "transferred_released")))
    named = draw(st.booleans())  # the deal's own record in its record_ids, or only implied by deal_id
    return lease, lines, receipts, holds, named


def build(project: Project, drawn) -> list[ReceivableSchedule]:
    units = make_units(project, 2 * len(drawn))
    made = []
    for n, (lease, lines, receipts, holds, named) in enumerate(drawn):
        deal = 1000 + 10 * n
        records = [deal, deal + 1, deal + 2]  # the third is not the deal's: its receipts count nowhere
        s = ReceivableSchedule.objects.create(
            project=project, deal_id=deal, reference=f"D{n % 3}",  # equal references: the order falls back to pk
            record_ids=records[:2] if named else records[1:2],
            payment_plan="lease" if lease else "installments", deal_price=Decimal("0.00"), scheduled_at=AT)
        made.append(s)
        Receivable.objects.bulk_create(Receivable(schedule=s, position=i, kind=kind, due_on=on, amount=amount)
                                       for i, (kind, on, amount) in enumerate(lines, start=1))
        Payment.objects.bulk_create(
            Payment(project=project, record_id=records[r], reference=f"D{n}", kind=kind, amount=amount,
                    overpayment=over, received_at=AT + timedelta(hours=h))
            for kind, amount, over, r, h in receipts)
        if holds == "none":
            continue
        released = holds in ("released", "transferred_released")
        last = UnitHold.objects.create(
            project=project, unit=units[2 * n], record_id=deal + 1, reference=f"D{n}", flow="contract", held_at=AT,
            released_at=AT + timedelta(days=1) if released else None,
            release_reason=ReleaseReason.RELEASED if released else "")
        if holds.startswith("transferred"):
            UnitHold.objects.create(project=project, unit=units[2 * n + 1], record_id=deal, reference=f"D{n}",
                                    flow="subscription", held_at=AT - timedelta(days=1), released_at=AT,
                                    release_reason=ReleaseReason.TRANSFERRED, transferred_to=last)
    return made


def python_lines(s: ReceivableSchedule) -> list[tuple]:
    """The reference: every receipt of the deal's records handed to `allocate` in the order it came in."""
    lines = list(s.lines.order_by("position"))
    paid = Payment.objects.filter(project_id=s.project_id, record_id__in={s.deal_id, *s.record_ids}).order_by(
        "received_at", "id")
    allocated, _excess, _refunded = allocate(lines, paid, TODAY, line_of=lines_of(s.payment_plan),
                                             refunds=refunds_of(s.payment_plan))
    return [(line.position, line.kind, line.due_on, line.amount, a.received)
            for line, a in zip(lines, allocated, strict=True)]


def python_list(project: Project, last_day: date, show: str) -> list[tuple]:
    """The reference list: the record pages' statements, filtered and sorted as the page sorted them."""
    found = [(b.statement.overdue, b.statement.balance, b.schedule.reference, b.schedule.pk,
              (b.schedule.pk, b.schedule.deal_id, b.schedule.reference, b.unit_id, b.statement.due,
               b.statement.received, b.statement.overdue, b.overdue_since, b.due_within(last_day)))
             for b in dunning.project_balances(project, TODAY)]
    if show == "overdue":
        found = [f for f in found if f[0] > 0]
    elif show == "soon":
        found = [f for f in found if f[4][-1] > 0]
    found.sort(key=lambda f: (-f[0], -f[1], f[2], f[3]))
    return [f[4] for f in found]


@given(st.lists(deals(), min_size=1, max_size=5), st.integers(min_value=0, max_value=20),
       st.sampled_from(receivables_sql.SHOWS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_sql_allocation_equals_the_python_allocation_on_generated_deals(db, drawn, days_ahead, show):
    with transaction.atomic():
        project = Project.objects.create(code="SQL", name="SQL allocation", settings={})
        made = build(project, drawn)
        last_day = TODAY + timedelta(days=days_ahead)

        by_sql = receivables_sql.line_balances(project.pk)
        some = made[::2]
        by_sql_some = receivables_sql.line_balances(project.pk, [s.pk for s in some])
        listed = [(s.schedule_id, s.deal_id, s.reference, s.unit_id, s.due, s.received, s.overdue, s.overdue_since,
                   s.due_soon) for s in receivables_sql.summaries(project, TODAY, last_day, show=show)]

        expected_lines = {s.pk: python_lines(s) for s in made}
        expected_list = python_list(project, last_day, show)
        transaction.set_rollback(True)
    assert {pk: [(x.position, x.kind, x.due_on, x.amount, x.received) for x in lines]
            for pk, lines in by_sql.items()} == {pk: lines for pk, lines in expected_lines.items() if lines}
    assert set(by_sql_some) == {s.pk for s in some if expected_lines[s.pk]}
    assert all(by_sql_some[pk] == by_sql[pk] for pk in by_sql_some)
    assert listed == expected_list


def test_a_receipt_fills_the_oldest_line_of_its_kind_first_and_undated_lines_last(db):
    # given: two installments and an undated one, paid 150.00 in two receipts; a credit; a loan paid by an overpayment
    project = Project.objects.create(code="SQL", name="SQL allocation", settings={})
    s = ReceivableSchedule.objects.create(project=project, deal_id=7, reference="D7", record_ids=[7, 8],
                                          payment_plan="installments", deal_price=Decimal("0.00"), scheduled_at=AT)
    for position, kind, on, amount in ((1, "installment", None, "100.00"), (2, "installment", TODAY, "100.00"),
                                       (3, "installment", TODAY - timedelta(days=5), "100.00"),
                                       (4, "credit", TODAY, "30.00"), (5, "bank_loan", None, "500.00")):
        Receivable.objects.create(schedule=s, position=position, kind=kind, due_on=on, amount=Decimal(amount))
    for record, kind, amount, over in ((7, "installment", "120.00", False), (8, "installment", "30.00", False),
                                       (8, "bank_loan", "500.00", True), (9, "installment", "999.00", False)):
        Payment.objects.create(project=project, record_id=record, reference="D7", kind=kind, amount=Decimal(amount),
                               overpayment=over, received_at=AT)
    # when
    lines = receivables_sql.line_balances(project.pk)[s.pk]
    # then
    assert [(x.position, x.received) for x in lines] == [
        (1, Decimal("0.00")), (2, Decimal("50.00")), (3, Decimal("100.00")), (4, Decimal("30.00")),
        (5, Decimal("0.00"))]
    assert [(x.position, x.received) for x in lines] == [(r[0], r[4]) for r in python_lines(s)]


@pytest.mark.parametrize("deals_count", [3, 30])
def test_the_list_is_one_query_whatever_the_deals(db, django_assert_num_queries, deals_count):
    # on PostgreSQL two more: JIT compilation turned off for the query and the setting put back
    project = Project.objects.create(code="SQL", name="SQL allocation", settings={})
    for n in range(deals_count):
        s = ReceivableSchedule.objects.create(project=project, deal_id=n + 1, reference=f"D{n:02d}",
                                              record_ids=[n + 1], payment_plan="installments",
                                              deal_price=Decimal("0.00"), scheduled_at=AT)
        Receivable.objects.create(schedule=s, position=1, kind="deposit", due_on=TODAY, amount=Decimal("10.00"))
        Receivable.objects.create(schedule=s, position=2, kind="installment", due_on=TODAY - timedelta(days=n),
                                  amount=Decimal(20 + n))
        Payment.objects.create(project=project, record_id=n + 1, reference=f"D{n}", kind="deposit",
                               amount=Decimal("4.00"), received_at=AT)
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 1):
        found = receivables_sql.summary_list(project, TODAY, TODAY)
    assert len(found) == deals_count
    assert found[0].reference == f"D{deals_count - 1:02d}" and found[0].overdue == Decimal(20 + deals_count - 1)
    assert found[-1].overdue == 0 and found[-1].due_soon == Decimal("26.00")  # D00: due today, not overdue

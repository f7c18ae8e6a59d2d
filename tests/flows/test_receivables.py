"""Issue 15's deal, money first: the deposits of the queue number (诚意金) and the reservation (小订金) are
carried into the subscription's deposit and the contract's loan; every receipt is labelled by what it is
and allocated to what was due; a loan typed larger than what is due is refused, then recorded by
finance as an overpayment to refund.

S1's rules (tests/flows/conftest.py): a unit at 3 058 300.00, commercial mortgage 99 折 → 3 027 717.00.
"""
from datetime import date
from decimal import Decimal as D

import pytest

from engine.runtime import records
from engine.runtime.errors import ActionFailed
from kernel import receivables
from kernel.models import ReceivableSchedule

from .steps import child, fire, payments, queued, review_contract

TERMS = {"contract_no": "HT-15", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"}


def statement(record):
    schedule = ReceivableSchedule.objects.get(project_id=record.project_id)
    s = receivables.statement(schedule, date(2026, 6, 1))
    return [(line.kind, line.amount, line.received, line.balance) for line in s.lines], s


def test_deposits_carried_loan_computed_after_them_an_overpayment_refused_then_recorded_by_finance(world, customers):
    p, u, units = world
    sc, fin, ms = u["sales_consultant"], u["finance"], u["mortgage_specialist"]
    buyer = customers["buyer"]
    q = queued(p, u, buyer)  # 诚意金 20 000.00
    q = fire(sc, q, "call", to="called")
    q = fire(sc, q, "pick_reservation", {"unit_id": units[0].pk}, to="reserved")
    rsv = child(q, "reservation")
    assert rsv.data["deposit_carried"] == "20000.00"
    rsv = fire(sc, rsv, "hold", {"unit_id": units[0].pk, "deposit": "10000.00"}, to="held")
    rsv = fire(sc, rsv, "convert", to="converted")

    # the subscription shows what was carried and asks for the deposit starting from it
    sub = child(rsv, "subscription")
    assert (sub.data["deposit_carried"], sub.data["deposit"]) == ("30000.00", "30000.00")
    sub = fire(sc, sub, "quote", {"unit_id": units[0].pk, "payment_plan": "commercial_mortgage"}, to="draft")
    assert sub.data["deal_price"] == "3027717.00"
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "50000.00"},
               to="awaiting_contract")
    assert payments(q, rsv, sub) == [(q.reference, "sincerity_deposit", D("20000.00")),
                                     (rsv.reference, "reservation_deposit", D("10000.00")),
                                     (sub.reference, "deposit", D("20000.00"))]  # only what remains of 50 000.00
    lines, s = statement(sub)
    assert lines == [("deposit", D("50000.00"), D("50000.00"), D("0.00")),
                     ("down_payment", D("2977717.00"), D("0.00"), D("2977717.00"))]

    # the contract: the loan is the price less every deposit and the down payment
    sub = fire(u["contract_clerk"], sub, "sign", to="contracted")
    con = review_contract(u, child(sub, "contract"), TERMS)
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "900000.00"},
               to="signed")
    mtg = child(con, "mortgage")
    assert mtg.data["requested_loan_amount"] == "2077717.00"  # 3 027 717 − 50 000 − 900 000
    lines, s = statement(con)
    assert lines == [("deposit", D("50000.00"), D("50000.00"), D("0.00")),
                     ("down_payment", D("900000.00"), D("900000.00"), D("0.00")),
                     ("bank_loan", D("2077717.00"), D("0.00"), D("2077717.00"))]

    # the specialist types 30 000.00 more than is due (the sincerity and reservation deposits forgotten)
    mtg = fire(ms, mtg, "submit_to_bank", {"payment_plan": "commercial_mortgage", "bank": "ICBC",
                                           "requested_loan_amount": "2107717.00", "loan_years": 30}, to="bank_review")
    mtg = fire(ms, mtg, "bank_approves", {"approval_no": "AP-15", "commercial_loan_amount": "2107717.00"},
               to="approved")
    mtg = fire(ms, mtg, "sign_loan_contract", {"loan_contract_no": "L-15", "loan_contract_signed_on": "2026-06-10"},
               to="awaiting_disbursement")
    disbursed = {"bank_disbursed_amount": "2107717.00", "disbursed_on": "2026-06-20"}
    with pytest.raises(ActionFailed) as refused:
        fire(fin, mtg, "record_disbursement", disbursed, to="disbursed")
    assert str(refused.value) == (
        f"{mtg.reference}: ¥2,107,717.00 typed as bank loan, but only ¥2,077,717.00 is still due for it; "
        "check the amount, or let finance record the difference as an overpayment to refund")
    assert payments(mtg) == []

    # finance records it knowingly: what was due, and the rest as an overpayment to refund
    mtg = fire(fin, mtg, "record_disbursement", {**disbursed, "overpayment": True}, to="disbursed")
    assert payments(mtg) == [(mtg.reference, "bank_loan", D("2077717.00")), (mtg.reference, "bank_loan", D("30000.00"))]
    lines, s = statement(mtg)
    assert (s.due, s.received, s.balance, s.excess) == (D("3027717.00"), D("3027717.00"), D("0.00"), D("30000.00"))
    assert ReceivableSchedule.objects.get().record_ids == sorted(r.pk for r in (q, rsv, sub, con, mtg))


def test_installments_switched_to_from_a_refused_loan_are_what_remains(world, customers):
    p, u, units = world
    sc, ms = u["sales_consultant"], u["mortgage_specialist"]
    buyer = customers["c4"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": buyer.pk, "unit_id": units[1].pk})
    sub = fire(sc, sub, "quote", {"unit_id": units[1].pk, "payment_plan": "provident_fund"}, to="draft")
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "100000.00"},
               to="awaiting_contract")
    sub = fire(u["contract_clerk"], sub, "sign", to="contracted")
    con = review_contract(u, child(sub, "contract"), TERMS)
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "927717.00"},
               to="signed")
    assert statement(con)[0][2] == ("provident_fund_loan", D("2000000.00"), D("0.00"), D("2000000.00"))
    mtg = child(con, "mortgage")
    mtg = fire(ms, mtg, "submit_to_bank", {"payment_plan": "provident_fund", "bank": "HPF",
                                           "requested_loan_amount": "2000000.00", "loan_years": 30}, to="bank_review")
    mtg = fire(ms, mtg, "bank_rejects", {"rejection_reason": "quota"}, to="rejected")
    mtg = fire(sc, mtg, "switch_to_own_funds", {"payment_plan": "installments"}, to="collecting_balance")
    # the loan line becomes the buyer's installment, due three months after signing
    lines, s = statement(mtg)
    assert lines[2] == ("installment", D("2000000.00"), D("0.00"), D("2000000.00"))
    assert s.lines[2].due_on == date(2026, 9, 1)
    mtg = fire(u["finance"], mtg, "record_own_payment", {"balance_amount": "2000000.00"}, to="self_funded")
    assert statement(mtg)[1].balance == D("0.00")


def test_the_migration_relabels_old_deposits_and_area_differences_by_their_records_flow(world, customers):
    import importlib

    from django.apps import apps

    from kernel.models import Payment

    p, u, units = world
    q = queued(p, u, customers["c5"])
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": customers["c5"].pk})
    Payment.objects.filter(record_id=q.pk).update(kind="deposit")  # as issue 14's ledger had it
    for record, kind in ((sub, "deposit"), (sub, "installment")):
        Payment.objects.create(project=p, record_id=record.pk, reference=record.reference, kind=kind,
                               amount=D("1.00"), received_at=q.created_at)
    migration = importlib.import_module("kernel.migrations.0004_payment_kinds_receivables")

    migration.relabel(apps, None)

    assert payments(q, sub) == [(q.reference, "sincerity_deposit", D("20000.00")), (sub.reference, "deposit", D("1.00")),
                                (sub.reference, "installment", D("1.00"))]  # a subscription's deposit stays 定金
    migration.unlabel(apps, None)
    assert payments(q)[0][1] == "deposit"

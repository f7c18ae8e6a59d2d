"""Mortgages 按揭 (flows/mortgage.yaml) through the service API.

At every step: the record's state and the history entry the step wrote (checked by
the steps), its open tasks, the ledger (loans are entered as they are paid out) and
the deal's commission, which the money coming in makes payable.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves, records
from kernel.payments import net_collections
from plugins.points.ledger import balance as points_balance

from .steps import (
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    commission,
    file_contract,
    fire,
    mortgage_contract,
    payments,
    pending_timers,
    refused,
    run_timers,
    sale,
    send_back,
    withdraw,
)

COLLECT = ("collect_documents", "work", "mortgage_specialist")
FOLLOW = ("follow_bank", "work", "mortgage_specialist")
SIGN = ("sign_loan_contract", "work", "mortgage_specialist")
CONFIRM = ("confirm_disbursement", "work", "finance")
CHOOSE = ("choose_payment_plan", "work", ("sales_consultant", "mortgage_specialist"))


def by_hand(p, u, unit, customer, plan="commercial_mortgage", amount="600000.00"):
    """A mortgage a specialist starts by hand (no signed deal above it)."""
    m = records.start_record(u["mortgage_specialist"], p, "mortgage", {
        "unit_id": unit.pk, "customer_id": customer.pk, "payment_plan": plan, "requested_loan_amount": amount})
    assert_last_history(m, kind="start", to_state="collecting_documents", actor=u["mortgage_specialist"])
    assert_open_tasks(m, {COLLECT})
    return m


def bank(plan, amount, name="CCB"):
    return {"bank": name, "loan_years": 20, "payment_plan": plan, "requested_loan_amount": amount}


def test_a_combined_loan_paid_out_in_two_parts_makes_the_commission_payable(world, customers):
    p, u, units = world
    ms, fin = u["mortgage_specialist"], u["finance"]
    con = mortgage_contract(p, u, units[1], customers)
    con = file_contract(u, con, "2026预0001")
    # filed, but 50 000 + 600 000 is less than 30 % of the price (897 820.50): still accrued
    assert {s for *_, s in commission()} == {"accrued"}
    mtg = child(con, "mortgage")
    assert_open_tasks(mtg, {COLLECT})
    assert pending_timers(mtg) == [("collect_documents_deadline", "escalate", ("sales_manager",))]
    refused(GuardFailed, ms, mtg, "submit_to_bank", bank("full", "2342735.00"))
    refused(GuardFailed, ms, mtg, "submit_to_bank", bank("combined", "2992735.00"))  # not below the price

    mtg = fire(ms, mtg, "submit_to_bank", {**bank("combined", "2342735.00", "ICBC"), "loan_years": 30},
               to="bank_review")
    assert_open_tasks(mtg, {FOLLOW})
    assert pending_timers(mtg) == [("bank_overdue", "escalate", ("project_director",)),
                                   ("follow_bank_deadline", "escalate", ("sales_manager",))]
    # the bank cannot approve more than was applied for
    refused(GuardFailed, ms, mtg, "bank_approves", {"approval_no": "AP1", "commercial_loan_amount": "1542735.01",
                                                   "provident_fund_loan_amount": "800000.00"})
    mtg = fire(ms, mtg, "bank_approves", {"approval_no": "AP1", "commercial_loan_amount": "1542735.00",
                                          "provident_fund_loan_amount": "800000.00"}, to="approved")
    assert_open_tasks(mtg, {SIGN})
    mtg = fire(ms, mtg, "sign_loan_contract", {"loan_contract_no": "L1", "loan_contract_signed_on": "2026-06-10"},
               to="awaiting_disbursement")
    assert_open_tasks(mtg, {CONFIRM})
    assert payments(mtg) == []
    # a combined loan: the provident fund's money is not this step's, the bank's is
    refused(GuardFailed, fin, mtg, "record_disbursement", {"pf_disbursed_amount": "800000.00",
                                                           "disbursed_on": "2026-07-01"})

    mtg = fire(fin, mtg, "record_disbursement", {"bank_disbursed_amount": "1542735.00", "disbursed_on": "2026-07-01"},
               to="partly_disbursed")  # the same step as for one loan, routed by the payment plan
    assert_open_tasks(mtg, {("confirm_pf_disbursement", "work", "finance")})
    assert payments(mtg) == [(mtg.reference, "bank_loan", D("1542735.00"))]
    # the bank's money is in: the commission is payable
    assert {s for *_, s in commission()} == {"payable"}

    refused(GuardFailed, fin, mtg, "record_combined_pf_part", {"pf_disbursed_amount": "800000.01",
                                                               "disbursed_on": "2026-08-01"})
    mtg = fire(fin, mtg, "record_combined_pf_part", {"pf_disbursed_amount": "800000.00", "disbursed_on": "2026-08-01"},
               to="disbursed")
    assert_open_tasks(mtg, set())
    assert mtg.is_closed and pending_timers(mtg) == []
    assert payments(mtg) == [(mtg.reference, "bank_loan", D("1542735.00")),
                             (mtg.reference, "provident_fund_loan", D("800000.00"))]
    assert net_collections(p.pk).net == D("50000.00") + D("600000.00") + D("2342735.00")  # the whole price
    # one deal, one set of entries, all payable; the buyer's points unchanged by the loan
    assert len(commission()) == 3 and points_balance(p.pk, customers["spouse"].pk) == 20000
    assert sale(units[1]) == ("filed", con.reference)


def test_a_commercial_loan_started_by_hand_is_paid_out(world, customers):
    p, u, units = world
    ms, fin = u["mortgage_specialist"], u["finance"]
    m = by_hand(p, u, units[5], customers["c5"])
    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")
    refused(GuardFailed, ms, m, "bank_approves", {"approval_no": "AP2", "provident_fund_loan_amount": "100000.00"})
    m = fire(ms, m, "bank_approves", {"approval_no": "AP2", "commercial_loan_amount": "550000.00"}, to="approved")
    m = fire(ms, m, "sign_loan_contract", {"loan_contract_no": "L2", "loan_contract_signed_on": "2026-06-10"},
             to="awaiting_disbursement")
    error = refused(GuardFailed, fin, m, "record_disbursement",
                    {"pf_disbursed_amount": "550000.00", "disbursed_on": "2026-07-01"})  # not a provident-fund loan
    assert error.message("zh").startswith("商业贷款与组合贷请填写商贷放款金额")
    refused(GuardFailed, fin, m, "record_disbursement",
            {"bank_disbursed_amount": "550000.01", "disbursed_on": "2026-07-01"})  # more than approved

    m = fire(fin, m, "record_disbursement", {"bank_disbursed_amount": "550000.00", "disbursed_on": "2026-07-01"},
             to="disbursed")

    assert_open_tasks(m, set())
    assert payments(m) == [(m.reference, "bank_loan", D("550000.00"))]
    assert commission() == []  # no signed deal above it: nothing to release
    assert sale(units[5]) == ("available", None)  # a mortgage holds no unit


def test_a_provident_fund_loan_is_paid_out(world, customers):
    p, u, units = world
    ms, fin = u["mortgage_specialist"], u["finance"]
    m = by_hand(p, u, units[6], customers["c6"], plan="provident_fund", amount="800000.00")
    m = fire(ms, m, "submit_to_bank", bank("provident_fund", "800000.00", "公积金中心"), to="bank_review")
    m = fire(ms, m, "bank_approves", {"approval_no": "GJJ1", "provident_fund_loan_amount": "800000.00"}, to="approved")
    m = fire(ms, m, "sign_loan_contract", {"loan_contract_no": "L3", "loan_contract_signed_on": "2026-06-10"},
             to="awaiting_disbursement")

    refused(GuardFailed, fin, m, "record_disbursement",
            {"bank_disbursed_amount": "800000.00", "disbursed_on": "2026-07-01"})  # not the bank's money
    m = fire(fin, m, "record_disbursement", {"pf_disbursed_amount": "800000.00", "disbursed_on": "2026-07-01"},
             to="disbursed")

    assert_open_tasks(m, set())
    assert payments(m) == [(m.reference, "provident_fund_loan", D("800000.00"))]


def test_refused_by_the_bank_then_applied_again_elsewhere(world, customers):
    p, u, units = world
    ms, sc = u["mortgage_specialist"], u["sales_consultant"]
    m = by_hand(p, u, units[7], customers["c7"])
    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")

    m = fire(ms, m, "bank_rejects", {"rejection_reason": "income"}, to="rejected")
    assert_open_tasks(m, {CHOOSE})
    refused(GuardFailed, sc, m, "reapply", {"payment_plan": "full"})

    m = fire(sc, m, "reapply", {"payment_plan": "provident_fund", "bank": "公积金中心"}, to="collecting_documents")
    assert_open_tasks(m, {COLLECT})
    assert m.data["payment_plan"] == "provident_fund" and payments(m) == []


def test_refused_by_the_bank_and_the_buyer_pays_without_a_loan(world, customers):
    p, u, units = world
    ms, sc, fin = u["mortgage_specialist"], u["sales_consultant"], u["finance"]
    m = by_hand(p, u, units[11], customers["c4"])
    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")
    m = fire(ms, m, "bank_rejects", {"rejection_reason": "income"}, to="rejected")
    refused(GuardFailed, sc, m, "switch_to_own_funds", {"payment_plan": "combined"})
    refused(NotPermitted, fin, m, "switch_to_own_funds", {"payment_plan": "installments"})

    m = fire(sc, m, "switch_to_own_funds", {"payment_plan": "installments"}, to="collecting_balance")
    assert_open_tasks(m, {("collect_balance", "work", "finance")})
    refused(GuardFailed, fin, m, "record_own_payment", {"balance_amount": "600000.01"})

    m = fire(fin, m, "record_own_payment", {"balance_amount": "600000.00"}, to="self_funded")
    assert_open_tasks(m, set())
    assert payments(m) == [(m.reference, "installment", D("600000.00"))]
    assert commission() == []  # a mortgage with no signed deal releases no commission


def test_a_mortgage_is_cancelled(world, customers):
    p, u, units = world
    ms = u["mortgage_specialist"]
    m = by_hand(p, u, units[8], customers["c8"])
    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")
    refused(NotPermitted, u["sales_consultant"], m, "cancel", {"cancel_reason": "x"})

    m = fire(u["sales_manager"], m, "cancel", {"cancel_reason": "paid in cash"}, to="cancelled")

    assert_open_tasks(m, set())
    assert pending_timers(m) == [] and payments(m) == []


def test_a_slow_bank_escalates(world, customers):
    p, u, units = world
    m = by_hand(p, u, units[9], customers["c9"])
    m = fire(u["mortgage_specialist"], m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")

    assert run_timers(timedelta(days=15, hours=1)) == 1
    assert_escalated(m, "follow_bank", ["sales_manager"])
    assert run_timers(timedelta(days=30, hours=1)) == 1
    assert_last_history(m, kind="escalate", details={"timer": "bank_overdue", "to": ["project_director"]})
    assert_escalated(m, "follow_bank", ["sales_manager", "project_director"])
    assert_open_tasks(m, {FOLLOW})


def test_a_bank_submission_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    ms = u["mortgage_specialist"]
    m = by_hand(p, u, units[10], customers["c10"])
    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00"), to="bank_review")
    m = withdraw(ms, m, to="collecting_documents", comment="wrong bank")
    assert_open_tasks(m, {COLLECT})

    m = fire(ms, m, "submit_to_bank", bank("commercial_mortgage", "600000.00", "BOC"), to="bank_review")
    with pytest.raises(NotPermitted, match="send this record back"):
        moves.send_back(u["finance"], m.pk, "collecting_documents", "not yours")
    with pytest.raises(TransitionNotAvailable, match="has not been in “Approved” before"):
        moves.send_back(ms, m.pk, "approved", "never there")
    m = send_back(ms, m, "collecting_documents", "the bank wants the marriage certificate")
    assert_open_tasks(m, {COLLECT})
    assert m.data["bank"] == "BOC" and payments(m) == []

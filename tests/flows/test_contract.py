"""Contracts and filing 签约/网签备案 (flows/contract.yaml) through the service API.

Signing accrues commission and awards points under S1's rules (conftest). At every
step: the record's state and the history entry the step wrote (checked by the
steps), its open tasks, the unit's sale status and who holds it, the ledger.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, InvalidForm, NotPermitted, TransitionNotAvailable, moves
from kernel.models import Unit
from plugins.commission import ledger as commission_ledger
from plugins.commission.models import CommissionDeal
from plugins.points.ledger import balance as points_balance
from plugins.points.models import PointsAccount, PointsEntry

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    commission,
    contract_for,
    filed_contract,
    fire,
    payments,
    pending_timers,
    referral_subscription,
    refused,
    reject,
    review_contract,
    run_timers,
    sale,
    send_back,
    withdraw,
)

DRAFT = ("draft_contract", "work", "contract_clerk")
REVIEW = [("contract_review", "approval", "sales_manager"), ("contract_review", "approval", "finance")]
ARRANGE = ("arrange_signing", "work", ("contract_clerk", "sales_consultant"))
SUBMIT_FILING = ("submit_filing", "work", "contract_clerk")
TRACK = ("track_filing", "work", "contract_clerk")
TERMS = {"contract_no": "HT-1", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"}


def test_reviewed_signed_with_a_mortgage_then_filed_after_a_returned_filing(world, customers):
    p, u, units = world
    clerk, mgr, fin = u["contract_clerk"], u["sales_manager"], u["finance"]
    spouse, referrer = customers["spouse"], customers["referrer"]
    sub = referral_subscription(p, u, units[1], customers)
    sub = fire(clerk, sub, "sign", to="contracted")
    con = child(sub, "contract")
    assert_last_history(con, kind="start", to_state="drafting", actor=clerk, details={"parent": sub.reference})
    assert_open_tasks(con, {DRAFT})
    assert con.data["deal_price"] == "2992735.00"
    assert (con.data["channel"], con.data["referrer_id"]) == ("agency_a", referrer.pk)
    refused(NotPermitted, u["sales_consultant"], con, "submit_for_review", TERMS)

    con = fire(clerk, con, "submit_for_review", TERMS, to="review")
    assert_open_tasks(con, REVIEW)
    assert con.data["unit_price"] == "23289.77"  # 2 992 735.00 / 128.50
    # the review set the unit price: it cannot be withdrawn, only sent back or decided
    with pytest.raises(TransitionNotAvailable, match="ran actions"):
        moves.withdraw(clerk, con.pk, "typo")

    con = approve(con, mgr, fin, fires="approve_contract", to="ready_to_sign")
    assert_open_tasks(con, {ARRANGE})
    assert commission() == [] and sale(units[1]) == ("subscribed", sub.reference)
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "600000.00"}, to="signed")
    assert_open_tasks(con, {SUBMIT_FILING})
    assert sale(units[1]) == ("signed", con.reference)
    assert payments(sub, con) == [(sub.reference, "deposit", D("50000.00")),
                                  (con.reference, "down_payment", D("600000.00"))]
    # signing: commission accrued (channel 1.5 %, referral bonus, consultant 0.3 %), purchase and referral points
    assert commission() == [("channel", D("44891.03"), "accrued"),      # 2 992 735.00 × 1.5 % = 44 891.025
                            ("referrer", D("5000.00"), "accrued"),
                            ("consultant", D("8978.21"), "accrued")]    # × 0.3 % = 8 978.205
    deal = CommissionDeal.objects.get()
    assert (deal.record_id, deal.consultant_id, deal.channel, deal.referrer) == (
        con.pk, u["sales_consultant"].pk, "agency_a", str(referrer.pk))
    assert con.data["points_awarded"] == 20000  # 29 927 capped at 20 000, for the main buyer
    assert (points_balance(p.pk, spouse.pk), PointsAccount.objects.get(customer=spouse).level) == (20000, "gold")
    assert (con.data["referral_points_awarded"], points_balance(p.pk, referrer.pk)) == (3000, 3000)  # 老带新
    mtg = child(con, "mortgage")
    assert mtg.data["requested_loan_amount"] == "2342735.00"  # 2 992 735.00 − 50 000.00 − 600 000.00
    assert_last_history(mtg, kind="start", to_state="collecting_documents", actor=clerk,
                        details={"parent": con.reference})
    assert_open_tasks(mtg, {("collect_documents", "work", "mortgage_specialist")})

    # the step of its own for the referrer's points changes nothing once signing awarded them: once per deal
    con = fire(mgr, con, "award_referral_points", to="signed")
    con = fire(mgr, con, "award_referral_points", to="signed")
    assert_open_tasks(con, {SUBMIT_FILING})
    assert (con.data["referral_points_awarded"], points_balance(p.pk, referrer.pk)) == (3000, 3000)

    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-06-02"}, to="filing_submitted")
    assert_open_tasks(con, {TRACK})
    con = fire(clerk, con, "reject_filing", {"filing_rejection_reason": "typo"}, to="filing_rejected")
    assert_open_tasks(con, {("fix_filing", "work", "contract_clerk")})
    assert sale(units[1]) == ("signed", con.reference)
    con = fire(clerk, con, "resubmit_filing", {"filing_submitted_on": "2026-06-03"}, to="filing_submitted")
    assert_open_tasks(con, {TRACK})
    refused(InvalidForm, clerk, con, "file", {"filing_number": "", "filed_on": "2026-06-05"})

    con = fire(clerk, con, "file", {"filing_number": "2026预0001", "filed_on": "2026-06-05"}, to="filed")
    assert_open_tasks(con, set())
    assert sale(units[1]) == ("filed", con.reference)
    # filed, but 50 000 + 600 000 is less than 30 % of the price (897 820.50): still accrued
    assert {s for *_, s in commission()} == {"accrued"} and CommissionDeal.objects.get().filed_at is not None
    ho = child(con, "handover")
    assert (ho.state, ho.data["unit_price"], ho.data["contract_area"]) == ("awaiting_completion", "23289.77", "128.50")
    assert_last_history(ho, kind="start", to_state="awaiting_completion", actor=clerk,
                        details={"parent": con.reference})
    assert_open_tasks(ho, {("prepare_notice", "work", "handover_staff")})  # in the handover staff's inbox
    assert payments(sub, con) == [(sub.reference, "deposit", D("50000.00")),
                                  (con.reference, "down_payment", D("600000.00"))]


def test_a_returned_review_goes_back_to_drafting(world, customers):
    p, u, units = world
    clerk = u["contract_clerk"]
    con = contract_for(p, u, units[2], customers["c4"])
    con = fire(clerk, con, "submit_for_review", TERMS, to="review")
    con = reject(con, u["finance"], fires="reject_contract", to="drafting")
    assert_open_tasks(con, {DRAFT})
    assert sale(units[2]) == ("subscribed", con.parent.reference)

    con = fire(clerk, con, "submit_for_review", {**TERMS, "contract_no": "HT-1b"}, to="review")
    assert_open_tasks(con, REVIEW)
    con = approve(con, u["finance"], u["sales_manager"], fires="approve_contract", to="ready_to_sign")
    assert_open_tasks(con, {ARRANGE})


def test_cancelled_by_the_director_before_signing_deposit_forfeited(world, customers):
    p, u, units = world
    c4 = customers["c4"]
    con = contract_for(p, u, units[11], c4, plan="commercial_mortgage", deposit="30000.00")
    sub = con.parent
    refused(NotPermitted, u["sales_manager"], con, "cancel", {"cancel_reason": "buyer default"})

    con = fire(u["project_director"], con, "cancel", {"cancel_reason": "buyer default"}, to="refund_pending")
    assert_open_tasks(con, {("pay_refund", "work", "finance")})
    assert sale(units[11]) == ("available", None)

    con = fire(u["finance"], con, "close_without_refund", {"forfeit_reason": "定金罚则"}, to="cancelled")
    assert_open_tasks(con, set())
    assert commission() == []  # nothing accrued before signing: nothing to claw back
    assert payments(sub, con) == [(sub.reference, "deposit", D("30000.00"))]


def test_cancelled_when_ready_to_sign_and_the_deposit_refunded(world, customers):
    p, u, units = world
    con = contract_for(p, u, units[10], customers["c5"])
    sub = con.parent
    con = review_contract(u, con, TERMS)
    con = fire(u["project_director"], con, "cancel", {"cancel_reason": "mortgage impossible"}, to="refund_pending")
    assert sale(units[10]) == ("available", None)
    # nothing was paid at signing: the refund is at most the deposit
    refused(GuardFailed, u["finance"], con, "refund", {"refund_amount": "100000.01"})

    con = fire(u["finance"], con, "refund", {"refund_amount": "100000.00"}, to="cancelled")

    assert_open_tasks(con, set())
    assert payments(sub, con) == [(sub.reference, "deposit", D("100000.00")), (con.reference, "refund", D("100000.00"))]


def test_cancelling_a_signed_contract_reverses_and_claws_back_its_commission(world, customers):
    p, u, units = world
    clerk, mgr, fin, director = u["contract_clerk"], u["sales_manager"], u["finance"], u["project_director"]
    buyer = customers["c6"]
    ho = filed_contract(p, u, units[8], buyer, channel="agency_a")  # a first deal of the month, paid out
    commission_ledger.pay(project_id=p.pk, beneficiary_kind="channel", beneficiary="agency_a", user_id=None,
                          now=ho.created_at)
    first = ho.parent
    assert commission(first) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "payable")]
    # cancelling a filed contract is not a flow step here; the area settlement's cancellation is.
    # A signed, unfiled contract is cancelled through its countersign:
    Unit.objects.filter(pk=units[9].pk).update(list_price=D("1000000.00"))
    con = contract_for(p, u, units[9], buyer, plan="full", deposit="50000.00", channel="agency_a")
    sub = con.parent
    assert sub.data["deal_price"] == "980000.00"  # full payment 98 折
    con = review_contract(u, con, TERMS)
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "300000.00"}, to="signed")
    assert sale(units[9]) == ("signed", con.reference)
    assert commission(con) == [("channel", D("14700.00"), "accrued"), ("consultant", D("2940.00"), "accrued")]
    assert points_balance(p.pk, buyer.pk) == 20000 + 9800  # two purchases: 20 000 (capped) and 9 800

    # a refused cancellation returns to signed, nothing reversed
    con = fire(mgr, con, "request_cancel", {"cancel_reason": "buyer hesitates"}, to="cancel_review")
    assert_open_tasks(con, {("cancel_countersign", "approval", "project_director"),
                            ("cancel_countersign", "approval", "finance")})
    con = reject(con, director, fires="reject_cancel", to="signed")
    assert_open_tasks(con, {SUBMIT_FILING})
    assert {s for *_, s in commission(con)} == {"accrued"} and sale(units[9]) == ("signed", con.reference)

    con = fire(mgr, con, "request_cancel", {"cancel_reason": "buyer withdrew"}, to="cancel_review")
    con = approve(con, director, fin, fires="approve_cancel", to="refund_pending")

    assert_open_tasks(con, {("pay_refund", "work", "finance")})
    assert sale(units[9]) == ("available", None)
    assert commission(con) == [("channel", D("14700.00"), "reversed"), ("consultant", D("2940.00"), "reversed")]
    assert CommissionDeal.objects.get(record_id=con.pk).cancelled_at is not None
    assert points_balance(p.pk, buyer.pk) == 20000  # this deal's 9 800 taken back, the first deal's kept
    # the buyer's journal shows it: earned at signing, reversed by the cancellation, with its reason
    journal = [(e.kind, e.points, e.balance_after, e.reference, e.note) for e in
               PointsEntry.objects.filter(account__customer=buyer, source_key=f"purchase:{sub.pk}").order_by("pk")]
    assert journal == [("earn", 9800, 29800, con.reference, "signed purchase"),
                       ("reverse", -9800, 20000, con.reference, "buyer withdrew")]
    # the first deal is untouched
    assert commission(first) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "payable")]
    # the refund covers the deposit and the payment at signing, no more
    refused(GuardFailed, fin, con, "refund", {"refund_amount": "350000.01"})
    con = fire(fin, con, "refund", {"refund_amount": "350000.00"}, to="cancelled")
    assert payments(sub, con) == [(sub.reference, "deposit", D("50000.00")),
                                  (con.reference, "down_payment", D("300000.00")),
                                  (con.reference, "refund", D("350000.00"))]


def test_signing_and_filing_overdue_escalate(world, customers):
    p, u, units = world
    clerk = u["contract_clerk"]
    con = contract_for(p, u, units[3], customers["c7"])
    con = review_contract(u, con, TERMS)
    assert pending_timers(con) == [("arrange_signing_deadline", "escalate", ("sales_manager",)),
                                   ("signing_overdue", "escalate", ("project_director",))]

    assert run_timers(timedelta(days=3, hours=1)) == 1
    assert_escalated(con, "arrange_signing", ["sales_manager"])
    assert run_timers(timedelta(days=7, hours=1)) == 1
    assert_last_history(con, kind="escalate", details={"timer": "signing_overdue", "to": ["project_director"]})
    assert_escalated(con, "arrange_signing", ["sales_manager", "project_director"])
    assert_open_tasks(con, {ARRANGE})

    # signing closes the escalated task; the filing's own clock starts
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "100000.00"}, to="signed")
    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-06-02"}, to="filing_submitted")
    assert pending_timers(con) == [("filing_overdue", "escalate", ("project_director",)),
                                   ("track_filing_deadline", "escalate", ("sales_manager",))]
    assert_open_tasks(con, {TRACK})


def test_a_filing_submission_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    clerk = u["contract_clerk"]
    con = contract_for(p, u, units[4], customers["c8"])
    con = review_contract(u, con, TERMS)
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "100000.00"}, to="signed")

    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-06-02"}, to="filing_submitted")
    con = withdraw(clerk, con, to="signed", comment="wrong date")
    assert_open_tasks(con, {SUBMIT_FILING})

    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-06-03"}, to="filing_submitted")
    con = send_back(u["sales_manager"], con, "signed", "attach the buyer's ID")
    assert_open_tasks(con, {SUBMIT_FILING})
    assert sale(units[4]) == ("signed", con.reference)
    assert payments(con) == [(con.reference, "down_payment", D("100000.00"))]  # a send back runs no actions


def test_a_signed_contract_cannot_be_sent_back_past_its_signing(world, customers):
    # signing recorded the down payment: signing again after a send back would record it
    # twice, so the send back is refused (a signed contract is undone by cancelling it)
    p, u, units = world
    clerk = u["contract_clerk"]
    con = contract_for(p, u, units[5], customers["c9"])
    con = review_contract(u, con, TERMS)
    con = fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "100000.00"}, to="signed")
    with pytest.raises(TransitionNotAvailable, match="Since “Ready to sign”, the step “Sign” ran “Record a receipt or refund”"):
        moves.send_back(u["sales_manager"], con.pk, "ready_to_sign", "the signing date is wrong")
    con.refresh_from_db()
    assert con.state == "signed" and sale(units[5]) == ("signed", con.reference)
    assert payments(con) == [(con.reference, "down_payment", D("100000.00"))]

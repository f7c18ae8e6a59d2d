"""One customer of the demo project DEMO, from a queue number to the keys (issue 5).

Loaded with `load_demo`: DEMO's published flows, its pricing, commission and points
rules, its users (found by role through accounts.Membership), customers and units.
孙浩 queues, picks 5-1001 on launch day as a reservation, converts it to a subscription,
signs with a commercial mortgage, files, gets the loan, settles the measured area and
takes the keys. At every step: the record's state and the history entry the step
wrote (checked by the steps), the open tasks, the unit's sale status and the deal
holding it, the payments ledger.
"""
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Membership
from engine.models import Record
from engine.runtime import records
from kernel.models import Customer, CustomerRegistration, Project, Unit
from kernel.payments import net_collections
from plugins.commission.models import CommissionDeal
from plugins.points.ledger import balance as points_balance

from .steps import (
    approve,
    assert_last_history,
    assert_open_tasks,
    child,
    commission,
    complete,
    fire,
    history,
    payments,
    sale,
)


@pytest.fixture
def demo(db):
    call_command("load_demo", "--no-history", stdout=StringIO())
    return Project.objects.get(code="DEMO")


def staff(project):
    """{role: user} of the project's members (accounts.Membership), the first by username where several hold one."""
    found = {}
    for m in Membership.objects.filter(project=project).select_related("user").order_by("user__username"):
        found.setdefault(m.role, m.user)
    return found


def story(record):
    return [h.transition or h.kind for h in history(record)]


def test_one_customer_from_queue_number_to_handover_in_the_demo(demo):
    u = staff(demo)
    buyer = Customer.objects.get(name="孙浩")
    # the consultant who registered the buyer serves them (customer protection)
    sc = CustomerRegistration.objects.get(project=demo, customer=buyer).consultant
    assert Membership.objects.filter(project=demo, user=sc, role="sales_consultant").exists()
    mgr, director, fin, clerk, ms, cs, hs = (u[r] for r in (
        "sales_manager", "project_director", "finance", "contract_clerk", "mortgage_specialist", "customer_service",
        "handover_staff"))
    unit = Unit.objects.get(project=demo, code="5-1001")
    assert (unit.built_area, unit.list_price) == (D("98.73"), D("2390166.00"))
    assert sale(unit) == ("available", None)

    # -- queue number: sincerity deposit, confirmed, number A-0001, called, a unit picked for a reservation
    q = records.start_record(sc, demo, "queue_number", {"customer_id": buyer.pk, "batch": "A"})
    assert_last_history(q, kind="start", to_state="registered", actor=sc)
    assert_open_tasks(q, {("collect_sincerity_deposit", "work", "sales_consultant")})
    q = fire(sc, q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "wechat"},
             to="awaiting_confirmation")
    assert_open_tasks(q, {("confirm_receipt", "work", "finance")})
    assert payments(q) == []
    q = fire(fin, q, "confirm_deposit", to="queued")
    assert q.data["queue_number"] == "A-0001"
    assert_open_tasks(q, {("notify_launch", "work", "sales_consultant")})
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00"))]
    q = fire(mgr, q, "call", to="called")
    assert_open_tasks(q, {("pick_unit", "work", "sales_consultant")})
    q = fire(sc, q, "pick_reservation", {"unit_id": unit.pk}, to="reserved")
    assert_open_tasks(q, set())
    assert sale(unit) == ("reserved", q.reference)

    # -- reservation: the small deposit holds the unit for 72 hours; converted to a subscription
    rsv = child(q, "reservation")
    assert_last_history(rsv, kind="start", to_state="draft", actor=sc, details={"parent": q.reference})
    assert_open_tasks(rsv, {("complete_reservation", "work", "sales_consultant")})
    rsv = fire(sc, rsv, "hold", {"unit_id": unit.pk, "deposit": "10000.00"}, to="held")
    assert_open_tasks(rsv, {("follow_up_reservation", "work", "sales_consultant")})
    assert sale(unit) == ("reserved", rsv.reference)
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("10000.00"))]
    rsv = fire(sc, rsv, "convert", to="converted")
    assert_open_tasks(rsv, set())

    # -- subscription: quoted under DEMO's rules, submitted with the deposit, sent to the contract
    sub = child(rsv, "subscription")
    assert_last_history(sub, kind="start", to_state="draft", actor=sc, details={"parent": rsv.reference})
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "commercial_mortgage",
                                  "discount_codes": ["launch"], "discount_rate": "0.01"}, to="draft")
    quote = sub.data["price_snapshot"]
    # 2 390 166.00 × 0.99 (mortgage) = 2 366 264.34, × 0.99 (launch) = 2 342 601.70,
    # × 0.99 (1 % by hand, within the consultant's 2 %) = 2 319 175.68 → 2 319 175.00 (DEMO drops the fen)
    assert [d["code"] for d in quote["discounts"]] == ["mortgage", "launch"]
    assert [d["after"] for d in quote["discounts"]] == ["2366264.34", "2342601.70"]
    assert (quote["manual_discount"]["after"], quote["deal_price"], quote["approval"]) == (
        "2319175.68", "2319175.00", "none")
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})
    # the deposit 定金 of 80 000.00 counts the 30 000.00 carried (sincerity and reservation): 50 000.00 is taken
    assert (sub.data["deposit_carried"], sub.data["deposit"]) == ("30000.00", "30000.00")
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "80000.00", "channel": "agency_b"},
               to="awaiting_contract")
    assert_open_tasks(sub, {("arrange_signing", "work", "sales_consultant")})
    assert sale(unit) == ("subscribed", sub.reference)
    assert payments(sub) == [(sub.reference, "deposit", D("50000.00"))]
    sub = fire(sc, sub, "sign", to="contracted")
    assert_open_tasks(sub, set())

    # -- contract: reviewed, signed with the mortgage (commission, points), filed (commission payable)
    con = child(sub, "contract")
    assert_last_history(con, kind="start", to_state="drafting", actor=sc, details={"parent": sub.reference})
    assert_open_tasks(con, {("draft_contract", "work", "contract_clerk")})
    assert (con.data["deal_price"], con.data["deposit"], con.data["channel"]) == ("2319175.00", "80000.00", "agency_b")
    con = fire(clerk, con, "submit_for_review", {"contract_no": "HT-DEMO-0002", "area_basis": "built",
                                                 "contract_area": "98.73", "delivery_date": "2027-12-31"}, to="review")
    assert con.data["unit_price"] == "23490.07"  # 2 319 175.00 / 98.73
    assert_open_tasks(con, {("contract_review", "approval", "sales_manager"),
                            ("contract_review", "approval", "finance")})
    con = approve(con, mgr, fin, fires="approve_contract", to="ready_to_sign")
    assert_open_tasks(con, {("arrange_signing", "work", ("contract_clerk", "sales_consultant"))})
    assert sale(unit) == ("subscribed", sub.reference)
    con = fire(clerk, con, "sign", {"signed_on": "2026-12-01", "down_payment": "700000.00"}, to="signed")
    assert_open_tasks(con, {("submit_filing", "work", "contract_clerk")})
    assert sale(unit) == ("signed", con.reference)
    assert payments(con) == [(con.reference, "down_payment", D("700000.00"))]
    # agency_b 1.2 % and the consultant's first deal of the month at 0.3 %; 23 191 points, capped at 20 000
    assert commission(con) == [("channel", D("27830.10"), "accrued"), ("consultant", D("6957.53"), "accrued")]
    assert CommissionDeal.objects.get(record_id=con.pk).consultant_id == sc.pk
    assert (con.data["points_awarded"], points_balance(demo.pk, buyer.pk)) == (20000, 20000)
    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-12-02"}, to="filing_submitted")
    assert_open_tasks(con, {("track_filing", "work", "contract_clerk")})
    con = fire(clerk, con, "file", {"filing_number": "2026预DEMO02", "filed_on": "2026-12-09"}, to="filed")
    assert_open_tasks(con, set())
    assert sale(unit) == ("filed", con.reference)
    # filed, and 20 000 + 10 000 + 50 000 + 700 000 is more than 30 % of the price: payable
    assert {s for *_, s in commission(con)} == {"payable"}

    # -- mortgage: the loan asked for is what the buyer still owes, the earlier deposits counted
    mtg = child(con, "mortgage")
    assert_last_history(mtg, kind="start", to_state="collecting_documents", actor=clerk,
                        details={"parent": con.reference})
    assert_open_tasks(mtg, {("collect_documents", "work", "mortgage_specialist")})
    # the contract pre-fills price − deposits (the sincerity and reservation deposits carried included)
    # − down payment: nothing for the specialist to deduct by hand
    assert mtg.data["requested_loan_amount"] == "1539175.00"
    loan = "1539175.00"
    mtg = fire(ms, mtg, "submit_to_bank", {"payment_plan": "commercial_mortgage", "bank": "ICBC",
                                           "requested_loan_amount": loan, "loan_years": 30}, to="bank_review")
    assert_open_tasks(mtg, {("follow_bank", "work", "mortgage_specialist")})
    mtg = fire(ms, mtg, "bank_approves", {"approval_no": "AP-DEMO", "commercial_loan_amount": loan}, to="approved")
    assert_open_tasks(mtg, {("sign_loan_contract", "work", "mortgage_specialist")})
    mtg = fire(ms, mtg, "sign_loan_contract", {"loan_contract_no": "L-DEMO", "loan_contract_signed_on": "2026-12-15"},
               to="awaiting_disbursement")
    assert_open_tasks(mtg, {("confirm_disbursement", "work", "finance")})
    mtg = fire(fin, mtg, "record_disbursement", {"bank_disbursed_amount": loan, "disbursed_on": "2027-01-10"},
               to="disbursed")
    assert_open_tasks(mtg, set())
    assert payments(mtg) == [(mtg.reference, "bank_loan", D("1539175.00"))]
    assert sale(unit) == ("filed", con.reference)

    # -- handover notice; area settlement: +0.50 m² inside the band, the buyer pays 0.50 × P
    ho = child(con, "handover")
    assert_last_history(ho, kind="start", to_state="awaiting_completion", actor=clerk,
                        details={"parent": con.reference})
    assert_open_tasks(ho, {("prepare_notice", "work", "handover_staff")})
    ho = fire(hs, ho, "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    assert_open_tasks(ho, {("book_appointment", "work", ("handover_staff", "customer_service"))})
    ars = child(ho, "area_settlement")
    assert_last_history(ars, kind="start", to_state="awaiting_survey", actor=hs, details={"parent": ho.reference})
    assert_open_tasks(ars, {("enter_measured_area", "work", "contract_clerk")})
    ars = fire(clerk, ars, "enter_survey", {"measured_area": "99.23", "survey_report_no": "SV-DEMO"}, to="review")
    s = ars.data["settlement"]
    assert (s["contracted_area"], s["measured_area"], s["price_per_m2"], s["ratio"]) == (
        "98.73", "99.23", "23490.07", "0.005064")
    assert (s["within_band"], s["buyer_pays"], s["amount"], s["may_cancel"]) == ("0.50", "11745.04", "11745.04", False)
    assert_open_tasks(ars, {("settlement_countersign", "approval", "finance"),
                            ("settlement_countersign", "approval", "project_director")})
    ars = approve(ars, fin, director, fires="approve_settlement", to="notifying")
    assert_open_tasks(ars, {("notify_buyer", "work", ("customer_service", "contract_clerk"))})
    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    assert_open_tasks(ars, {("settle_difference", "work", "finance")})
    ars = fire(fin, ars, "collect_difference", {"collected_amount": "11745.04"}, to="settled")
    assert_open_tasks(ars, set())
    assert payments(ars) == [(ars.reference, "area_difference", D("11745.04"))]

    # -- handover: appointment, inspection, fees (the area settlement confirmed closed), keys
    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")
    assert_open_tasks(ho, {("prepare_inspection", "work", "handover_staff")})
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-10"}, to="inspecting")
    assert_open_tasks(ho, {("joint_inspection", "work", "handover_staff")})
    ho = fire(hs, ho, "accept_inspection", to="settling_fees")
    assert_open_tasks(ho, {("confirm_area_settlement", "work", "finance"), ("collect_fees", "work", "finance")})
    complete(fin, ho, "confirm_area_settlement")
    assert_open_tasks(ho, {("collect_fees", "work", "finance")})
    ho = fire(fin, ho, "settle_fees", {"fees_due": "8600.00", "fees_amount": "8600.00"}, to="handing_keys")
    assert_open_tasks(ho, {("hand_over_keys", "work", "handover_staff")})
    assert sale(unit) == ("filed", con.reference)
    ho = fire(hs, ho, "hand_over", {"certificate_no": "JJ-DEMO-1", "handed_over_on": "2027-11-12"}, to="delivered")
    assert_open_tasks(ho, set())
    assert sale(unit) == ("delivered", ho.reference)

    # -- the deal's ledger: everything the buyer paid is the price plus the area difference, and the fees
    deal = (q, rsv, sub, con, mtg, ho, ars)
    assert payments(*deal) == [
        (q.reference, "sincerity_deposit", D("20000.00")), (rsv.reference, "reservation_deposit", D("10000.00")),
        (sub.reference, "deposit", D("50000.00")), (con.reference, "down_payment", D("700000.00")),
        (mtg.reference, "bank_loan", D("1539175.00")), (ars.reference, "area_difference", D("11745.04")),
        (ho.reference, "fee", D("8600.00"))]  # fees collected for others: not in net collections
    assert net_collections(demo.pk, record_ids=[r.pk for r in deal]).net == D("2319175.00") + D("11745.04")
    assert {s for *_, s in commission(con)} == {"payable"} and points_balance(demo.pk, buyer.pk) == 20000
    # and each record's history tells its part of the story
    assert story(q) == ["start", "submit_deposit", "confirm_deposit", "call", "pick_reservation"]
    assert story(rsv) == ["start", "hold", "convert"]
    assert story(sub) == ["start", "quote", "submit", "sign"]
    assert story(con) == ["start", "submit_for_review", "vote", "vote", "approve_contract", "sign",
                          "submit_filing", "file", "deliver"]  # closed by the handover's delivery
    assert story(mtg) == ["start", "submit_to_bank", "bank_approves", "sign_loan_contract", "record_disbursement"]
    assert story(ars) == ["start", "enter_survey", "vote", "vote", "approve_settlement", "notify_buyer",
                          "collect_difference"]
    assert story(ho) == ["start", "issue_notice", "book_appointment", "start_inspection", "accept_inspection",
                         "complete", "settle_fees", "hand_over"]
    assert all(r.is_closed for r in Record.objects.filter(pk__in=[r.pk for r in deal]))


"""End-to-end runs of the shipped flows through the engine and the kernel (issue 5 scenarios)."""
from decimal import Decimal

import pytest

from engine import versions
from engine.models import Record, Task
from engine.runtime import approvals, records, tasks, transitions, GuardFailed
from kernel.models import Project, Unit
from kernel.payments import net_collections
from kernel.models.queue import QueueNumber
from tests.kernel.conftest import make_units, make_user

FLOWS = ["queue_number", "reservation", "subscription", "contract", "mortgage", "handover", "defect",
         "area_settlement", "lease", "resale", "merchant_leasing"]
ROLES = ["sales_consultant", "sales_manager", "project_director", "finance", "contract_clerk",
         "mortgage_specialist", "customer_service", "handover_staff", "leasing_agent", "merchant_manager",
         "channel_agent", "engineer"]


@pytest.fixture
def world(db):
    p = Project.objects.create(code="S1", name="Smoke", settings={"discount_allowance": "0.02",
                                                                 "director_discount_allowance": "0.05"})
    users = {r: make_user(r, p, r) for r in ROLES}
    units = make_units(p, 12)
    for f in FLOWS:
        versions.publish(p, f)
    return p, users, units


def fire(user, rec, name, form=None):
    return transitions.fire(user, rec.pk, name, form or {})


def vote(users, rec, decision="approve"):
    rec.refresh_from_db()
    slots = list(Task.objects.filter(record=rec, status="open", kind="approval"))
    assert slots, f"no approval open on {rec.reference} in {rec.state}"
    for slot in slots:
        role = slot.roles[0]
        approvals.vote(users[role], slot.pk, decision)
        if decision == "reject":
            break
    rec.refresh_from_db()
    return rec


def child(rec, flow):
    return Record.objects.filter(parent=rec, flow=flow).order_by("-pk").first()


def status(unit):
    unit.refresh_from_db()
    return unit.status


def test_queue_to_delivery(world):
    p, u, units = world
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": 1, "batch": "A"})
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "wechat"})
    q = fire(u["finance"], q, "confirm_deposit")
    assert q.data["queue_number"] == "A-0001" and q.state == "queued"
    q = fire(u["sales_manager"], q, "call")
    q = fire(u["sales_consultant"], q, "pick_subscription", {"unit_id": units[0].pk})
    assert status(units[0]) == "reserved"
    sub = child(q, "subscription")
    assert sub.data["consultant_id"] == u["sales_consultant"].pk
    good = {"unit_id": units[0].pk, "buyers": [{"customer_id": 1}], "payment_plan": "combined",
            "list_price": "3058300.00", "discount_rate": "0.01", "deal_price": "3027717.00", "deposit": "50000.00",
            "customer_id": 1}
    with pytest.raises(GuardFailed):
        fire(u["sales_consultant"], sub, "submit_for_discount", good)
    sub = fire(u["sales_consultant"], sub, "submit", good)
    assert status(units[0]) == "subscribed"
    # change of unit
    sub = fire(u["sales_consultant"], sub, "request_unit_change", {"change_unit_id": units[1].pk, "change_list_price": "3100000.00", "change_deal_price": "3069000.00", "change_reason": "higher floor"})
    assert status(units[1]) == "reserved"
    sub = vote(u, sub)
    assert sub.state == "awaiting_contract" and sub.data["unit_id"] == units[1].pk and sub.data["deal_price"] == "3069000.00"
    assert (status(units[0]), status(units[1])) == ("available", "subscribed")
    # rejected change of unit releases the requested unit
    sub = fire(u["sales_consultant"], sub, "request_unit_change", {"change_unit_id": units[2].pk, "change_list_price": "1.00", "change_deal_price": "1.00", "change_reason": "x"})
    sub = vote(u, sub, "reject")
    assert sub.state == "awaiting_contract" and status(units[2]) == "available" and sub.data["unit_id"] == units[1].pk
    # price change and buyers change
    sub = fire(u["sales_manager"], sub, "request_price_change", {"change_discount_rate": "0.015", "change_deal_price": "3053500.00", "change_reason": "launch discount"})
    sub = vote(u, sub)
    assert (sub.data["deal_price"], sub.data["discount_rate"]) == ("3053500.00", "0.015")
    sub = fire(u["sales_consultant"], sub, "request_buyer_change", {"change_buyers": [{"customer_id": 2, "share": "0.5"}, {"customer_id": 1, "share": "0.5"}], "change_reason": "spouse"})
    sub = vote(u, sub)
    assert sub.data["customer_id"] == 2 and len(sub.data["buyers"]) == 2
    sub = fire(u["contract_clerk"], sub, "sign")
    con = child(sub, "contract")
    assert con.state == "drafting" and con.data["deal_price"] == "3053500.00"
    con = fire(u["contract_clerk"], con, "submit_for_review", {"contract_no": "HT-1", "area_basis": "built", "contract_area": "100.00", "delivery_date": "2027-12-31"})
    assert con.data["unit_price"] == "30535.00"
    con = vote(u, con)
    assert con.state == "ready_to_sign"
    with pytest.raises(GuardFailed):
        fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "900000.00"})
    con = fire(u["contract_clerk"], con, "sign_with_mortgage", {"signed_on": "2026-06-01", "down_payment": "900000.00"})
    assert status(units[1]) == "signed"
    mtg = child(con, "mortgage")
    assert mtg.data["requested_loan_amount"] == "2103500.00"
    mtg = fire(u["mortgage_specialist"], mtg, "submit_to_bank", {"bank": "ICBC", "loan_years": 30, "payment_plan": "combined", "requested_loan_amount": "2103500.00"})
    mtg = fire(u["mortgage_specialist"], mtg, "bank_approves", {"approval_no": "AP1", "commercial_loan_amount": "1303500.00", "provident_fund_loan_amount": "800000.00"})
    mtg = fire(u["mortgage_specialist"], mtg, "sign_loan_contract", {"loan_contract_no": "L1", "loan_contract_signed_on": "2026-06-10"})
    with pytest.raises(GuardFailed):
        fire(u["finance"], mtg, "record_bank_disbursement", {"bank_disbursed_amount": "1303500.00", "disbursed_on": "2026-07-01"})
    mtg = fire(u["finance"], mtg, "record_combined_bank_part", {"bank_disbursed_amount": "1303500.00"})
    mtg = fire(u["finance"], mtg, "record_combined_pf_part", {"pf_disbursed_amount": "800000.00", "disbursed_on": "2026-08-01"})
    assert mtg.state == "disbursed"
    con = fire(u["contract_clerk"], con, "submit_filing", {"filing_submitted_on": "2026-06-02"})
    con = fire(u["contract_clerk"], con, "reject_filing", {"filing_rejection_reason": "typo"})
    con = fire(u["contract_clerk"], con, "resubmit_filing", {"filing_submitted_on": "2026-06-03"})
    con = fire(u["contract_clerk"], con, "file", {"filing_number": "2026预0001", "filed_on": "2026-06-05"})
    assert status(units[1]) == "filed"
    ho = child(con, "handover")
    assert ho.state == "awaiting_completion"
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
    ars = child(ho, "area_settlement")
    ars = fire(u["contract_clerk"], ars, "enter_survey", {"measured_area": "102.00", "survey_report_no": "SV1"})
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("0.020000", "61070.00")
    ars = vote(u, ars)
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    with pytest.raises(GuardFailed):  # not beyond 3 %: no cancellation
        fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "x"})
    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "61070.00"})
    assert ars.state == "settled"
    ho = fire(u["customer_service"], ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"})
    ho = fire(u["handover_staff"], ho, "start_inspection", {"inspection_date": "2027-11-10"})
    dform = {"defect_location": "主卧", "defect_description": "墙面开裂", "defect_category": "civil", "defect_severity": "minor"}
    ho = fire(u["handover_staff"], ho, "log_defect", dform)
    ho = fire(u["handover_staff"], ho, "log_defect", {**dform, "defect_severity": "urgent"})
    assert ho.data["defect_count"] == 2 and ho.state == "inspecting"
    defects = list(Record.objects.filter(parent=ho, flow="defect").order_by("pk"))
    d = fire(u["handover_staff"], defects[1], "assign_urgent", {"severity": "urgent"})
    d = fire(u["engineer"], d, "report_fixed", {"rectification_note": "fixed", "rectified_on": "2027-11-11"})
    d = fire(u["handover_staff"], d, "reopen", {"verification_note": "not yet"})
    assert d.state == "rectifying" and d.data["reopen_count"] == 1
    ho = fire(u["handover_staff"], ho, "accept_inspection")
    from engine.runtime.errors import TransitionNotAvailable
    with pytest.raises(TransitionNotAvailable):
        fire(u["finance"], ho, "settle_fees", {"fees_amount": "12000.00"})
    t = Task.objects.get(record=ho, name="confirm_area_settlement", status="open")
    tasks.complete(u["finance"], t.pk)
    ho = fire(u["finance"], ho, "settle_fees", {"fees_amount": "12000.00"})
    ho = fire(u["handover_staff"], ho, "hand_over", {"certificate_no": "JJ-1", "handed_over_on": "2027-11-12"})
    assert ho.state == "delivered" and status(units[1]) == "delivered"
    net = net_collections(p.pk).net
    assert net == Decimal("20000.00") + Decimal("50000.00") + Decimal("900000.00") + Decimal("2103500.00") + Decimal("61070.00")


def _filed_contract(p, u, unit, deal="2000000.00", area="100.00"):
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": 5, "unit_id": unit.pk})
    sub = fire(u["sales_consultant"], sub, "submit", {"unit_id": unit.pk, "buyers": [{"customer_id": 5}], "payment_plan": "full",
               "list_price": deal, "deal_price": deal, "deposit": "100000.00", "customer_id": 5})
    sub = fire(u["sales_consultant"], sub, "sign")
    con = child(sub, "contract")
    con = fire(u["contract_clerk"], con, "submit_for_review", {"contract_no": "HT-2", "area_basis": "inner", "contract_area": area, "delivery_date": "2027-12-31"})
    con = vote(u, con)
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "1900000.00"})
    con = fire(u["contract_clerk"], con, "submit_filing", {"filing_submitted_on": "2026-06-02"})
    con = fire(u["contract_clerk"], con, "file", {"filing_number": "F-2", "filed_on": "2026-06-05"})
    return child(con, "handover")


def test_area_settlement_cancellation_and_refund(world):
    p, u, units = world
    ho = _filed_contract(p, u, units[3])
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
    ars = child(ho, "area_settlement")
    ars = fire(u["contract_clerk"], ars, "enter_survey", {"measured_area": "95.00", "survey_report_no": "SV2"})
    # P = 20000: 3 m² at P refunded plus 2 m² at 2P = 60000 + 80000
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("-0.050000", "-140000.00")
    ars = vote(u, ars)
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    ars = fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "too small"})
    assert status(units[3]) == "available"
    ars = fire(u["finance"], ars, "refund_and_close", {"refund_amount": "2000000.00", "interest_amount": "30000.00"})
    assert ars.state == "unit_returned"
    # a second filed deal, buyer keeps, +5%: pays 3 % only
    ho2 = _filed_contract(p, u, units[4])
    ho2 = fire(u["handover_staff"], ho2, "issue_notice", {"notice_date": "2027-11-01"})
    a2 = fire(u["contract_clerk"], child(ho2, "area_settlement"), "enter_survey", {"measured_area": "105.00", "survey_report_no": "SV3"})
    assert a2.data["difference_amount"] == "60000.00"
    a2 = vote(u, a2)
    a2 = fire(u["customer_service"], a2, "notify_buyer", {"notified_on": "2027-11-02"})
    with pytest.raises(GuardFailed):
        fire(u["finance"], a2, "refund_difference")


def test_reservation_from_queue_and_cancelled_subscription(world):
    p, u, units = world
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": 7, "batch": "b"})
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": "b", "deposit": "20000.00", "payment_method": "card"})
    q = fire(u["finance"], q, "confirm_deposit")
    q = fire(u["sales_consultant"], q, "call")
    q = fire(u["sales_consultant"], q, "pick_reservation", {"unit_id": units[5].pk})
    rsv = child(q, "reservation")
    rsv = fire(u["sales_consultant"], rsv, "hold", {"unit_id": units[5].pk, "deposit": "5000.00"})
    rsv = fire(u["sales_consultant"], rsv, "convert")
    sub = child(rsv, "subscription")
    form = {"unit_id": units[5].pk, "buyers": [{"customer_id": 7}], "payment_plan": "full", "list_price": "1000000.00",
            "discount_rate": "0.04", "deal_price": "960000.00", "deposit": "30000.00", "customer_id": 7}
    with pytest.raises(GuardFailed):
        fire(u["sales_consultant"], sub, "submit", form)
    sub = fire(u["sales_consultant"], sub, "submit_for_manager_discount", form)
    assert status(units[5]) == "subscribed"
    sub = vote(u, sub)
    assert sub.state == "awaiting_contract"
    sub = fire(u["sales_consultant"], sub, "request_cancel", {"cancel_reason": "changed mind"})
    sub = vote(u, sub)
    assert sub.state == "refund_pending" and status(units[5]) == "available"
    with pytest.raises(GuardFailed):
        fire(u["finance"], sub, "refund", {"refund_amount": "30000.01"})
    sub = fire(u["finance"], sub, "refund", {"refund_amount": "30000.00"})
    assert sub.state == "cancelled"
    # queue refund path voids the number
    q2 = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": 8, "batch": "B"})
    q2 = fire(u["sales_consultant"], q2, "submit_deposit", {"batch": "B", "deposit": "20000.00", "payment_method": "card"})
    q2 = fire(u["finance"], q2, "confirm_deposit")
    assert q2.data["queue_number"] == "B-0002"
    q2 = fire(u["sales_consultant"], q2, "request_refund", {"refund_reason": "bought elsewhere"})
    q2 = fire(u["finance"], q2, "refund")
    assert QueueNumber.objects.get(code="B-0002").voided_at is not None


def test_lease_resale_merchant(world):
    p, u, units = world
    ag = u["leasing_agent"]
    l = records.start_record(ag, p, "lease", {"unit_id": units[6].pk, "listing_rent": "8000.00"})
    l = fire(ag, l, "publish", {"unit_id": units[6].pk, "listing_rent": "8000.00"})
    l = fire(ag, l, "register_prospect", {"customer_id": 9})
    l = fire(ag, l, "hold_unit")
    assert status(units[6]) == "reserved"
    l = fire(ag, l, "submit_terms", {"monthly_rent": "7800.00", "deposit": "15600.00", "term_start": "2026-07-01", "term_months": 24,
                                     "rent_free_days": 30, "escalation_rate": "0.05", "payment_cycle": "quarterly"})
    l = vote(u, l)
    l = fire(ag, l, "sign_lease", {"lease_contract_no": "ZL-1", "term_end": "2028-06-30"})
    l = fire(ag, l, "request_expansion", {"expansion_unit": units[7].pk, "expansion_monthly_rent": "15000.00"})
    assert status(units[7]) == "reserved"
    l = vote(u, l, "reject")
    assert status(units[7]) == "available" and l.data["expansion_unit_id"] is None
    l = fire(ag, l, "request_expansion", {"expansion_unit": units[7].pk, "expansion_monthly_rent": "15000.00"})
    l = vote(u, l)
    assert l.data["monthly_rent"] == "15000.00"
    l = fire(ag, l, "request_renewal", {"renewal_term_end": "2030-06-30", "renewal_rent": "16000.00"})
    l = vote(u, l)
    assert l.data["term_end"] == "2030-06-30"
    l = fire(ag, l, "give_notice", {"termination_date": "2030-06-30", "termination_reason": "moving"})
    tasks.complete(ag, Task.objects.get(record=l, name="inspect_premises", status="open").pk)
    l = fire(u["finance"], l, "settle_deposit", {"deposit_deductions": "600.00", "deposit_refund": "15000.00"})
    assert l.state == "terminated" and (status(units[6]), status(units[7])) == ("available", "available")

    sc = u["sales_consultant"]
    r = records.start_record(sc, p, "resale", {"owner_customer_id": 11, "property_address": "老城区 1 号", "trade_in": True})
    r = fire(sc, r, "submit_for_valuation", {"property_certificate_no": "C1", "built_area": "88.00", "asking_price": "1500000.00", "trade_in": True, "new_unit_id": units[8].pk})
    r = fire(sc, r, "submit_price", {"valuation_amount": "1400000.00", "approved_price": "1450000.00", "floor_price": "1380000.00"})
    r = vote(u, r)
    with pytest.raises(GuardFailed):
        fire(sc, r, "publish")
    r = fire(sc, r, "publish_with_trade_in")
    ts = child(r, "subscription")
    assert ts.data["trade_in_credit"] == "1450000.00" and status(units[8]) == "reserved"
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": 12})
    r = fire(sc, r, "sign_agreement", {"agreement_no": "M1", "agreed_price": "1400000.00", "deposit": "50000.00"})
    r = fire(u["contract_clerk"], r, "submit_transfer", {"transfer_submitted_on": "2026-08-01"})
    r = fire(u["contract_clerk"], r, "complete_transfer", {"new_certificate_no": "N1", "transfer_date": "2026-08-15"})
    assert r.state == "closed"

    mm = u["merchant_manager"]
    m = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "好味餐饮", "business_format": "food_beverage"})
    m = fire(mm, m, "submit_qualification", {"licence_no": "91310000X", "licence_valid_until": "2030-01-01", "brand": "好味", "brand_authorisation": "brand_owner"})
    for name in ("check_licence", "check_brand"):
        tasks.complete(mm, Task.objects.get(record=m, name=name, status="open").pk)
    m = fire(mm, m, "qualify", {"grade": "A"})
    with pytest.raises(GuardFailed):
        fire(mm, m, "confirm_fit", {"unit_id": units[9].pk, "planned_format": "retail", "leasable_area": "120.50"})
    m = fire(mm, m, "request_format_exception", {"unit_id": units[9].pk, "planned_format": "retail", "leasable_area": "120.50", "exception_reason": "anchor"})
    m = vote(u, m)
    m = fire(mm, m, "submit_terms", {"monthly_rent": "36000.00", "deposit": "108000.00", "term_months": 60, "fit_out_days": 60})
    m = vote(u, m)
    assert status(units[9]) == "reserved"
    m = fire(mm, m, "sign_lease", {"lease_contract_no": "SZ-1", "signed_on": "2026-09-01", "fit_out_start": "2026-09-10"})
    m = fire(mm, m, "open", {"opening_date": "2026-11-10", "grade": "S"})
    assert m.state == "opened"


def test_timers_and_side_paths(world):
    from datetime import timedelta
    from django.utils import timezone
    from engine.runtime.timers import fire_due_timers
    p, u, units = world
    sc = u["sales_consultant"]
    # queue number not present when called: the timer skips it back to the queue
    q = records.start_record(sc, p, "queue_number", {"customer_id": 1, "batch": "C"})
    q = fire(sc, q, "submit_deposit", {"batch": "C", "deposit": "10000.00", "payment_method": "cash"})
    q = fire(u["finance"], q, "confirm_deposit")
    q = fire(sc, q, "call")
    fire_due_timers(timezone.now() + timedelta(hours=3))
    q.refresh_from_db()
    assert q.state == "queued"
    # lease hold expires by timer and releases the unit
    ag = u["leasing_agent"]
    l = records.start_record(ag, p, "lease", {"unit_id": units[10].pk, "listing_rent": "5000.00"})
    l = fire(ag, l, "publish", {"unit_id": units[10].pk, "listing_rent": "5000.00"})
    l = fire(ag, l, "register_prospect", {"customer_id": 3})
    l = fire(ag, l, "hold_unit")
    fire_due_timers(timezone.now() + timedelta(days=8))
    l.refresh_from_db()
    assert l.state == "listed" and status(units[10]) == "available"
    # subscription draft cancelled after a discount rejection keeps nothing held
    sub = records.start_record(sc, p, "subscription", {"customer_id": 4})
    form = {"unit_id": units[11].pk, "buyers": [{"customer_id": 4}], "payment_plan": "commercial_mortgage",
            "list_price": "1000000.00", "discount_rate": "0.08", "deal_price": "920000.00", "deposit": "30000.00", "customer_id": 4}
    sub = fire(sc, sub, "submit_for_discount", form)
    sub = vote(u, sub, "reject")
    assert sub.state == "draft" and status(units[11]) == "subscribed"
    sub = fire(u["sales_manager"], sub, "cancel", {"cancel_reason": "gave up"})
    assert status(units[11]) == "available"
    # contract cancelled by the director before signing; deposit forfeited
    sub = records.start_record(sc, p, "subscription", {"customer_id": 4})
    form["discount_rate"] = "0.01"
    sub = fire(sc, sub, "submit", form)
    sub = fire(sc, sub, "sign")
    con = child(sub, "contract")
    con = fire(u["project_director"], con, "cancel", {"cancel_reason": "buyer default"})
    assert con.state == "refund_pending" and status(units[11]) == "available"
    con = fire(u["finance"], con, "close_without_refund", {"forfeit_reason": "定金罚则"})
    assert con.state == "cancelled"
    # mortgage refused, buyer pays without a loan
    m = records.start_record(u["mortgage_specialist"], p, "mortgage", {"unit_id": units[11].pk, "customer_id": 4, "payment_plan": "commercial_mortgage", "requested_loan_amount": "600000.00"})
    m = fire(u["mortgage_specialist"], m, "submit_to_bank", {"bank": "CCB", "loan_years": 20, "payment_plan": "commercial_mortgage", "requested_loan_amount": "600000.00"})
    m = fire(u["mortgage_specialist"], m, "bank_rejects", {"rejection_reason": "income"})
    with pytest.raises(GuardFailed):
        fire(sc, m, "switch_to_own_funds", {"payment_plan": "combined"})
    m = fire(sc, m, "switch_to_own_funds", {"payment_plan": "installments"})
    m = fire(u["finance"], m, "record_own_payment", {"balance_amount": "600000.00"})
    assert m.state == "self_funded"
    # handover refused, deemed delivered
    ho = _filed_contract(p, u, units[2])
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
    ho = fire(u["customer_service"], ho, "refuse", {"refusal_reason": "wants compensation"})
    ho = fire(u["project_director"], ho, "deem_delivered", {"dispute_resolution": "no valid reason", "handed_over_on": "2027-12-31"})
    assert ho.state == "delivered" and status(units[2]) == "delivered"
    d = records.start_record(u["customer_service"], p, "defect", {"unit_id": units[2].pk, "location": "厨房", "description": "漏水", "severity": "major"})
    with pytest.raises(GuardFailed):
        fire(u["handover_staff"], d, "assign", {"severity": "major"})
    d = fire(u["handover_staff"], d, "assign_major", {"severity": "major"})
    fire_due_timers(timezone.now() + timedelta(days=31))
    t = Task.objects.get(record=d, name="rectify_major", status="open")
    assert t.escalated_at is not None
    d = fire(u["project_director"], d, "cancel", {"cancel_reason": "duplicate"})
    assert d.state == "cancelled"


def test_incomplete_drafts_can_be_cancelled(world):
    p, u, units = world
    sc = u["sales_consultant"]
    r = records.start_record(sc, p, "reservation", {"unit_id": units[0].pk, "customer_id": 1})
    assert fire(sc, r, "cancel", {"reason": "no"}).state == "cancelled"
    s = records.start_record(sc, p, "subscription", {"customer_id": 1})
    assert fire(u["sales_manager"], s, "cancel", {"cancel_reason": "no"}).state == "cancelled"
    q = records.start_record(sc, p, "queue_number", {"customer_id": 1, "batch": "A"})
    assert fire(sc, q, "cancel", {"cancel_reason": "no"}).state == "cancelled"
    l = records.start_record(u["leasing_agent"], p, "lease", {})
    assert fire(u["leasing_agent"], l, "cancel", {"cancel_reason": "no"}).state == "cancelled"


def test_area_refund_and_no_difference(world):
    p, u, units = world
    for unit, measured, expected in ((units[5], "98.50", "-30000.00"), (units[6], "100.00", "0.00")):
        ho = _filed_contract(p, u, unit)
        ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
        a = fire(u["contract_clerk"], child(ho, "area_settlement"), "enter_survey", {"measured_area": measured, "survey_report_no": "S"})
        assert a.data["difference_amount"] == expected
        a = vote(u, a)
        a = fire(u["contract_clerk"], a, "notify_buyer", {"notified_on": "2027-11-02"})
        if expected.startswith("-"):
            a = fire(u["finance"], a, "refund_difference")
            assert a.data["refund_amount"] == "30000.00"
        else:
            a = fire(u["finance"], a, "close_without_difference")
        assert a.state == "settled"

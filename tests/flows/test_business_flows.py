"""End-to-end runs of the shipped flows through the engine, the kernel and the plugins (issues 5 and 6).

The project publishes pricing, commission and points rules (below): the subscription's
quote, the contract's commission and points, the area settlement's figures all come
from them, and each step's effect on the plugins' ledgers is checked where it happens.
"""
from decimal import Decimal as D

import pytest

from engine import versions
from engine.models import Record, Task
from engine.runtime import GuardFailed, approvals, records, tasks, transitions
from engine.runtime.errors import ActionFailed
from extensions.rulesets import publish_rules
from kernel.models import Customer, Project, Unit
from kernel.models.queue import QueueNumber
from kernel.payments import net_collections
from plugins.commission import ledger as commission_ledger
from plugins.commission.models import CommissionDeal, CommissionEntry
from plugins.points.ledger import balance as points_balance
from plugins.points.models import PointsAccount
from tests.kernel.conftest import make_units, make_user

FLOWS = ["queue_number", "reservation", "subscription", "contract", "mortgage", "handover", "defect",
         "area_settlement", "lease", "resale", "merchant_leasing"]
ROLES = ["sales_consultant", "sales_manager", "project_director", "finance", "contract_clerk",
         "mortgage_specialist", "customer_service", "handover_staff", "leasing_agent", "merchant_manager",
         "channel_agent", "engineer"]

# The project's rules. Nothing depends on today's date (the engine acts at the real time).
PRICING = {
    "basis": "built_area",
    "base_price": "20000.00",
    "rounding": {"deal_price": {"step": "1", "mode": "half_up"}},
    "discounts": [
        {"code": "full_payment", "title": "一次性付款 98 折", "multiplier": "0.98", "payment_plans": ["full"]},
        {"code": "mortgage", "title": "按揭 99 折", "multiplier": "0.99",
         "payment_plans": ["commercial_mortgage", "provident_fund", "combined"]},
        {"code": "referral", "title": "老带新 99 折", "multiplier": "0.99", "on_request": True},
    ],
    "manual_discount": {"consultant_allowance": "0.02", "countersign_above": "0.05", "maximum": "0.10"},
    "area_settlement": {"band": "0.03", "increase_factor": "0", "decrease_factor": "2", "cancel_beyond_band": True},
}
COMMISSION = {
    "channels": [{"code": "agency_a", "title": "甲代理公司", "rate": "0.015"}],
    "consultant": {"mode": "whole_bracket", "tiers": [{"from": 1, "to": 5, "rate": "0.003"},
                                                       {"from": 6, "rate": "0.004"}]},
    "referral_bonus": "5000.00",
    "payable": {"requires_filing": True, "collected_share": "0.30"},
}
POINTS = {
    "purchase": {"yuan_per_point": "100.00", "cap": 20000},
    "referral": {"points": 3000},
    "levels": [{"code": "member", "title": "普通会员", "from": 0}, {"code": "silver", "title": "银卡", "from": 5000},
               {"code": "gold", "title": "金卡", "from": 20000}],
}


@pytest.fixture
def world(db):
    # a stale settings allowance of 10 %: the flows no longer read it, the pricing rules decide
    p = Project.objects.create(code="S1", name="Smoke", settings={"discount_allowance": "0.10"})
    users = {r: make_user(r, p, r) for r in ROLES}
    units = make_units(p, 12)  # 128.50 m², list price 3 058 300.00
    for f in FLOWS:
        versions.publish(p, f)
    for plugin, config in (("pricing", PRICING), ("commission", COMMISSION), ("points", POINTS)):
        publish_rules(p, plugin, config)
    return p, users, units


@pytest.fixture
def customers(db):
    """Customers (members), by a short name; their ids differ between databases."""
    names = ["buyer", "spouse", "referrer", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12"]
    return {n: Customer.objects.create(name=n, phone=f"+86139000000{i:02d}") for i, n in enumerate(names)}


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


def entries(record=None):
    """(beneficiary kind, amount, status) of the commission entries, of one deal if given."""
    found = CommissionEntry.objects.order_by("id")
    if record is not None:
        found = found.filter(deal__record_id=record.pk)
    return [(e.beneficiary_kind, e.amount, e.status) for e in found]


def test_queue_to_delivery(world, customers):
    p, u, units = world
    buyer, spouse, referrer = customers["buyer"], customers["spouse"], customers["referrer"]
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": buyer.pk, "batch": "A"})
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "wechat"})
    q = fire(u["finance"], q, "confirm_deposit")
    assert q.data["queue_number"] == "A-0001" and q.state == "queued"
    q = fire(u["sales_manager"], q, "call")
    q = fire(u["sales_consultant"], q, "pick_subscription", {"unit_id": units[0].pk})
    assert status(units[0]) == "reserved"
    sub = child(q, "subscription")
    assert sub.data["consultant_id"] == u["sales_consultant"].pk

    # the quote: combined loan (mortgage 99 折), a referral (99 折) and 1 % off by hand
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[0].pk, "payment_plan": "combined",
                                                     "discount_codes": ["referral"], "discount_rate": "0.01"})
    snapshot = sub.data["price_snapshot"]
    # 3 058 300.00 × 0.99 = 3 027 717.00, × 0.99 = 2 997 439.83, × 0.99 = 2 967 465.43 → 2 967 465.00
    assert [d["after"] for d in snapshot["discounts"]] == ["3027717.00", "2997439.83"]
    assert (snapshot["manual_discount"]["after"], snapshot["deal_price"], snapshot["approval"]) == (
        "2967465.43", "2967465.00", "none")
    assert (sub.data["list_price"], sub.data["deal_price"], sub.state) == ("3058300.00", "2967465.00", "draft")
    terms = {"buyers": [{"customer_id": buyer.pk}], "deposit": "50000.00", "customer_id": buyer.pk,
             "channel": "agency_a", "referrer_id": referrer.pk}
    with pytest.raises(GuardFailed):  # within the allowance: no countersign
        fire(u["sales_consultant"], sub, "submit_for_discount", terms)
    sub = fire(u["sales_consultant"], sub, "submit", terms)
    assert status(units[0]) == "subscribed"
    assert sub.data["price_snapshot"] == snapshot  # frozen: submitting does not price again

    # change of unit: the requested unit is quoted on the deal's terms; the approval takes that quote
    Unit.objects.filter(pk=units[1].pk).update(list_price=D("3100000.00"))
    sub = fire(u["sales_consultant"], sub, "request_unit_change", {"change_unit_id": units[1].pk, "change_reason": "higher floor"})
    assert status(units[1]) == "reserved"
    # 3 100 000.00 × 0.99 × 0.99 = 3 038 310.00, × 0.99 = 3 007 926.90 → 3 007 927.00
    assert sub.data["change_price_snapshot"]["deal_price"] == "3007927.00" and sub.data["deal_price"] == "2967465.00"
    sub = vote(u, sub)
    assert sub.state == "awaiting_contract" and sub.data["unit_id"] == units[1].pk
    assert (sub.data["list_price"], sub.data["deal_price"]) == ("3100000.00", "3007927.00")
    assert sub.data["price_snapshot"]["unit"]["id"] == units[1].pk
    assert (status(units[0]), status(units[1])) == ("available", "subscribed")
    # rejected change of unit releases the requested unit and keeps the price
    sub = fire(u["sales_consultant"], sub, "request_unit_change", {"change_unit_id": units[2].pk, "change_reason": "x"})
    sub = vote(u, sub, "reject")
    assert sub.state == "awaiting_contract" and status(units[2]) == "available" and sub.data["unit_id"] == units[1].pk
    assert sub.data["deal_price"] == "3007927.00"
    # a manual discount above the rules' maximum is refused when it is requested
    with pytest.raises(ActionFailed) as refused:
        fire(u["sales_manager"], sub, "request_price_change", {"change_discount_rate": "0.12", "change_reason": "x"})
    assert refused.value.message("en") == "a manual discount of 0.12 is not allowed (the most anyone may grant is 0.10)"
    # price change: 1.5 % by hand instead of 1 %, countersigned
    sub = fire(u["sales_manager"], sub, "request_price_change", {"change_discount_rate": "0.015", "change_reason": "launch discount"})
    sub = vote(u, sub)
    # 3 038 310.00 × 0.985 = 2 992 735.35 → 2 992 735.00
    assert (sub.data["deal_price"], sub.data["discount_rate"]) == ("2992735.00", "0.015")
    assert sub.data["price_snapshot"]["manual_discount"]["rate"] == "0.015"
    sub = fire(u["sales_consultant"], sub, "request_buyer_change", {"change_buyers": [{"customer_id": spouse.pk, "share": "0.5"}, {"customer_id": buyer.pk, "share": "0.5"}], "change_reason": "spouse"})
    sub = vote(u, sub)
    assert sub.data["customer_id"] == spouse.pk and len(sub.data["buyers"]) == 2
    sub = fire(u["contract_clerk"], sub, "sign")
    con = child(sub, "contract")
    assert con.state == "drafting" and con.data["deal_price"] == "2992735.00"
    assert (con.data["channel"], con.data["referrer_id"]) == ("agency_a", referrer.pk)
    con = fire(u["contract_clerk"], con, "submit_for_review", {"contract_no": "HT-1", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"})
    assert con.data["unit_price"] == "23289.77"  # 2 992 735.00 / 128.50
    con = vote(u, con)
    assert con.state == "ready_to_sign" and entries() == []
    with pytest.raises(GuardFailed):
        fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "600000.00"})
    con = fire(u["contract_clerk"], con, "sign_with_mortgage", {"signed_on": "2026-06-01", "down_payment": "600000.00"})
    assert status(units[1]) == "signed"

    # signing: commission accrued (channel 1.5 %, referral bonus, consultant 0.3 %), purchase points
    assert entries() == [("channel", D("44891.03"), "accrued"),      # 2 992 735.00 × 1.5 % = 44 891.025
                         ("referrer", D("5000.00"), "accrued"),
                         ("consultant", D("8978.21"), "accrued")]    # × 0.3 % = 8 978.205
    deal = CommissionDeal.objects.get()
    assert (deal.record_id, deal.consultant_id, deal.channel, deal.referrer) == (
        con.pk, u["sales_consultant"].pk, "agency_a", str(referrer.pk))
    assert con.data["points_awarded"] == 20000  # 29 927 capped at 20 000, for the main buyer
    assert (points_balance(p.pk, spouse.pk), PointsAccount.objects.get(customer=spouse).level) == (20000, "gold")
    # 老带新: the referrer's points, once
    con = fire(u["sales_manager"], con, "award_referral_points")
    con = fire(u["sales_manager"], con, "award_referral_points")
    assert (con.state, con.data["referral_points_awarded"], points_balance(p.pk, referrer.pk)) == ("signed", 3000, 3000)

    mtg = child(con, "mortgage")
    assert mtg.data["requested_loan_amount"] == "2342735.00"
    con = fire(u["contract_clerk"], con, "submit_filing", {"filing_submitted_on": "2026-06-02"})
    con = fire(u["contract_clerk"], con, "reject_filing", {"filing_rejection_reason": "typo"})
    con = fire(u["contract_clerk"], con, "resubmit_filing", {"filing_submitted_on": "2026-06-03"})
    con = fire(u["contract_clerk"], con, "file", {"filing_number": "2026预0001", "filed_on": "2026-06-05"})
    assert status(units[1]) == "filed"
    # filed, but 20 000 + 50 000 + 600 000 is less than 30 % of the price (897 820.50): still accrued
    assert {s for *_, s in entries()} == {"accrued"} and CommissionDeal.objects.get().filed_at is not None

    mtg = fire(u["mortgage_specialist"], mtg, "submit_to_bank", {"bank": "ICBC", "loan_years": 30, "payment_plan": "combined", "requested_loan_amount": "2342735.00"})
    mtg = fire(u["mortgage_specialist"], mtg, "bank_approves", {"approval_no": "AP1", "commercial_loan_amount": "1542735.00", "provident_fund_loan_amount": "800000.00"})
    mtg = fire(u["mortgage_specialist"], mtg, "sign_loan_contract", {"loan_contract_no": "L1", "loan_contract_signed_on": "2026-06-10"})
    with pytest.raises(GuardFailed):
        fire(u["finance"], mtg, "record_bank_disbursement", {"bank_disbursed_amount": "1542735.00", "disbursed_on": "2026-07-01"})
    mtg = fire(u["finance"], mtg, "record_combined_bank_part", {"bank_disbursed_amount": "1542735.00"})
    # the bank's money is in: the commission is payable
    assert {s for *_, s in entries()} == {"payable"}
    mtg = fire(u["finance"], mtg, "record_combined_pf_part", {"pf_disbursed_amount": "800000.00", "disbursed_on": "2026-08-01"})
    assert mtg.state == "disbursed"

    ho = child(con, "handover")
    assert ho.state == "awaiting_completion"
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
    ars = child(ho, "area_settlement")
    ars = fire(u["contract_clerk"], ars, "enter_survey", {"measured_area": "130.00", "survey_report_no": "SV1"})
    # +1.5 m² (r = 1.17 %, inside the band): all of it at P = 23 289.77
    settlement = ars.data["settlement"]
    assert (settlement["ratio"], settlement["within_band"], settlement["buyer_pays"], settlement["may_cancel"]) == (
        "0.011673", "1.50", "34934.66", False)
    ars = vote(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("0.011673", "34934.66")
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    with pytest.raises(GuardFailed):  # not beyond 3 %: no cancellation
        fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "x"})
    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "34934.66"})
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
    assert net == D("20000.00") + D("50000.00") + D("600000.00") + D("2342735.00") + D("34934.66")
    # one deal, one set of entries, all payable; the buyer's points unchanged by the later steps
    assert len(entries()) == 3 and points_balance(p.pk, spouse.pk) == 20000


def _filed_contract(p, u, unit, customer, *, channel=None):
    """A deal of 2 000 000.00 on 100.00 m² (P = 20 000.00), paid in full and filed."""
    Unit.objects.filter(pk=unit.pk).update(list_price=D("2000000.00"), built_area=D("100.00"), inner_area=D("80.00"))
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": customer.pk, "unit_id": unit.pk})
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": unit.pk, "payment_plan": "installments"})
    assert (sub.data["deal_price"], sub.data["price_snapshot"]["deal_price_per_m2"]) == ("2000000.00", "20000.00")
    terms = {"buyers": [{"customer_id": customer.pk}], "deposit": "100000.00", "customer_id": customer.pk}
    sub = fire(u["sales_consultant"], sub, "submit", {**terms, **({"channel": channel} if channel else {})})
    sub = fire(u["sales_consultant"], sub, "sign")
    con = child(sub, "contract")
    con = fire(u["contract_clerk"], con, "submit_for_review", {"contract_no": "HT-2", "area_basis": "built", "contract_area": "100.00", "delivery_date": "2027-12-31"})
    con = vote(u, con)
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "1900000.00"})
    con = fire(u["contract_clerk"], con, "submit_filing", {"filing_submitted_on": "2026-06-02"})
    con = fire(u["contract_clerk"], con, "file", {"filing_number": "F-2", "filed_on": "2026-06-05"})
    return child(con, "handover")


def _survey(u, ho, measured):
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"})
    return fire(u["contract_clerk"], child(ho, "area_settlement"), "enter_survey",
                {"measured_area": measured, "survey_report_no": "SV"})


def test_area_settlement_the_domain_example(world, customers):
    """domain.md: contracted 100.00 m², P = 20 000.00, measured 102.00 → the buyer pays 40 000.00."""
    p, u, units = world
    ho = _filed_contract(p, u, units[7], customers["c8"])
    contract = ho.parent
    assert (contract.data["unit_price"], contract.data["points_awarded"]) == ("20000.00", 20000)
    # filed with everything paid: payable at once
    assert entries(contract) == [("consultant", D("6000.00"), "payable")]  # 0.3 % of 2 000 000.00

    ars = _survey(u, ho, "102.00")

    s = ars.data["settlement"]
    assert (s["contracted_area"], s["measured_area"], s["price_per_m2"], s["ratio"]) == (
        "100.00", "102.00", "20000.00", "0.020000")
    assert (s["within_band"], s["beyond_band"], s["buyer_pays"], s["refund"], s["amount"], s["may_cancel"]) == (
        "2.00", "0.00", "40000.00", "0.00", "40000.00", False)
    assert s["rule"] == {"band": "0.03", "increase_factor": "0", "decrease_factor": "2", "cancel_beyond_band": True}
    ars = vote(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("0.020000", "40000.00")
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    with pytest.raises(GuardFailed):
        fire(u["finance"], ars, "collect_difference", {"collected_amount": "40000.01"})
    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "40000.00"})
    assert ars.state == "settled"


def test_area_settlement_cancellation_and_refund(world, customers):
    p, u, units = world
    buyer = customers["c4"]
    ho = _filed_contract(p, u, units[3], buyer, channel="agency_a")
    contract = ho.parent
    assert entries(contract) == [("channel", D("30000.00"), "payable"), ("consultant", D("6000.00"), "payable")]
    ars = _survey(u, ho, "95.00")
    # P = 20 000: 3 m² at P refunded plus 2 m² at 2P = 60 000 + 80 000; beyond the band the buyer may cancel
    s = ars.data["settlement"]
    assert (s["ratio"], s["refund"], s["amount"], s["may_cancel"]) == ("-0.050000", "140000.00", "-140000.00", True)
    ars = vote(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("-0.050000", "-140000.00")
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    ars = fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "too small"})
    assert status(units[3]) == "available"
    # the cancelled deal's commission is reversed; the purchase points stay (no plugin action takes them back)
    assert entries(contract) == [("channel", D("30000.00"), "reversed"), ("consultant", D("6000.00"), "reversed")]
    assert CommissionDeal.objects.get(record_id=contract.pk).cancel_reason == "too small"
    assert points_balance(p.pk, buyer.pk) == 20000
    ars = fire(u["finance"], ars, "refund_and_close", {"refund_amount": "2000000.00", "interest_amount": "30000.00"})
    assert ars.state == "unit_returned"
    # a second filed deal, buyer keeps, +5 %: pays 3 % only, the developer bears the rest
    ho2 = _filed_contract(p, u, units[4], customers["c5"])
    a2 = _survey(u, ho2, "105.00")
    assert (a2.data["settlement"]["buyer_pays"], a2.data["settlement"]["developer_bears"]) == ("60000.00", "40000.00")
    a2 = vote(u, a2)
    assert a2.data["difference_amount"] == "60000.00"
    a2 = fire(u["customer_service"], a2, "notify_buyer", {"notified_on": "2027-11-02"})
    with pytest.raises(GuardFailed):
        fire(u["finance"], a2, "refund_difference")


def test_cancelling_a_signed_contract_reverses_and_claws_back_its_commission(world, customers):
    p, u, units = world
    buyer = customers["c6"]
    ho = _filed_contract(p, u, units[8], buyer, channel="agency_a")  # a first deal of the month, paid out
    commission_ledger.pay(project_id=p.pk, beneficiary_kind="channel", beneficiary="agency_a", user_id=None,
                          now=ho.created_at)
    first = ho.parent
    assert entries(first) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "payable")]
    # cancelling a filed contract is not a flow step here; the area settlement's cancellation is (above).
    # A signed, unfiled contract is cancelled through its countersign:
    Unit.objects.filter(pk=units[9].pk).update(list_price=D("1000000.00"))
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": buyer.pk})
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[9].pk, "payment_plan": "full"})
    assert sub.data["deal_price"] == "980000.00"  # full payment 98 折
    sub = fire(u["sales_consultant"], sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "50000.00",
                                                      "customer_id": buyer.pk, "channel": "agency_a"})
    sub = fire(u["sales_consultant"], sub, "sign")
    con = fire(u["contract_clerk"], child(sub, "contract"), "submit_for_review", {
        "contract_no": "HT-3", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"})
    con = vote(u, con)
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "300000.00"})
    assert entries(con) == [("channel", D("14700.00"), "accrued"), ("consultant", D("2940.00"), "accrued")]
    assert points_balance(p.pk, buyer.pk) == 20000 + 9800  # two purchases: 20 000 (capped) and 9 800

    con = fire(u["sales_manager"], con, "request_cancel", {"cancel_reason": "buyer withdrew"})
    con = vote(u, con)

    assert con.state == "refund_pending" and status(units[9]) == "available"
    assert entries(con) == [("channel", D("14700.00"), "reversed"), ("consultant", D("2940.00"), "reversed")]
    assert CommissionDeal.objects.get(record_id=con.pk).cancelled_at is not None
    assert points_balance(p.pk, buyer.pk) == 29800  # the points plugin has no action to take an award back
    # the first deal is untouched
    assert entries(first) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "payable")]


def test_a_paid_commission_is_clawed_back_when_the_buyer_cancels(world, customers):
    p, u, units = world
    ho = _filed_contract(p, u, units[10], customers["c7"], channel="agency_a")
    commission_ledger.pay(project_id=p.pk, beneficiary_kind="channel", beneficiary="agency_a", user_id=None,
                          now=ho.created_at)
    ars = _survey(u, ho, "90.00")
    ars = vote(u, ars)
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})

    fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "area -10 %"})

    assert entries(ho.parent) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "reversed"),
                                  ("channel", D("-30000.00"), "payable")]  # netted against agency_a's next payment


def test_reservation_from_queue_and_cancelled_subscription(world, customers):
    p, u, units = world
    c = customers["c7"]
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": c.pk, "batch": "b"})
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": "b", "deposit": "20000.00", "payment_method": "card"})
    q = fire(u["finance"], q, "confirm_deposit")
    q = fire(u["sales_consultant"], q, "call")
    q = fire(u["sales_consultant"], q, "pick_reservation", {"unit_id": units[5].pk})
    rsv = child(q, "reservation")
    rsv = fire(u["sales_consultant"], rsv, "hold", {"unit_id": units[5].pk, "deposit": "5000.00"})
    rsv = fire(u["sales_consultant"], rsv, "convert")
    sub = child(rsv, "subscription")
    # 4 % off by hand: above the rules' 2 % allowance (the project settings' stale 10 % is not read)
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[5].pk, "payment_plan": "full", "discount_rate": "0.04"})
    assert (sub.data["price_snapshot"]["approval"], sub.data["price_snapshot"]["needs_approval"]) == ("approval", True)
    form = {"buyers": [{"customer_id": c.pk}], "deposit": "30000.00", "customer_id": c.pk}
    with pytest.raises(GuardFailed) as refused:
        fire(u["sales_consultant"], sub, "submit", form)
    assert refused.value.message("zh") == "请先报价；报价中的折扣超出置业顾问权限时，请提交折扣审批"
    with pytest.raises(GuardFailed):
        fire(u["sales_consultant"], sub, "submit_for_discount", form)
    sub = fire(u["sales_consultant"], sub, "submit_for_manager_discount", form)
    assert status(units[5]) == "subscribed"
    sub = vote(u, sub)
    assert sub.state == "awaiting_contract"
    # 3 058 300.00 × 0.98 = 2 997 134.00, × 0.96 = 2 877 248.64 → 2 877 249.00
    assert sub.data["deal_price"] == "2877249.00"
    sub = fire(u["sales_consultant"], sub, "request_cancel", {"cancel_reason": "changed mind"})
    sub = vote(u, sub)
    assert sub.state == "refund_pending" and status(units[5]) == "available"
    with pytest.raises(GuardFailed):
        fire(u["finance"], sub, "refund", {"refund_amount": "30000.01"})
    sub = fire(u["finance"], sub, "refund", {"refund_amount": "30000.00"})
    assert sub.state == "cancelled"
    assert entries() == [] and points_balance(p.pk, c.pk) == 0  # nothing was signed
    # queue refund path voids the number
    q2 = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": customers["c8"].pk, "batch": "B"})
    q2 = fire(u["sales_consultant"], q2, "submit_deposit", {"batch": "B", "deposit": "20000.00", "payment_method": "card"})
    q2 = fire(u["finance"], q2, "confirm_deposit")
    assert q2.data["queue_number"] == "B-0002"
    q2 = fire(u["sales_consultant"], q2, "request_refund", {"refund_reason": "bought elsewhere"})
    q2 = fire(u["finance"], q2, "refund")
    assert QueueNumber.objects.get(code="B-0002").voided_at is not None


def test_submitting_needs_a_quote(world, customers):
    p, u, units = world
    c = customers["c9"]
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": c.pk, "unit_id": units[6].pk})
    form = {"buyers": [{"customer_id": c.pk}], "deposit": "30000.00", "customer_id": c.pk}
    # no quote: no list or deal price, and no approval to route on
    with pytest.raises(Exception) as refused:
        fire(u["sales_consultant"], sub, "submit", form)
    assert "list_price" in str(refused.value) and "deal_price" in str(refused.value)
    sub.refresh_from_db()
    assert (sub.state, status(units[6])) == ("draft", "available")
    # an unknown discount is refused by the pricing rules, in the consultant's words
    with pytest.raises(ActionFailed) as refused:
        fire(u["sales_consultant"], sub, "quote", {"unit_id": units[6].pk, "payment_plan": "full", "discount_codes": ["staff"]})
    assert refused.value.message("zh") == "本项目定价规则中没有折扣「staff」（现有：full_payment, mortgage, referral）"


def test_a_project_without_rules_is_refused_by_the_plugin_in_words_that_say_what_to_do(db, customers):
    bare = Project.objects.create(code="NORULES", name="No rules yet")
    consultant = make_user("nr_consultant", bare, "sales_consultant")
    unit = make_units(bare, 1)[0]
    versions.publish(bare, "subscription")
    sub = records.start_record(consultant, bare, "subscription", {"customer_id": customers["c10"].pk})

    with pytest.raises(ActionFailed) as refused:
        fire(consultant, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full"})

    assert refused.value.message("en") == (
        "project NORULES has no pricing rules yet: an admin must set them "
        "(manage.py rules publish --project NORULES pricing FILE)")
    assert refused.value.message("zh") == (
        "项目 NORULES 尚未配置pricing规则，请管理员先设置（manage.py rules publish --project NORULES pricing 文件）")
    sub.refresh_from_db()
    assert (sub.state, sub.revision, "price_snapshot" in sub.data) == ("draft", 1, False)


def test_lease_resale_merchant(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    l = records.start_record(ag, p, "lease", {"unit_id": units[6].pk, "listing_rent": "8000.00"})
    l = fire(ag, l, "publish", {"unit_id": units[6].pk, "listing_rent": "8000.00"})
    l = fire(ag, l, "register_prospect", {"customer_id": customers["c9"].pk})
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
    r = records.start_record(sc, p, "resale", {"owner_customer_id": customers["c11"].pk, "property_address": "老城区 1 号", "trade_in": True})
    r = fire(sc, r, "submit_for_valuation", {"property_certificate_no": "C1", "built_area": "88.00", "asking_price": "1500000.00", "trade_in": True, "new_unit_id": units[8].pk})
    r = fire(sc, r, "submit_price", {"valuation_amount": "1400000.00", "approved_price": "1450000.00", "floor_price": "1380000.00"})
    r = vote(u, r)
    with pytest.raises(GuardFailed):
        fire(sc, r, "publish")
    r = fire(sc, r, "publish_with_trade_in")
    ts = child(r, "subscription")
    assert ts.data["trade_in_credit"] == "1450000.00" and status(units[8]) == "reserved"
    # the trade-in subscription is quoted like any other
    ts = fire(sc, ts, "quote", {"unit_id": units[8].pk, "payment_plan": "full"})
    assert ts.data["deal_price"] == "2997134.00"
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c12"].pk})
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


def test_timers_and_side_paths(world, customers):
    from datetime import timedelta
    from django.utils import timezone
    from engine.runtime.timers import fire_due_timers
    p, u, units = world
    sc = u["sales_consultant"]
    c1, c3, c4 = customers["buyer"], customers["referrer"], customers["c4"]
    # queue number not present when called: the timer skips it back to the queue
    q = records.start_record(sc, p, "queue_number", {"customer_id": c1.pk, "batch": "C"})
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
    l = fire(ag, l, "register_prospect", {"customer_id": c3.pk})
    l = fire(ag, l, "hold_unit")
    fire_due_timers(timezone.now() + timedelta(days=8))
    l.refresh_from_db()
    assert l.state == "listed" and status(units[10]) == "available"
    # subscription draft cancelled after a discount rejection keeps nothing held
    sub = records.start_record(sc, p, "subscription", {"customer_id": c4.pk})
    sub = fire(sc, sub, "quote", {"unit_id": units[11].pk, "payment_plan": "commercial_mortgage", "discount_rate": "0.08"})
    assert sub.data["price_snapshot"]["approval"] == "countersign"  # above 5 %: director and finance
    form = {"buyers": [{"customer_id": c4.pk}], "deposit": "30000.00", "customer_id": c4.pk}
    with pytest.raises(GuardFailed):
        fire(sc, sub, "submit_for_manager_discount", form)
    sub = fire(sc, sub, "submit_for_discount", form)
    assert sorted(t.roles[0] for t in Task.objects.filter(record=sub, status="open")) == ["finance", "project_director"]
    sub = vote(u, sub, "reject")
    assert sub.state == "draft" and status(units[11]) == "subscribed"
    sub = fire(u["sales_manager"], sub, "cancel", {"cancel_reason": "gave up"})
    assert status(units[11]) == "available"
    # contract cancelled by the director before signing: nothing accrued, nothing to claw back; deposit forfeited
    sub = records.start_record(sc, p, "subscription", {"customer_id": c4.pk})
    sub = fire(sc, sub, "quote", {"unit_id": units[11].pk, "payment_plan": "commercial_mortgage", "discount_rate": "0.01"})
    sub = fire(sc, sub, "submit", form)
    sub = fire(sc, sub, "sign")
    con = child(sub, "contract")
    con = fire(u["project_director"], con, "cancel", {"cancel_reason": "buyer default"})
    assert con.state == "refund_pending" and status(units[11]) == "available"
    con = fire(u["finance"], con, "close_without_refund", {"forfeit_reason": "定金罚则"})
    assert con.state == "cancelled" and entries() == []
    # mortgage refused, buyer pays without a loan (a mortgage with no signed deal releases no commission)
    m = records.start_record(u["mortgage_specialist"], p, "mortgage", {"unit_id": units[11].pk, "customer_id": c4.pk, "payment_plan": "commercial_mortgage", "requested_loan_amount": "600000.00"})
    m = fire(u["mortgage_specialist"], m, "submit_to_bank", {"bank": "CCB", "loan_years": 20, "payment_plan": "commercial_mortgage", "requested_loan_amount": "600000.00"})
    m = fire(u["mortgage_specialist"], m, "bank_rejects", {"rejection_reason": "income"})
    with pytest.raises(GuardFailed):
        fire(sc, m, "switch_to_own_funds", {"payment_plan": "combined"})
    m = fire(sc, m, "switch_to_own_funds", {"payment_plan": "installments"})
    m = fire(u["finance"], m, "record_own_payment", {"balance_amount": "600000.00"})
    assert m.state == "self_funded" and entries() == []
    # handover refused, deemed delivered
    ho = _filed_contract(p, u, units[2], c4)
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


def test_incomplete_drafts_can_be_cancelled(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    c1 = customers["buyer"].pk
    r = records.start_record(sc, p, "reservation", {"unit_id": units[0].pk, "customer_id": c1})
    assert fire(sc, r, "cancel", {"reason": "no"}).state == "cancelled"
    s = records.start_record(sc, p, "subscription", {"customer_id": c1})
    assert fire(u["sales_manager"], s, "cancel", {"cancel_reason": "no"}).state == "cancelled"
    q = records.start_record(sc, p, "queue_number", {"customer_id": c1, "batch": "A"})
    assert fire(sc, q, "cancel", {"cancel_reason": "no"}).state == "cancelled"
    l = records.start_record(u["leasing_agent"], p, "lease", {})
    assert fire(u["leasing_agent"], l, "cancel", {"cancel_reason": "no"}).state == "cancelled"


def test_area_refund_and_no_difference(world, customers):
    p, u, units = world
    for unit, customer, measured, expected in ((units[5], customers["c5"], "98.50", "-30000.00"),
                                               (units[6], customers["c6"], "100.00", "0.00")):
        ho = _filed_contract(p, u, unit, customer)
        a = _survey(u, ho, measured)
        assert a.data["settlement"]["amount"] == expected and a.data["settlement"]["may_cancel"] is False
        a = vote(u, a)
        assert a.data["difference_amount"] == expected
        a = fire(u["contract_clerk"], a, "notify_buyer", {"notified_on": "2027-11-02"})
        if expected.startswith("-"):
            a = fire(u["finance"], a, "refund_difference")
            assert a.data["refund_amount"] == "30000.00"
        else:
            a = fire(u["finance"], a, "close_without_difference")
        assert a.state == "settled"

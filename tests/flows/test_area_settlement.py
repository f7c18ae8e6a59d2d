"""Area settlements 面积补差 (flows/area_settlement.yaml) through the service API.

The figures come from S1's area rule (conftest: ±3 % band, decreases beyond it refunded
at 2P). At every step: the record's state and the history entry the step wrote
(checked by the steps), its open tasks, the unit's sale status and who holds it, the
ledger and the deal's commission.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves
from engine.runtime.errors import ActionFailed
from kernel.payments import net_collections
from plugins.commission import ledger as commission_ledger
from plugins.commission.models import CommissionDeal
from plugins.points.ledger import balance as points_balance

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    commission,
    file_contract,
    filed_contract,
    fire,
    mortgage_contract,
    payments,
    pending_timers,
    refused,
    reject,
    run_timers,
    sale,
    send_back,
    state,
    survey,
    withdraw,
)

ENTER = ("enter_measured_area", "work", "contract_clerk")
COUNTERSIGN = [("settlement_countersign", "approval", "finance"),
               ("settlement_countersign", "approval", "project_director")]
NOTIFY = ("notify_buyer", "work", ("customer_service", "contract_clerk"))
SETTLE = ("settle_difference", "work", "finance")


def settled_for_approval(u, ho, measured):
    ars = survey(u, ho, measured)
    assert_open_tasks(ars, COUNTERSIGN)
    return ars


def approved(u, ars):
    ars = approve(ars, u["finance"], u["project_director"], fires="approve_settlement", to="notifying")
    assert_open_tasks(ars, {NOTIFY})
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    assert_open_tasks(ars, {SETTLE})
    return ars


def test_area_settlement_the_domain_example(world, customers):
    """domain.md: contracted 100.00 m², P = 20 000.00, measured 102.00 → the buyer pays 40 000.00."""
    p, u, units = world
    ho = filed_contract(p, u, units[7], customers["c8"])
    contract = ho.parent
    assert (contract.data["unit_price"], contract.data["points_awarded"]) == ("20000.00", 20000)
    # filed with everything paid: payable at once
    assert commission(contract) == [("consultant", D("6000.00"), "payable")]  # 0.3 % of 2 000 000.00

    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    ars = child(ho, "area_settlement")
    assert_last_history(ars, kind="start", to_state="awaiting_survey", actor=u["handover_staff"],
                        details={"parent": ho.reference})
    assert_open_tasks(ars, {ENTER})
    refused(GuardFailed, u["contract_clerk"], ars, "enter_survey", {"measured_area": "0.00", "survey_report_no": "SV"})
    ars = fire(u["contract_clerk"], ars, "enter_survey", {"measured_area": "102.00", "survey_report_no": "SV"},
               to="review")
    assert_open_tasks(ars, COUNTERSIGN)

    s = ars.data["settlement"]
    assert (s["contracted_area"], s["measured_area"], s["price_per_m2"], s["ratio"]) == (
        "100.00", "102.00", "20000.00", "0.020000")
    assert (s["within_band"], s["beyond_band"], s["buyer_pays"], s["refund"], s["amount"], s["may_cancel"]) == (
        "2.00", "0.00", "40000.00", "0.00", "40000.00", False)
    assert s["rule"] == {"band": "0.03", "increase_factor": "0", "decrease_factor": "2", "cancel_beyond_band": True}
    ars = approved(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("0.020000", "40000.00")
    refused(GuardFailed, u["finance"], ars, "collect_difference", {"collected_amount": "40000.01"})
    refused(GuardFailed, u["finance"], ars, "refund_difference")
    refused(GuardFailed, u["finance"], ars, "close_without_difference")

    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "40000.00"}, to="settled")
    assert_open_tasks(ars, set())
    assert payments(ars) == [(ars.reference, "area_difference", D("40000.00"))]
    assert sale(units[7]) == ("filed", contract.reference)


def test_an_increase_within_the_band_at_the_contract_price_per_m2(world, customers):
    p, u, units = world
    con = mortgage_contract(p, u, units[1], customers)
    con = file_contract(u, con, "2026预0001")
    ars = settled_for_approval(u, child(con, "handover"), "130.00")
    # +1.5 m² (r = 1.17 %, inside the band): all of it at P = 23 289.77
    settlement = ars.data["settlement"]
    assert (settlement["ratio"], settlement["within_band"], settlement["buyer_pays"], settlement["may_cancel"]) == (
        "0.011673", "1.50", "34934.66", False)
    ars = approved(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("0.011673", "34934.66")
    refused(GuardFailed, u["project_director"], ars, "buyer_cancels", {"cancel_reason": "x"})  # not beyond 3 %

    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "34934.66"}, to="settled")

    assert_open_tasks(ars, set())
    assert payments(ars) == [(ars.reference, "area_difference", D("34934.66"))]
    assert net_collections(p.pk).net == D("50000.00") + D("600000.00") + D("34934.66")
    # 50 000 + 600 000 + 34 934.66 is still less than 30 % of the price: the commission waits for the loan
    assert {s for *_, s in commission()} == {"accrued"}


def test_a_decrease_refunded_and_no_difference_closed(world, customers):
    p, u, units = world
    for unit, customer, measured, expected in ((units[5], customers["c5"], "98.50", "-30000.00"),
                                               (units[6], customers["c6"], "100.00", "0.00")):
        ho = filed_contract(p, u, unit, customer)
        ars = settled_for_approval(u, ho, measured)
        assert ars.data["settlement"]["amount"] == expected and ars.data["settlement"]["may_cancel"] is False
        ars = approve(ars, u["finance"], u["project_director"], fires="approve_settlement", to="notifying")
        assert ars.data["difference_amount"] == expected
        ars = fire(u["contract_clerk"], ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
        if expected.startswith("-"):
            refused(GuardFailed, u["finance"], ars, "collect_difference", {"collected_amount": "30000.00"})
            ars = fire(u["finance"], ars, "refund_difference", to="settled")
            assert ars.data["refund_amount"] == "30000.00"
            assert payments(ars) == [(ars.reference, "refund", D("30000.00"))]
        else:
            ars = fire(u["contract_clerk"], ars, "close_without_difference", to="settled")
            assert payments(ars) == []
        assert_open_tasks(ars, set())
        assert sale(unit) == ("filed", ho.parent.reference)


def test_beyond_the_band_the_buyer_cancels_the_unit_is_released_and_refunded(world, customers):
    p, u, units = world
    fin, director = u["finance"], u["project_director"]
    buyer = customers["c4"]
    ho = filed_contract(p, u, units[3], buyer, channel="agency_a")
    contract = ho.parent
    assert commission(contract) == [("channel", D("30000.00"), "payable"), ("consultant", D("6000.00"), "payable")]
    ars = settled_for_approval(u, ho, "95.00")
    # P = 20 000: 3 m² at P refunded plus 2 m² at 2P = 60 000 + 80 000; beyond the band the buyer may cancel
    s = ars.data["settlement"]
    assert (s["ratio"], s["refund"], s["amount"], s["may_cancel"]) == ("-0.050000", "140000.00", "-140000.00", True)
    ars = approved(u, ars)
    assert (ars.data["error_ratio"], ars.data["difference_amount"]) == ("-0.050000", "-140000.00")
    refused(NotPermitted, fin, ars, "buyer_cancels", {"cancel_reason": "too small"})

    assert (state(ho), pending_timers(ho)) == ("notified", [("book_appointment_deadline", "escalate",
                                                            ("project_director",))])

    ars = fire(director, ars, "buyer_cancels", {"cancel_reason": "too small"}, to="refund_pending")
    assert_open_tasks(ars, {("refund_buyer", "work", "finance")})
    assert sale(units[3]) == ("available", None)
    # the deal is unwound: the handover ends with it, no appointment to book, no deadline running
    assert state(ho) == "cancelled"
    assert_open_tasks(ho, set())
    assert pending_timers(ho) == []
    assert_last_history(ho, kind="transition", transition="cancel", from_state="notified", to_state="cancelled",
                        actor=director, comment=ars.reference, details={"by": ars.reference})
    refused(TransitionNotAvailable, u["handover_staff"], ho, "book_appointment", {"appointment_at": "2027-11-20T10:00:00+08:00"})
    # the cancelled deal's commission is reversed and its purchase points taken back (points.reverse)
    assert commission(contract) == [("channel", D("30000.00"), "reversed"), ("consultant", D("6000.00"), "reversed")]
    assert CommissionDeal.objects.get(record_id=contract.pk).cancel_reason == "too small"
    assert points_balance(p.pk, buyer.pk) == 0
    # the ledger refuses to pay back more than the deal received
    refused(ActionFailed, fin, ars, "refund_and_close", {"refund_amount": "2000000.01", "interest_amount": "30000.00"})

    ars = fire(fin, ars, "refund_and_close", {"refund_amount": "2000000.00", "interest_amount": "30000.00"},
               to="unit_returned")
    assert_open_tasks(ars, set())
    assert payments(contract.parent, contract, ars) == [
        (contract.parent.reference, "deposit", D("100000.00")), (contract.reference, "down_payment", D("1900000.00")),
        (ars.reference, "refund", D("2000000.00"))]
    assert ars.data["interest_amount"] == "30000.00"


def test_beyond_the_band_on_an_increase_the_buyer_pays_3_percent_and_the_developer_bears_the_rest(world, customers):
    p, u, units = world
    ho = filed_contract(p, u, units[4], customers["c5"])
    ars = settled_for_approval(u, ho, "105.00")
    assert (ars.data["settlement"]["buyer_pays"], ars.data["settlement"]["developer_bears"]) == ("60000.00", "40000.00")
    ars = approved(u, ars)
    assert ars.data["difference_amount"] == "60000.00"
    refused(GuardFailed, u["finance"], ars, "refund_difference")

    ars = fire(u["finance"], ars, "collect_difference", {"collected_amount": "60000.00"}, to="settled")

    assert payments(ars) == [(ars.reference, "area_difference", D("60000.00"))]


def test_a_paid_commission_is_clawed_back_when_the_buyer_cancels(world, customers):
    p, u, units = world
    ho = filed_contract(p, u, units[10], customers["c7"], channel="agency_a")
    commission_ledger.pay(project_id=p.pk, beneficiary_kind="channel", beneficiary="agency_a", user_id=None,
                          now=ho.created_at)
    ars = approved(u, settled_for_approval(u, ho, "90.00"))

    fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "area -10 %"}, to="refund_pending")

    assert commission(ho.parent) == [("channel", D("30000.00"), "paid"), ("consultant", D("6000.00"), "reversed"),
                                     ("channel", D("-30000.00"), "payable")]  # netted against agency_a's next payment
    assert sale(units[10]) == ("available", None)


def test_a_returned_settlement_is_surveyed_again(world, customers):
    p, u, units = world
    ho = filed_contract(p, u, units[8], customers["c9"])
    ars = settled_for_approval(u, ho, "120.00")  # a typo: +20 %

    ars = reject(ars, u["project_director"], fires="reject_settlement", to="awaiting_survey")
    assert_open_tasks(ars, {ENTER})

    ars = fire(u["contract_clerk"], ars, "enter_survey", {"measured_area": "101.00", "survey_report_no": "SV2"},
               to="review")
    assert ars.data["settlement"]["amount"] == "20000.00"
    assert_open_tasks(ars, COUNTERSIGN)


def test_a_settlement_is_withdrawn_by_the_director(world, customers):
    p, u, units = world
    ho = filed_contract(p, u, units[9], customers["c10"])
    ars = settled_for_approval(u, ho, "100.50")

    ars = fire(u["project_director"], ars, "cancel", {"cancel_reason": "survey to be redone"}, to="cancelled")

    assert_open_tasks(ars, set())
    assert pending_timers(ars) == [] and payments(ars) == []
    assert sale(units[9]) == ("filed", ho.parent.reference)


def test_an_unentered_survey_escalates(world, customers):
    p, u, units = world
    ho = filed_contract(p, u, units[11], customers["c11"])
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    ars = child(ho, "area_settlement")

    assert run_timers(timedelta(days=7, hours=1)) == 1

    assert_escalated(ars, "enter_measured_area", ["sales_manager"])
    assert_open_tasks(ars, {ENTER})


def test_a_notification_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    cs = u["customer_service"]
    ho = filed_contract(p, u, units[0], customers["c12"])
    ars = approve(survey(u, ho, "101.00"), u["finance"], u["project_director"], fires="approve_settlement",
                  to="notifying")

    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    ars = withdraw(cs, ars, to="notifying", comment="letter not sent yet")
    assert_open_tasks(ars, {NOTIFY})

    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-03"}, to="awaiting_settlement")
    with pytest.raises(NotPermitted, match="send this record back"):
        moves.send_back(u["sales_consultant"], ars.pk, "notifying", "x")
    ars = send_back(u["finance"], ars, "notifying", "the buyer says no letter arrived")
    assert_open_tasks(ars, {NOTIFY})
    assert ars.data["difference_amount"] == "20000.00" and payments(ars) == []

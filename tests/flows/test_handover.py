"""Handover 交房 (flows/handover.yaml) and its defects 整改 (flows/defect.yaml) through the service API.

At every step: the record's state and the history entry the step wrote (checked by
the steps), its open tasks, the unit's sale status and who holds it, the ledger.
"""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from engine.models import Record
from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves, records
from engine.runtime.errors import ActionFailed
from kernel import receivables
from kernel.models import Receivable, ReceivableSchedule
from kernel.payments import net_collections

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    complete,
    filed_contract,
    fire,
    payments,
    pending_timers,
    refused,
    run_timers,
    sale,
    send_back,
    withdraw,
)

BOOK = ("book_appointment", "work", ("handover_staff", "customer_service"))
PREPARE = ("prepare_inspection", "work", "handover_staff")
INSPECT = ("joint_inspection", "work", "handover_staff")
FEES = [("confirm_area_settlement", "work", "finance"), ("collect_fees", "work", "finance")]
KEYS = ("hand_over_keys", "work", "handover_staff")
DISPUTE = ("resolve_dispute", "work", "customer_service")
TRIAGE = ("triage_defect", "work", "handover_staff")
VERIFY = ("verify_with_owner", "work", "handover_staff")
DEFECT = {"defect_location": "主卧", "defect_description": "墙面开裂", "defect_category": "civil",
          "defect_severity": "minor"}


def notified(p, u, unit, customer):
    """A filed deal's handover after its notice; its area settlement is waiting for the survey."""
    ho = filed_contract(p, u, unit, customer)
    assert_open_tasks(ho, {("prepare_notice", "work", "handover_staff")})  # waiting for the building
    assert sale(unit) == ("filed", ho.parent.reference)
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    assert_open_tasks(ho, {BOOK})
    return ho


def test_notice_inspection_with_defects_fees_and_keys(world, customers):
    p, u, units = world
    hs, cs, fin, eng, clerk = (u[r] for r in ("handover_staff", "customer_service", "finance", "engineer",
                                              "contract_clerk"))
    ho = notified(p, u, units[1], customers["buyer"])
    contract = ho.parent
    ars = child(ho, "area_settlement")
    assert_last_history(ars, kind="start", to_state="awaiting_survey", actor=hs, details={"parent": ho.reference})
    assert_open_tasks(ars, {("enter_measured_area", "work", "contract_clerk")})
    assert (ars.data["contract_area"], ars.data["unit_price"]) == ("100.00", "20000.00")

    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")
    assert_open_tasks(ho, {PREPARE})
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-10"}, to="inspecting")
    assert_open_tasks(ho, {INSPECT})

    ho = fire(hs, ho, "log_defect", DEFECT, to="inspecting")
    ho = fire(hs, ho, "log_defect", {**DEFECT, "defect_severity": "urgent"}, to="inspecting")
    assert ho.data["defect_count"] == 2
    assert_open_tasks(ho, {INSPECT})
    defects = list(Record.objects.filter(parent=ho, flow="defect").order_by("pk"))
    assert [(d.state, d.data["severity"], d.data["location"]) for d in defects] == [
        ("logged", "minor", "主卧"), ("logged", "urgent", "主卧")]
    for d in defects:
        assert_last_history(d, kind="start", to_state="logged", actor=hs, details={"parent": ho.reference})
        assert_open_tasks(d, {TRIAGE})

    # the urgent defect: assigned, reported fixed, failed at re-inspection, fixed again
    d = fire(hs, defects[1], "assign", {"severity": "urgent"}, to="rectifying_urgent")  # routed by the severity
    assert_open_tasks(d, {("rectify_urgent", "work", "engineer")})
    d = fire(eng, d, "report_fixed", {"rectification_note": "fixed", "rectified_on": "2027-11-11"}, to="verifying")
    assert_open_tasks(d, {VERIFY})
    d = fire(hs, d, "reopen", {"verification_note": "not yet"}, to="rectifying")
    assert d.data["reopen_count"] == 1
    assert_open_tasks(d, {("rectify", "work", "engineer")})
    d = fire(eng, d, "report_fixed", {"rectification_note": "sealed", "rectified_on": "2027-11-12"}, to="verifying")
    d = fire(cs, d, "accept_fix", {"verification_note": "owner satisfied"}, to="closed")
    assert_open_tasks(d, set())

    ho = fire(hs, ho, "accept_inspection", to="settling_fees")
    assert_open_tasks(ho, FEES)
    # fees wait for finance to confirm the area settlement is closed
    error = refused(TransitionNotAvailable, fin, ho, "settle_fees", {"fees_amount": "12000.00"})
    assert "confirm_area_settlement" in error.message("en")
    ars = fire(clerk, ars, "enter_survey", {"measured_area": "100.00", "survey_report_no": "SV"}, to="review")
    ars = approve(ars, fin, u["project_director"], fires="approve_settlement", to="notifying")
    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    ars = fire(fin, ars, "close_without_difference", to="settled")
    complete(fin, ho, "confirm_area_settlement")
    assert_open_tasks(ho, {("collect_fees", "work", "finance")})

    # finance says what is due and what the buyer paid: less than due is not settled, more is refused in words
    error = refused(GuardFailed, fin, ho, "settle_fees", {"fees_due": "12000.00", "fees_amount": "11000.00"})
    assert "12000" not in error.message("en") and "in full" in error.message("en")
    error = refused(ActionFailed, fin, ho, "settle_fees", {"fees_due": "12000.00", "fees_amount": "12500.00"})
    assert "¥12,500.00 typed as fees collected, but only ¥12,000.00 is still due for it" in str(error)
    assert not Receivable.objects.filter(kind="fee").exists()
    ho = fire(fin, ho, "settle_fees", {"fees_due": "12000.00", "fees_amount": "12000.00"}, to="handing_keys")
    assert_open_tasks(ho, {KEYS})
    # the fees are lines of the deal's receivables: due and received, nothing owed
    s = receivables.statement(ReceivableSchedule.objects.get(project_id=p.pk), date(2027, 11, 12))
    assert [(line.kind, line.amount, line.received) for line in s.lines if line.kind == "fee"] == [
        ("fee", D("12000.00"), D("12000.00"))]
    assert s.remaining("fee") == D("0.00")
    assert sale(units[1]) == ("filed", contract.reference)

    ho = fire(hs, ho, "hand_over", {"certificate_no": "JJ-1", "handed_over_on": "2027-11-12"}, to="delivered")
    assert_open_tasks(ho, set())
    assert sale(units[1]) == ("delivered", ho.reference)
    # the ledger: the deposit, the payment at signing and the fees, which are not sales collections
    assert payments(contract.parent, contract, ho, ars) == [
        (contract.parent.reference, "deposit", D("100000.00")), (contract.reference, "down_payment", D("1900000.00")),
        (ho.reference, "fee", D("12000.00"))]
    assert net_collections(p.pk).net == D("2000000.00") and net_collections(p.pk)["fee"] == D("12000.00")
    # the other defect is still open work of its own, with its own deadline
    assert_open_tasks(defects[0], {TRIAGE})


def test_a_refusal_becomes_a_dispute_settled_and_booked_again(world, customers):
    p, u, units = world
    hs, cs = u["handover_staff"], u["customer_service"]
    ho = notified(p, u, units[3], customers["c5"])
    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")

    ho = fire(hs, ho, "refuse", {"refusal_reason": "wants compensation"}, to="dispute")
    assert_open_tasks(ho, {DISPUTE})
    refused(NotPermitted, hs, ho, "deem_delivered", {"dispute_resolution": "x", "handed_over_on": "2027-12-31"})

    ho = fire(cs, ho, "resume", {"dispute_resolution": "parking space offered",
                                 "appointment_at": "2027-11-20T10:00:00+08:00"}, to="appointed")
    assert_open_tasks(ho, {PREPARE})
    assert sale(units[3]) == ("filed", ho.parent.reference)


def test_a_refusal_without_valid_reason_is_deemed_delivered(world, customers):
    p, u, units = world
    ho = notified(p, u, units[2], customers["c4"])

    ho = fire(u["customer_service"], ho, "refuse", {"refusal_reason": "wants compensation"}, to="dispute")
    ho = fire(u["project_director"], ho, "deem_delivered", {"dispute_resolution": "no valid reason",
                                                            "handed_over_on": "2027-12-31"}, to="delivered")

    assert_open_tasks(ho, set())
    assert sale(units[2]) == ("delivered", ho.reference)


def test_cancelling_a_handover_leaves_the_unit_with_the_deal(world, customers):
    p, u, units = world
    ho = notified(p, u, units[4], customers["c6"])
    refused(NotPermitted, u["handover_staff"], ho, "cancel", {"cancel_reason": "x"})

    ho = fire(u["project_director"], ho, "cancel", {"cancel_reason": "entered twice"}, to="cancelled")

    assert_open_tasks(ho, set())
    assert pending_timers(ho) == []
    assert sale(units[4]) == ("filed", ho.parent.reference)  # ending the deal is the contract's or settlement's


def test_an_unbooked_notice_escalates_to_the_director(world, customers):
    p, u, units = world
    ho = notified(p, u, units[5], customers["c7"])

    # two timers: the notice's own, and that of the area settlement it started (its survey is overdue after 7 days)
    assert run_timers(timedelta(days=15, hours=1)) == 2

    assert_escalated(ho, "book_appointment", ["project_director"])
    assert_escalated(child(ho, "area_settlement"), "enter_measured_area", ["sales_manager"])
    assert_open_tasks(ho, {BOOK})


def test_an_appointment_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    hs, cs = u["handover_staff"], u["customer_service"]
    ho = notified(p, u, units[6], customers["c8"])
    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")
    with pytest.raises(NotPermitted, match="withdraw a step you did not submit"):
        moves.withdraw(hs, ho.pk, "not mine")
    ho = withdraw(cs, ho, to="notified", comment="wrong day")
    assert_open_tasks(ho, {BOOK})

    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-11T10:00:00+08:00"}, to="appointed")
    ho = send_back(hs, ho, "notified", "the owner is abroad that week")
    assert_open_tasks(ho, {BOOK})
    assert ho.data["appointment_at"] == "2027-11-11T10:00:00+08:00"


def test_a_major_defect_reported_after_delivery_escalates_then_is_withdrawn(world, customers):
    p, u, units = world
    hs, cs = u["handover_staff"], u["customer_service"]
    d = records.start_record(cs, p, "defect", {"unit_id": units[2].pk, "location": "厨房", "description": "漏水",
                                               "severity": "major"})
    assert_last_history(d, kind="start", to_state="logged", actor=cs)
    assert_open_tasks(d, {TRIAGE})

    d = fire(hs, d, "assign", {"severity": "major"}, to="rectifying_major")
    assert_open_tasks(d, {("rectify_major", "work", "engineer")})
    assert pending_timers(d) == [("major_overdue", "escalate", ("project_director",)),
                                 ("rectify_major_deadline", "escalate", ("handover_staff",))]

    # 30 days: the handover staff hear; 45 days: the director
    assert run_timers(timedelta(days=31)) == 1
    assert_last_history(d, kind="escalate", details={"timer": "rectify_major_deadline", "to": ["handover_staff"]})
    assert_escalated(d, "rectify_major", ["handover_staff"])
    assert run_timers(timedelta(days=46)) == 1
    assert_escalated(d, "rectify_major", ["handover_staff", "project_director"])

    d = fire(u["project_director"], d, "cancel", {"cancel_reason": "duplicate"}, to="cancelled")
    assert_open_tasks(d, set())
    assert pending_timers(d) == []


def test_a_minor_defect_is_rectified_and_closed(world, customers):
    p, u, units = world
    hs, eng = u["handover_staff"], u["engineer"]
    d = records.start_record(hs, p, "defect", {"unit_id": units[3].pk, "location": "阳台", "description": "门把手松动",
                                               "severity": "minor"})
    d = fire(hs, d, "assign", {"severity": "minor", "category": "doors_windows"}, to="rectifying")
    assert_open_tasks(d, {("rectify", "work", "engineer")})
    refused(NotPermitted, hs, d, "report_fixed", {"rectification_note": "x", "rectified_on": "2027-11-11"})
    d = fire(eng, d, "report_fixed", {"rectification_note": "tightened", "rectified_on": "2027-11-11"}, to="verifying")
    assert_open_tasks(d, {VERIFY})

    d = fire(hs, d, "accept_fix", to="closed")

    assert_open_tasks(d, set())
    assert (d.data["category"], d.data.get("reopen_count")) == ("doors_windows", None)

"""The flows' loose ends (issue 15, item 6), each as the scenario that showed it.

a. A subscription sent back to draft, by a rejected discount or a 退回, no longer shows
   its unit as subscribed: a deal that came holding the unit (queue number, reservation)
   keeps it reserved, any other puts it back on sale; resubmitting holds it again, and
   a unit is never held by two live deals meanwhile. A unit the deal came holding and
   then gave up for another (a new quote in draft) goes back on sale.
b. The buyer cancelling at the area settlement beyond the band ends the handover and
   terminates the filed contract (已解约, after the clerk deregisters the filing); a
   filed contract is otherwise closed when its handover delivers the unit.
c. The handover's fees are settled once: a second pass after a dispute does not add them again.
d. A reservation or subscription started from a queue number and cancelled in draft
   waits for finance to refund the sincerity deposit it carries.

Every check reads the database back (tests/flows/steps.py).
"""
from datetime import date
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, TransitionNotAvailable, UnitUnavailable, moves, records, transitions
from engine.runtime.errors import ActionFailed
from kernel import receivables
from kernel.models import ReceivableSchedule, Unit
from kernel.models.units import UnitHold

from .steps import (
    approve,
    assert_last_history,
    assert_open_tasks,
    child,
    complete,
    filed_contract,
    fire,
    payments,
    pending_timers,
    queued,
    refused,
    reject,
    sale,
    send_back,
    state,
    survey,
)

PREPARE = ("prepare_subscription", "work", "sales_consultant")
ARRANGE = ("arrange_signing", "work", "sales_consultant")
SUB_REFUND = ("pay_refund", "work", "finance")
RSV_REFUND = ("refund_reservation_deposit", "work", "finance")
DEREGISTER = ("deregister_filing", "work", "contract_clerk")


def live_holds(unit) -> list[str]:
    """The references of the deals holding `unit` now (the invariant: never more than one)."""
    return list(UnitHold.objects.filter(unit_id=unit.pk, released_at__isnull=True).values_list("reference", flat=True))


def subscription(p, u, customer, unit, discount="0.08"):
    """A fresh subscription (no reservation before it) quoted with a manual discount."""
    sc = u["sales_consultant"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": customer.pk, "unit_id": unit.pk})
    return fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": discount}, to="draft")


def terms(customer, deposit="30000.00"):
    return {"buyers": [{"customer_id": customer.pk}], "deposit": deposit}


# -- a. sent back to draft -----------------------------------------------------------


def test_a_rejected_countersign_puts_a_fresh_deals_unit_back_on_sale_and_resubmitting_holds_it_again(world, customers):
    p, u, units = world
    sc, director = u["sales_consultant"], u["project_director"]
    c = customers["c4"]
    unit = units[11]
    assert sale(unit) == ("available", None)
    sub = subscription(p, u, c, unit)
    sub = fire(sc, sub, "submit", terms(c), to="discount_review")
    # held while the discount is countersigned, but not subscribed: no deposit is taken yet
    assert sale(unit) == ("reserved", sub.reference) and payments(sub) == []

    sub = reject(sub, director, fires="reject_discount", to="draft")

    # back to what it was before the submit: on sale, held by nobody
    assert_open_tasks(sub, {PREPARE})
    assert sale(unit) == ("available", None) and live_holds(unit) == []
    # resubmitted within the allowance: held again, subscribed, the deposit taken once
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": "0.02"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")
    assert sale(unit) == ("subscribed", sub.reference) and live_holds(unit) == [sub.reference]
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]


def test_a_unit_put_back_on_sale_by_a_rejection_is_taken_by_another_deal_and_never_held_twice(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    first, second = customers["c5"], customers["c6"]
    unit = units[10]
    sub = subscription(p, u, first, unit, discount="0.04")  # above the consultant's 2 %: the manager approves
    sub = fire(sc, sub, "submit", terms(first), to="manager_discount_review")
    assert sale(unit) == ("reserved", sub.reference)
    # nobody else can take it while it is held for the approval
    other = subscription(p, u, second, unit, discount="0.01")
    refused(UnitUnavailable, sc, other, "submit", terms(second))

    sub = reject(sub, mgr, fires="reject_manager_discount", to="draft")
    assert sale(unit) == ("available", None)

    # on sale again: the other deal takes it, and the first deal's resubmission is refused, leaving nothing behind
    other = fire(sc, other, "submit", terms(second), to="awaiting_contract")
    assert sale(unit) == ("subscribed", other.reference)
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": "0.01"}, to="draft")
    error = refused(UnitUnavailable, sc, sub, "submit", terms(first))
    assert other.reference in str(error)
    assert live_holds(unit) == [other.reference] and payments(sub) == []


def test_sent_back_from_the_countersign_a_fresh_deal_gives_its_unit_and_schedule_up(world, customers):
    # 退回 is a correction and runs no actions, but a draft holds no unit: the hold its submit took is
    # released (back on sale) and the schedule the submit drew up is dropped; resubmitting takes both again
    p, u, units = world
    sc, director = u["sales_consultant"], u["project_director"]
    c = customers["c7"]
    unit = units[9]
    sub = fire(sc, subscription(p, u, c, unit), "submit", terms(c), to="discount_review")
    assert ReceivableSchedule.objects.filter(deal_id=sub.pk).exists()

    sub = send_back(director, sub, "draft", "8 % needs the board; ask for less")

    assert_open_tasks(sub, {PREPARE})
    assert sale(unit) == ("available", None) and live_holds(unit) == []
    assert not ReceivableSchedule.objects.filter(deal_id=sub.pk).exists()
    assert sub.history.order_by("-seq").first().details == {"units_released": [unit.pk], "schedule_dropped": True}
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": "0.06"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="discount_review")
    sub = approve(sub, director, u["finance"], fires="approve_discount", to="awaiting_contract")
    # approved: the deposit is taken and the unit is subscribed
    assert sale(unit) == ("subscribed", sub.reference) and live_holds(unit) == [sub.reference]
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]


def test_a_deal_from_a_reservation_rejected_keeps_its_unit_reserved_and_cancelled_refunds_what_it_carries(
        world, customers):
    p, u, units = world
    sc, mgr, fin = u["sales_consultant"], u["sales_manager"], u["finance"]
    c = customers["c8"]
    unit = units[8]
    rsv = records.start_record(sc, p, "reservation", {"unit_id": unit.pk, "customer_id": c.pk})
    rsv = fire(sc, rsv, "hold", {"unit_id": unit.pk, "deposit": "5000.00"}, to="held")
    rsv = fire(sc, rsv, "convert", to="converted")
    sub = child(rsv, "subscription")
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")
    assert sale(unit) == ("reserved", sub.reference)

    sub = reject(sub, mgr, fires="reject_manager_discount", to="draft")

    # what it was before the submit: reserved for this buyer (the reservation's hold, carried on)
    assert sale(unit) == ("reserved", sub.reference) and live_holds(unit) == [sub.reference]
    assert sub.data.get("held_unit_id") == unit.pk  # the unit it came holding
    # cancelled in draft: the unit goes back on sale and finance refunds the reservation deposit it carries
    sub = fire(mgr, sub, "cancel", {"cancel_reason": "buyer gave up"}, to="refund_pending")
    assert_open_tasks(sub, {SUB_REFUND})
    assert sale(unit) == ("available", None)
    assert sub.data["refund_amount"] == "5000.00"
    error = refused(ActionFailed, fin, sub, "refund", {"refund_amount": "5000.01"})  # more than the deal received
    assert "has received net (5000.00)" in str(error)
    sub = fire(fin, sub, "refund", {"refund_amount": "5000.00"}, to="cancelled")
    assert payments(rsv, sub) == [(rsv.reference, "reservation_deposit", D("5000.00")),
                                  (sub.reference, "refund", D("5000.00"))]


def test_a_deal_from_a_reservation_sent_back_keeps_its_unit_reserved_and_cancelled_drops_its_schedule(
        world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    c = customers["c10"]
    unit = units[10]
    rsv = records.start_record(sc, p, "reservation", {"unit_id": unit.pk, "customer_id": c.pk})
    rsv = fire(sc, rsv, "hold", {"unit_id": unit.pk, "deposit": "5000.00"}, to="held")
    rsv = fire(sc, rsv, "convert", to="converted")
    sub = child(rsv, "subscription")
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")

    sub = send_back(mgr, sub, "draft", "ask for 2 %")

    # the draft came holding the unit (the reservation's hold, carried on): still the buyer's, reserved
    assert sale(unit) == ("reserved", sub.reference) and live_holds(unit) == [sub.reference]
    assert sub.history.order_by("-seq").first().details == {"units_stepped_back": [unit.pk], "schedule_dropped": True}
    # rejected rather than sent back, the draft keeps the schedule its submit drew up: cancelling drops it
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")
    sub = reject(sub, mgr, fires="reject_manager_discount", to="draft")
    assert ReceivableSchedule.objects.filter(deal_id=sub.pk).exists()
    sub = fire(mgr, sub, "cancel", {"cancel_reason": "buyer gave up"}, to="refund_pending")
    assert not ReceivableSchedule.objects.filter(deal_id=sub.pk).exists()
    assert sale(unit) == ("available", None)


def test_a_unit_the_queue_number_held_and_the_subscription_gave_up_goes_back_on_sale(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    c = customers["c9"]
    picked, chosen = units[6], units[7]
    q = fire(mgr, queued(p, u, c), "call", to="called")
    q = fire(sc, q, "pick_subscription", {"unit_id": picked.pk}, to="subscribed")
    sub = child(q, "subscription")
    assert sale(picked) == ("reserved", q.reference)

    # the buyer prefers another unit before submitting: quoted and submitted on it
    sub = fire(sc, sub, "quote", {"unit_id": chosen.pk, "payment_plan": "full"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")

    assert sale(chosen) == ("subscribed", sub.reference)
    assert sale(picked) == ("available", None) and live_holds(picked) == []


def test_a_unit_the_queue_number_held_and_the_reservation_gave_up_goes_back_on_sale(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    c = customers["c10"]
    picked, chosen = units[4], units[5]
    q = fire(mgr, queued(p, u, c), "call", to="called")
    q = fire(sc, q, "pick_reservation", {"unit_id": picked.pk}, to="reserved")
    rsv = child(q, "reservation")

    rsv = fire(sc, rsv, "hold", {"unit_id": chosen.pk, "deposit": "5000.00"}, to="held")

    assert sale(chosen) == ("reserved", rsv.reference)
    assert sale(picked) == ("available", None) and live_holds(picked) == []


# -- b. cancelled at the area settlement ---------------------------------------------


def test_the_buyer_cancelling_at_the_area_settlement_terminates_the_filed_contract(world, customers):
    p, u, units = world
    hs, clerk, fin, director = u["handover_staff"], u["contract_clerk"], u["finance"], u["project_director"]
    ho = filed_contract(p, u, units[3], customers["c4"])
    con = ho.parent
    assert state(con) == "filed"
    # a filed contract cannot be terminated by hand: only the area settlement's cancellation does it
    error = refused(GuardFailed, director, con, "terminate", {"cancel_reason": "x"})
    assert "area settlement" in error.message("en")
    assert {a.name: a.offered for a in transitions.available_transitions(director, con.pk)} == {"terminate": False}
    ars = survey(u, ho, "95.00")
    ars = approve(ars, fin, director, fires="approve_settlement", to="notifying")
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")

    ars = fire(director, ars, "buyer_cancels", {"cancel_reason": "5 % smaller"}, to="refund_pending")

    # the handover is closed: no task, no timer, nothing to book, inspect or take fees for
    assert (state(ho), pending_timers(ho)) == ("cancelled", [])
    assert_open_tasks(ho, set())
    refused(TransitionNotAvailable, hs, ho, "book_appointment", {"appointment_at": "2027-11-20T10:00:00+08:00"})
    refused(TransitionNotAvailable, fin, ho, "settle_fees", {"fees_due": "100.00", "fees_amount": "100.00"})
    # the contract no longer says filed: it is terminated once the clerk has the filing deregistered (撤销备案)
    assert state(con) == "filing_deregistration"
    assert_last_history(con, kind="transition", transition="terminate", from_state="filed",
                        to_state="filing_deregistration", actor=director, comment=ars.reference,
                        details={"by": ars.reference})
    assert_open_tasks(con, {DEREGISTER})
    con = fire(clerk, con, "deregister_filing", {"filing_deregistered_on": "2027-11-20"}, to="terminated")
    assert_open_tasks(con, set())
    assert con.is_closed and pending_timers(con) == []
    assert (con.data["cancel_reason"], con.data["filing_deregistered_on"]) == ("5 % smaller", "2027-11-20")
    assert sale(units[3]) == ("available", None)


# -- c. the handover's fees, once ----------------------------------------------------


def test_the_handover_fees_are_settled_once_even_after_a_dispute_and_a_second_inspection(world, customers):
    p, u, units = world
    hs, cs, fin = u["handover_staff"], u["customer_service"], u["finance"]
    ho = filed_contract(p, u, units[2], customers["c5"])
    ars = survey(u, ho, "100.00")
    ars = approve(ars, fin, u["project_director"], fires="approve_settlement", to="notifying")
    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    fire(fin, ars, "close_without_difference", to="settled")
    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-10"}, to="inspecting")
    ho = fire(hs, ho, "accept_inspection", to="settling_fees")
    complete(fin, ho, "confirm_area_settlement")
    ho = fire(fin, ho, "settle_fees", {"fees_due": "12000.00", "fees_amount": "12000.00"}, to="handing_keys")
    # the fees cannot be taken again by sending the handover back over them
    with pytest.raises(TransitionNotAvailable, match="the step “Fees settled” ran"):
        moves.send_back(u["project_director"], ho.pk, "settling_fees", "enter the fees again")

    # the buyer refuses the keys; the dispute is settled and the unit inspected again
    ho = fire(hs, ho, "refuse", {"refusal_reason": "a scratched door"}, to="dispute")
    ho = fire(cs, ho, "resume", {"dispute_resolution": "door replaced",
                                 "appointment_at": "2027-11-20T10:00:00+08:00"}, to="appointed")
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-20"}, to="inspecting")

    # signed off again: the fees are settled already, so it goes straight to the keys
    ho = fire(hs, ho, "accept_inspection", to="handing_keys")
    assert ho.data.get("fees_settled_on") is not None

    s = receivables.statement(ReceivableSchedule.objects.get(project_id=p.pk), date(2027, 11, 20))
    assert [(line.kind, line.amount, line.received) for line in s.lines if line.kind == "fee"] == [
        ("fee", D("12000.00"), D("12000.00"))]
    assert [x for x in payments(ho) if x[1] == "fee"] == [(ho.reference, "fee", D("12000.00"))]
    # delivered: the filed contract is fulfilled and closes with it; nobody closes it by hand
    con = ho.parent
    refused(GuardFailed, u["handover_staff"], con, "deliver")
    ho = fire(hs, ho, "hand_over", {"certificate_no": "JJ-2", "handed_over_on": "2027-11-21"}, to="delivered")
    assert sale(units[2]) == ("delivered", ho.reference)
    assert_last_history(con, kind="transition", transition="deliver", from_state="filed", to_state="delivered",
                        actor=hs, comment=ho.reference, details={"by": ho.reference})
    con.refresh_from_db()
    assert con.is_closed and pending_timers(con) == []


# -- d. the sincerity deposit of a draft cancelled -----------------------------------


def test_a_reservation_from_a_queue_number_cancelled_in_draft_refunds_the_sincerity_deposit(world, customers):
    p, u, units = world
    sc, mgr, fin = u["sales_consultant"], u["sales_manager"], u["finance"]
    c = customers["c11"]
    q = fire(mgr, queued(p, u, c, batch="C"), "call", to="called")
    q = fire(sc, q, "pick_reservation", {"unit_id": units[1].pk}, to="reserved")
    rsv = child(q, "reservation")
    assert rsv.data["deposit_carried"] == "20000.00"

    rsv = fire(sc, rsv, "cancel", {"reason": "the buyer will not take it"}, to="refund_pending")

    assert_open_tasks(rsv, {RSV_REFUND})
    assert sale(units[1]) == ("available", None)
    assert rsv.data["refund_amount"] == "20000.00"  # the refund form starts from the sincerity deposit
    refused(GuardFailed, fin, rsv, "refund", {"refund_amount": "20000.01", "refund_receipt_no": "R-1"})
    rsv = fire(fin, rsv, "refund", {"refund_amount": "20000.00", "refund_receipt_no": "R-1"}, to="refunded")
    assert_open_tasks(rsv, set())
    assert payments(q, rsv) == [(q.reference, "sincerity_deposit", D("20000.00")),
                                (rsv.reference, "refund", D("20000.00"))]


def test_a_subscription_from_a_queue_number_cancelled_in_draft_refunds_the_sincerity_deposit(world, customers):
    p, u, units = world
    sc, mgr, fin = u["sales_consultant"], u["sales_manager"], u["finance"]
    c = customers["c12"]
    q = fire(mgr, queued(p, u, c, batch="D"), "call", to="called")
    q = fire(sc, q, "pick_subscription", {"unit_id": units[0].pk}, to="subscribed")
    sub = child(q, "subscription")

    sub = fire(mgr, sub, "cancel", {"cancel_reason": "the buyer will not take it"}, to="refund_pending")

    assert_open_tasks(sub, {SUB_REFUND})
    assert sale(units[0]) == ("available", None)
    assert sub.data["refund_amount"] == "20000.00"
    sub = fire(fin, sub, "refund", {"refund_amount": "20000.00"}, to="cancelled")
    assert payments(q, sub) == [(q.reference, "sincerity_deposit", D("20000.00")),
                                (sub.reference, "refund", D("20000.00"))]


def test_a_draft_that_carries_nothing_is_still_cancelled_directly(world, customers):
    p, u, units = world
    mgr = u["sales_manager"]
    sub = subscription(p, u, customers["buyer"], units[0])
    sub = fire(mgr, sub, "cancel", {"cancel_reason": "no"}, to="cancelled")
    rsv = records.start_record(u["sales_consultant"], p, "reservation",
                               {"unit_id": units[1].pk, "customer_id": customers["buyer"].pk})
    rsv = fire(mgr, rsv, "cancel", {"reason": "no"}, to="cancelled")
    assert payments(sub, rsv) == [] and Unit.objects.filter(project=p).exclude(status="available").count() == 0

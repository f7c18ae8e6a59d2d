"""Reservations 预留/小订 (flows/reservation.yaml) through the service API.

At every step: the record's state and the history entry the step wrote (checked by
the steps), its open tasks, the unit's sale status and who holds it, the ledger.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import (
    GuardFailed,
    InvalidForm,
    NotPermitted,
    TransitionNotAvailable,
    UnitUnavailable,
    moves,
    records,
)
from kernel.models.queue import QueueNumber
from kernel.payments import net_collections
from plugins.points.ledger import balance as points_balance

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    commission,
    fire,
    payments,
    pending_timers,
    queued,
    refused,
    run_timers,
    sale,
)

COMPLETE = ("complete_reservation", "work", "sales_consultant")
FOLLOW_UP = ("follow_up_reservation", "work", "sales_consultant")
REFUND = ("refund_reservation_deposit", "work", "finance")


def draft(p, u, unit, customer, by="sales_consultant"):
    rsv = records.start_record(u[by], p, "reservation", {"unit_id": unit.pk, "customer_id": customer.pk})
    assert_last_history(rsv, kind="start", to_state="draft", actor=u[by])
    assert_open_tasks(rsv, {COMPLETE})
    assert pending_timers(rsv) == [("complete_reservation_deadline", "escalate", ("sales_manager",))]
    return rsv


def held(p, u, unit, customer, deposit="5000.00"):
    rsv = draft(p, u, unit, customer)
    rsv = fire(u["sales_consultant"], rsv, "hold", {"unit_id": unit.pk, "deposit": deposit}, to="held")
    assert_open_tasks(rsv, {FOLLOW_UP})
    assert sale(unit) == ("reserved", rsv.reference)
    assert pending_timers(rsv) == [("hold_expires", "fire", "expire")]
    return rsv


def test_held_then_converted_and_the_subscription_takes_the_unit_over(world, customers):
    p, u, units = world
    sc, buyer = u["sales_consultant"], customers["buyer"]
    rsv = draft(p, u, units[0], buyer)
    assert sale(units[0]) == ("available", None)  # a draft holds nothing
    refused(GuardFailed, sc, rsv, "hold", {"unit_id": units[0].pk, "deposit": "0.00"})
    refused(NotPermitted, u["finance"], rsv, "hold", {"unit_id": units[0].pk, "deposit": "5000.00"})

    rsv = fire(sc, rsv, "hold", {"unit_id": units[0].pk, "deposit": "5000.00"}, to="held")
    assert_open_tasks(rsv, {FOLLOW_UP})
    assert sale(units[0]) == ("reserved", rsv.reference)
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00"))]
    assert rsv.data["consultant_id"] == sc.pk

    rsv = fire(sc, rsv, "convert", to="converted")
    assert_open_tasks(rsv, set())
    assert rsv.is_closed and pending_timers(rsv) == []  # converted: it no longer expires
    sub = child(rsv, "subscription")
    assert (sub.state, sub.data["unit_id"], sub.data["customer_id"], sub.data["consultant_id"]) == (
        "draft", units[0].pk, buyer.pk, sc.pk)
    assert_last_history(sub, kind="start", to_state="draft", actor=sc, details={"parent": rsv.reference})
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})
    assert sale(units[0]) == ("reserved", rsv.reference)  # until the subscription is submitted

    sub = fire(sc, sub, "quote", {"unit_id": units[0].pk, "payment_plan": "full"}, to="draft")
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "50000.00"},
               to="awaiting_contract")
    assert sale(units[0]) == ("subscribed", sub.reference)
    # the 5 000.00 reservation deposit is carried: the deposit of 50 000.00 takes the 45 000.00 left
    assert payments(rsv, sub) == [(rsv.reference, "reservation_deposit", D("5000.00")),
                                  (sub.reference, "deposit", D("45000.00"))]


def test_a_held_reservation_expires_releases_the_unit_and_finance_refunds_the_deposit(world, customers):
    p, u, units = world
    fin = u["finance"]
    rsv = held(p, u, units[1], customers["buyer"])

    assert run_timers(timedelta(hours=71)) == 0
    assert_last_history(rsv, kind="transition", transition="hold", from_state="draft", to_state="held",
                        actor=u["sales_consultant"])
    assert run_timers(timedelta(hours=73)) == 1

    # expired: the unit is free at once, the 小订金 waits for finance (待退小订金)
    assert_last_history(rsv, kind="timer", transition="expire", from_state="held", to_state="refund_pending",
                        actor=None, details={"timer": "hold_expires"})
    assert_open_tasks(rsv, {REFUND})
    assert sale(units[1]) == ("available", None)
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00"))]
    rsv.refresh_from_db()
    assert not rsv.is_closed and rsv.data["refund_amount"] == "5000.00"  # the refund form starts from it
    # the unit is free for the next customer
    other = held(p, u, units[1], customers["c4"])
    assert sale(units[1]) == ("reserved", other.reference)

    # only finance refunds, and never more than the reservation received
    refused(NotPermitted, u["sales_consultant"], rsv, "refund", {"refund_amount": "5000.00"})
    error = refused(GuardFailed, fin, rsv, "refund", {"refund_amount": "5000.01", "refund_receipt_no": "TK-1"})
    assert "no more than the deposit received" in error.message("en")
    assert error.message("zh").startswith("退款金额须大于零且不超过已收小订金")
    refused(GuardFailed, fin, rsv, "refund", {"refund_amount": "0.00", "refund_receipt_no": "TK-1"})
    refused(InvalidForm, fin, rsv, "refund", {"refund_amount": "5000.00"})  # the receipt number is required

    rsv = fire(fin, rsv, "refund", {"refund_amount": "5000.00", "refund_receipt_no": "TK-1"}, to="refunded")
    assert_open_tasks(rsv, set())
    assert rsv.is_closed and pending_timers(rsv) == []
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00")),
                             (rsv.reference, "refund", D("5000.00"))]
    assert net_collections(p.pk, record_ids=[rsv.pk]).net == D("0.00")
    assert sale(units[1]) == ("reserved", other.reference)  # the refund does not touch the unit


def test_an_unfinished_draft_escalates_to_the_sales_manager_after_a_day(world, customers):
    p, u, units = world
    rsv = draft(p, u, units[2], customers["buyer"])

    assert run_timers(timedelta(hours=25)) == 1

    assert_last_history(rsv, kind="escalate", details={"timer": "complete_reservation_deadline",
                                                       "to": ["sales_manager"], "tasks": ["complete_reservation"]})
    assert_escalated(rsv, "complete_reservation", ["sales_manager"])
    assert_open_tasks(rsv, {COMPLETE})
    assert sale(units[2]) == ("available", None)


def test_cancelling_a_held_reservation_releases_the_unit_and_awaits_the_refund(world, customers):
    p, u, units = world
    fin = u["finance"]
    rsv = held(p, u, units[3], customers["buyer"])
    refused(InvalidForm, u["sales_manager"], rsv, "cancel", {})  # a reason is required

    rsv = fire(u["sales_manager"], rsv, "cancel", {"reason": "customer withdrew"}, to="refund_pending")

    assert_open_tasks(rsv, {REFUND})
    assert pending_timers(rsv) == [("refund_reservation_deposit_deadline", "escalate", ("project_director",))]
    assert sale(units[3]) == ("available", None)
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00"))]

    # keeping the deposit (不予退还) needs a reason, and only finance decides it
    refused(InvalidForm, fin, rsv, "forfeit", {})
    refused(InvalidForm, fin, rsv, "forfeit", {"forfeit_reason": ""})
    refused(NotPermitted, u["sales_manager"], rsv, "forfeit", {"forfeit_reason": "terms of the reservation"})
    rsv = fire(fin, rsv, "forfeit", {"forfeit_reason": "terms of the reservation"}, to="forfeited")
    assert_open_tasks(rsv, set())
    assert rsv.is_closed and pending_timers(rsv) == []
    assert rsv.data["forfeit_reason"] == "terms of the reservation"
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00"))]  # kept: no refund entry


def test_a_draft_with_a_deposit_typed_but_not_received_is_cancelled_directly(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    rsv = records.start_record(sc, p, "reservation", {"unit_id": units[6].pk, "customer_id": customers["c5"].pk,
                                                      "deposit": "5000.00"})
    assert payments(rsv) == []  # typed at the start, never received: holding records it

    rsv = fire(sc, rsv, "cancel", {"reason": "customer did not come back"}, to="cancelled")

    assert_open_tasks(rsv, set())
    assert rsv.is_closed and pending_timers(rsv) == []
    assert payments(rsv) == [] and sale(units[6]) == ("available", None)


def test_cancelling_a_draft_leaves_the_unit_to_whoever_holds_it(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    other = held(p, u, units[0], customers["c4"])
    rsv = draft(p, u, units[0], customers["buyer"])
    # the unit is someone else's: holding it is refused, and nothing is taken
    refused(UnitUnavailable, sc, rsv, "hold", {"unit_id": units[0].pk, "deposit": "5000.00"})

    rsv = fire(sc, rsv, "cancel", {"reason": "no"}, to="cancelled")

    assert_open_tasks(rsv, set())
    assert sale(units[0]) == ("reserved", other.reference)
    assert payments(rsv) == []


def test_holding_cannot_be_withdrawn_the_reservation_is_cancelled_instead(world, customers):
    p, u, units = world
    rsv = held(p, u, units[4], customers["buyer"])

    with pytest.raises(TransitionNotAvailable, match="ran actions"):
        moves.withdraw(u["sales_consultant"], rsv.pk, "wrong unit")

    assert_last_history(rsv, kind="transition", transition="hold", from_state="draft", to_state="held",
                        actor=u["sales_consultant"])
    assert sale(units[4]) == ("reserved", rsv.reference)


def test_a_held_reservation_cannot_be_sent_back_past_its_deposit(world, customers):
    # holding recorded the deposit: holding again after a send back would record it twice,
    # so the send back is refused in words and nothing changes
    p, u, units = world
    rsv = held(p, u, units[5], customers["buyer"])
    with pytest.raises(TransitionNotAvailable, match="Since “Draft”, the step “Hold the unit” ran “Record a receipt or refund”"):
        moves.send_back(u["sales_manager"], rsv.pk, "draft", "deposit amount to check")
    rsv.refresh_from_db()
    assert rsv.state == "held" and sale(units[5]) == ("reserved", rsv.reference)
    assert payments(rsv) == [(rsv.reference, "reservation_deposit", D("5000.00"))]
    assert ("hold_expires", "fire", "expire") in pending_timers(rsv)
    assert_last_history(rsv, kind="transition", transition="hold", from_state="draft", to_state="held",
                        actor=u["sales_consultant"])


def test_picked_from_the_queue_converted_and_the_subscription_cancelled_and_refunded(world, customers):
    p, u, units = world
    sc, mgr, fin, director = u["sales_consultant"], u["sales_manager"], u["finance"], u["project_director"]
    c = customers["c7"]
    q = queued(p, u, c, batch="b")
    assert q.data["queue_number"] == "B-0001"
    q = fire(sc, q, "call", to="called")
    q = fire(sc, q, "pick_reservation", {"unit_id": units[5].pk}, to="reserved")
    assert sale(units[5]) == ("reserved", q.reference)

    rsv = child(q, "reservation")
    assert_open_tasks(rsv, {COMPLETE})
    rsv = fire(sc, rsv, "hold", {"unit_id": units[5].pk, "deposit": "5000.00"}, to="held")
    assert sale(units[5]) == ("reserved", rsv.reference)  # the queue's hold passed to the reservation
    assert_open_tasks(rsv, {FOLLOW_UP})
    rsv = fire(sc, rsv, "convert", to="converted")
    sub = child(rsv, "subscription")
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})

    # 4 % off by hand: above the rules' 2 % allowance (the project settings' stale 10 % is not read)
    sub = fire(sc, sub, "quote", {"unit_id": units[5].pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    assert (sub.data["price_snapshot"]["approval"], sub.data["price_snapshot"]["needs_approval"]) == ("approval", True)
    form = {"buyers": [{"customer_id": c.pk}], "deposit": "30000.00"}
    sub = fire(sc, sub, "submit", form, to="manager_discount_review")  # routed by the quote's approval
    assert sale(units[5]) == ("reserved", sub.reference)  # subscribed once the discount is approved
    assert_open_tasks(sub, {("manager_discount_approval", "approval", "sales_manager")})
    assert payments(sub) == []  # the deposit is taken once the discount is approved

    sub = approve(sub, mgr, fires="approve_manager_discount", to="awaiting_contract")
    assert_open_tasks(sub, {("arrange_signing", "work", "sales_consultant")})
    # 3 058 300.00 × 0.98 = 2 997 134.00, × 0.96 = 2 877 248.64 → 2 877 249.00
    assert sub.data["deal_price"] == "2877249.00"
    # the deposit of 30 000.00 counts the 20 000.00 sincerity and the 5 000.00 reservation deposits carried
    assert payments(sub) == [(sub.reference, "deposit", D("5000.00"))]

    sub = fire(sc, sub, "request_cancel", {"cancel_reason": "changed mind"}, to="cancel_review")
    assert_open_tasks(sub, {("cancel_countersign", "approval", "project_director"),
                            ("cancel_countersign", "approval", "finance")})
    assert sale(units[5]) == ("subscribed", sub.reference)
    sub = approve(sub, director, fin, fires="approve_cancel", to="refund_pending")
    assert_open_tasks(sub, {("pay_refund", "work", "finance")})
    assert sale(units[5]) == ("available", None)

    refused(GuardFailed, fin, sub, "refund", {"refund_amount": "30000.01"})
    sub = fire(fin, sub, "refund", {"refund_amount": "30000.00"}, to="cancelled")
    assert_open_tasks(sub, set())
    assert payments(q, rsv, sub) == [
        (q.reference, "sincerity_deposit", D("20000.00")), (rsv.reference, "reservation_deposit", D("5000.00")),
        (sub.reference, "deposit", D("5000.00")), (sub.reference, "refund", D("30000.00"))]
    assert commission() == [] and points_balance(p.pk, c.pk) == 0  # nothing was signed
    assert QueueNumber.objects.get(code="B-0001").voided_at is None

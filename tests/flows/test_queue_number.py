"""Queue numbers 排号 (flows/queue_number.yaml) through the service API.

At every step: the record's state and the history entry the step wrote (checked by
the steps), its open tasks, the unit's sale status and the payments ledger.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, UnitUnavailable, moves
from engine.runtime.errors import ActionFailed
from kernel.models.queue import QueueNumber

from .steps import (
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    fire,
    payments,
    pending_timers,
    queued,
    refused,
    register,
    run_timers,
    sale,
    send_back,
    withdraw,
)

COLLECT = ("collect_sincerity_deposit", "work", "sales_consultant")
CONFIRM = ("confirm_receipt", "work", "finance")
NOTIFY = ("notify_launch", "work", "sales_consultant")
PICK = ("pick_unit", "work", "sales_consultant")
REFUND = ("refund_sincerity_deposit", "work", "finance")


def test_deposit_confirmed_number_called_and_a_unit_picked_for_a_subscription(world, customers):
    p, u, units = world
    sc, fin, mgr = u["sales_consultant"], u["finance"], u["sales_manager"]
    buyer = customers["buyer"]

    q = register(p, u, buyer)
    assert q.reference == "QN-000001" and pending_timers(q) == [
        ("collect_sincerity_deposit_deadline", "escalate", ("sales_manager",))]
    refused(GuardFailed, sc, q, "submit_deposit", {"batch": "A", "deposit": "0.00", "payment_method": "cash"})
    refused(NotPermitted, fin, q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "cash"})

    q = fire(sc, q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "wechat"},
             to="awaiting_confirmation")
    assert_open_tasks(q, {CONFIRM})
    assert q.data["consultant_id"] == sc.pk and payments(q) == []  # nothing is in until finance says so

    # finance has not received it: back to the consultant, with the reason
    q = fire(fin, q, "reject_deposit", {"reason": "not on the statement"}, to="registered")
    assert_open_tasks(q, {COLLECT})
    assert payments(q) == []
    q = fire(sc, q, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "wechat"},
             to="awaiting_confirmation")
    assert_open_tasks(q, {CONFIRM})

    q = fire(fin, q, "confirm_deposit", to="queued")
    assert q.data["queue_number"] == "A-0001"
    assert_open_tasks(q, {NOTIFY})
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00"))]
    number = QueueNumber.objects.get(code="A-0001")
    assert (number.record_id, number.voided_at) == (q.pk, None)

    q = fire(mgr, q, "call", to="called")
    assert_open_tasks(q, {PICK})
    assert pending_timers(q) == [("not_present", "fire", "skip"),
                                 ("pick_unit_deadline", "escalate", ("sales_manager",))]

    q = fire(sc, q, "pick_subscription", {"unit_id": units[0].pk}, to="subscribed")
    assert_open_tasks(q, set())
    assert q.is_closed and pending_timers(q) == []
    assert sale(units[0]) == ("reserved", q.reference)
    sub = child(q, "subscription")
    assert (sub.state, sub.data["unit_id"], sub.data["customer_id"], sub.data["consultant_id"]) == (
        "draft", units[0].pk, buyer.pk, sc.pk)
    assert_last_history(sub, kind="start", to_state="draft", actor=sc, details={"parent": q.reference})
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})
    # the sincerity deposit stays on the queue record's ledger entry
    assert payments(q, sub) == [(q.reference, "sincerity_deposit", D("20000.00"))]


def test_a_unit_picked_for_a_reservation(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    q = queued(p, u, customers["c7"], batch="b")
    assert q.data["queue_number"] == "B-0001"  # batch codes are capitals
    q = fire(sc, q, "call", to="called")
    refused(NotPermitted, u["sales_manager"], q, "pick_reservation", {"unit_id": units[5].pk})

    q = fire(sc, q, "pick_reservation", {"unit_id": units[5].pk}, to="reserved")

    assert_open_tasks(q, set())
    assert sale(units[5]) == ("reserved", q.reference)
    rsv = child(q, "reservation")
    assert (rsv.state, rsv.data["unit_id"], rsv.data["customer_id"]) == ("draft", units[5].pk, customers["c7"].pk)
    assert_last_history(rsv, kind="start", to_state="draft", actor=sc, details={"parent": q.reference})
    assert_open_tasks(rsv, {("complete_reservation", "work", "sales_consultant")})


def test_a_unit_someone_else_holds_cannot_be_picked(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    first = fire(sc, queued(p, u, customers["buyer"]), "call", to="called")
    first = fire(sc, first, "pick_subscription", {"unit_id": units[0].pk}, to="subscribed")
    second = fire(sc, queued(p, u, customers["c4"]), "call", to="called")

    error = refused(UnitUnavailable, sc, second, "pick_reservation", {"unit_id": units[0].pk})

    assert first.reference in error.message("en")
    assert_open_tasks(second, {PICK})
    assert sale(units[0]) == ("reserved", first.reference)


def test_not_present_when_called_the_timer_puts_the_number_back_in_the_queue(world, customers):
    p, u, units = world
    q = fire(u["sales_manager"], queued(p, u, customers["buyer"], batch="C"), "call", to="called")

    # after 30 minutes the pick is overdue: the sales manager sees it too
    assert run_timers(timedelta(minutes=40)) == 1
    assert_last_history(q, kind="escalate", details={"timer": "pick_unit_deadline", "to": ["sales_manager"]})
    assert_escalated(q, "pick_unit", ["sales_manager"])
    assert_open_tasks(q, {PICK})

    # after two hours the holder is skipped (过号): the system moves the number back to the queue
    assert run_timers(timedelta(hours=3)) == 1
    assert_last_history(q, kind="timer", transition="skip", from_state="called", to_state="queued", actor=None,
                        details={"timer": "not_present"})
    assert_open_tasks(q, {NOTIFY})
    assert q.data["queue_number"] == "C-0001" and QueueNumber.objects.get(code="C-0001").voided_at is None
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00"))]
    # and can be called again
    fire(u["sales_consultant"], q, "call", to="called")
    assert_open_tasks(q, {PICK})


def test_refund_voids_the_number_and_leaves_a_gap(world, customers):
    p, u, units = world
    sc, fin = u["sales_consultant"], u["finance"]
    first = queued(p, u, customers["c7"], batch="b")
    q = queued(p, u, customers["c8"], batch="B")
    assert q.data["queue_number"] == "B-0002"

    q = fire(sc, q, "request_refund", {"refund_reason": "bought elsewhere"}, to="refund_pending")
    assert_open_tasks(q, {REFUND})
    q = fire(sc, q, "keep_number", to="queued")  # the customer changed their mind
    assert_open_tasks(q, {NOTIFY})
    q = fire(sc, q, "call", to="called")
    q = fire(u["sales_manager"], q, "request_refund", {"refund_reason": "bought elsewhere"}, to="refund_pending")
    assert_open_tasks(q, {REFUND})
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00"))]

    q = fire(fin, q, "refund", to="refunded")

    assert_open_tasks(q, set())
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00")), (q.reference, "refund", D("20000.00"))]
    voided = QueueNumber.objects.get(code="B-0002")
    assert voided.voided_at is not None and voided.voided_by_id == fin.pk
    # the next confirmation gets B-0003: the voided number stays a visible gap, never reused
    assert queued(p, u, customers["c9"], batch="B").data["queue_number"] == "B-0003"
    assert [n.code for n in QueueNumber.objects.filter(voided_at__isnull=True).order_by("code")] == [
        "B-0001", "B-0003"]
    assert first.data["queue_number"] == "B-0001"


def test_a_registration_is_cancelled_before_or_after_the_deposit_was_submitted(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    q = register(p, u, customers["buyer"])
    q = fire(sc, q, "cancel", {"cancel_reason": "no"}, to="cancelled")
    assert_open_tasks(q, set())
    assert q.is_closed and pending_timers(q) == []

    q2 = register(p, u, customers["c4"])
    q2 = fire(sc, q2, "submit_deposit", {"batch": "A", "deposit": "5000.00", "payment_method": "cash"},
              to="awaiting_confirmation")
    refused(TransitionNotAvailable, sc, q2, "call")
    q2 = fire(u["sales_manager"], q2, "cancel", {"cancel_reason": "duplicate registration"}, to="cancelled")
    assert_open_tasks(q2, set())
    assert payments(q, q2) == [] and QueueNumber.objects.count() == 0


def test_a_call_is_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    sc, mgr, fin = u["sales_consultant"], u["sales_manager"], u["finance"]
    q = queued(p, u, customers["buyer"])
    # confirming took the deposit and issued a number: finance cannot withdraw that
    with pytest.raises(TransitionNotAvailable, match="ran actions"):
        moves.withdraw(fin, q.pk, "oops")

    q = fire(mgr, q, "call", to="called")
    # only the one who called may withdraw the call
    with pytest.raises(NotPermitted, match="withdraw a step you did not submit"):
        moves.withdraw(sc, q.pk, "not mine")
    q = withdraw(mgr, q, to="queued", comment="wrong number called")
    assert_open_tasks(q, {NOTIFY})
    assert pending_timers(q) == []

    q = fire(mgr, q, "call", to="called")
    with pytest.raises(TransitionNotAvailable, match="has not been in “Refund pending” before"):
        moves.send_back(sc, q.pk, "refund_pending", "never there")
    with pytest.raises(TransitionNotAvailable, match="say why the record is sent back"):
        moves.send_back(sc, q.pk, "queued", "  ")
    q = send_back(sc, q, "queued", "the customer went home")
    assert_open_tasks(q, {NOTIFY})
    assert q.data["queue_number"] == "A-0001"
    assert payments(q) == [(q.reference, "sincerity_deposit", D("20000.00"))]


def test_one_customer_takes_one_number_per_batch_unless_the_project_allows_more(world, customers):
    p, u, units = world
    sc, fin = u["sales_consultant"], u["finance"]
    buyer = customers["buyer"]
    first = queued(p, u, buyer)
    assert first.data["queue_number"] == "A-0001"

    # a second registration of the same customer in batch A is refused when finance confirms it
    again = register(p, u, buyer)
    again = fire(sc, again, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "card"},
                 to="awaiting_confirmation")
    error = refused(ActionFailed, fin, again, "confirm_deposit")
    assert "A-0001" in str(error) and "at most 1" in str(error)
    assert "每位客户在每个批次最多 1 个" in error.message("zh")
    # another batch, or another customer, is not limited by it
    assert queued(p, u, buyer, batch="B").data["queue_number"] == "B-0001"
    assert queued(p, u, customers["c4"]).data["queue_number"] == "A-0002"

    # a project that allows two per customer issues the second one
    p.settings = {**p.settings, "queue_numbers_per_customer": 2}
    p.save(update_fields=["settings"])
    again = fire(fin, again, "confirm_deposit", to="queued")
    assert again.data["queue_number"] == "A-0003"
    third = register(p, u, buyer)
    third = fire(sc, third, "submit_deposit", {"batch": "A", "deposit": "20000.00", "payment_method": "card"},
                 to="awaiting_confirmation")
    refused(ActionFailed, fin, third, "confirm_deposit")

    # a refunded (voided) number no longer counts
    first = fire(sc, first, "request_refund", {"refund_reason": "changed mind"}, to="refund_pending")
    first = fire(fin, first, "refund", to="refunded")
    assert fire(fin, third, "confirm_deposit", to="queued").data["queue_number"] == "A-0004"

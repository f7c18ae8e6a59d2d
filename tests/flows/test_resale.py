"""Resale and trade-in 二手房/置换 (flows/resale.yaml) through the service API.

The old home is not a unit of the project and its money is the seller's, so only a
trade-in's new unit is held. At every step: the record's state and the history entry
the step wrote (checked by the steps), its open tasks, the new unit's sale status and
who holds it.
"""
from datetime import timedelta

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves, records

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    fire,
    payments,
    pending_timers,
    refused,
    reject,
    run_timers,
    sale,
    send_back,
    withdraw,
)

VALUE = ("value_property", "work", "sales_consultant")
PRICE_REVIEW = [("price_countersign", "approval", "sales_manager"), ("price_countersign", "approval", "finance")]
PRICED = ("sign_listing_agreement", "work", "sales_consultant")
FIND = ("find_buyer", "work", "sales_consultant")
NEGOTIATE = ("negotiate_agreement", "work", "sales_consultant")
PRICE = {"valuation_amount": "1400000.00", "approved_price": "1450000.00", "floor_price": "1380000.00"}
AGREEMENT = {"agreement_no": "M1", "agreed_price": "1400000.00", "deposit": "50000.00"}


def priced(p, u, owner, *, trade_in=False, new_unit=None):
    sc = u["sales_consultant"]
    r = records.start_record(sc, p, "resale", {"owner_customer_id": owner.pk, "property_address": "老城区 1 号",
                                               "trade_in": trade_in})
    assert_last_history(r, kind="start", to_state="intake", actor=sc)
    assert_open_tasks(r, {("record_property", "work", "sales_consultant")})
    valuation = {"property_certificate_no": "C1", "built_area": "88.00", "asking_price": "1500000.00",
                 "trade_in": trade_in, **({"new_unit_id": new_unit.pk} if new_unit else {})}
    r = fire(sc, r, "submit_for_valuation", valuation, to="valuation")
    assert_open_tasks(r, {VALUE})
    assert r.data["consultant_id"] == sc.pk
    r = fire(sc, r, "submit_price", PRICE, to="price_review")
    assert_open_tasks(r, PRICE_REVIEW)
    r = approve(r, u["sales_manager"], u["finance"], fires="approve_price", to="priced")
    assert_open_tasks(r, {PRICED})
    return r


def test_listed_sold_and_transferred(world, customers):
    p, u, units = world
    sc, clerk = u["sales_consultant"], u["contract_clerk"]
    r = priced(p, u, customers["c11"])

    r = fire(sc, r, "publish", to="listed")
    assert_open_tasks(r, {FIND})
    assert pending_timers(r) == [("find_buyer_deadline", "escalate", ("sales_manager",)),
                                 ("stale_listing", "escalate", ("project_director",))]
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c12"].pk}, to="buyer_found")
    assert_open_tasks(r, {NEGOTIATE})
    r = fire(u["sales_manager"], r, "buyer_withdraws", {"withdraw_reason": "loan refused"}, to="listed")
    assert_open_tasks(r, {FIND})
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c10"].pk}, to="buyer_found")
    refused(GuardFailed, sc, r, "sign_agreement", {**AGREEMENT, "agreed_price": "1379999.99"})  # below the floor

    r = fire(sc, r, "sign_agreement", AGREEMENT, to="under_agreement")
    assert_open_tasks(r, {("prepare_transfer", "work", ("sales_consultant", "contract_clerk"))})
    refused(NotPermitted, sc, r, "submit_transfer", {"transfer_submitted_on": "2026-08-01"})
    r = fire(clerk, r, "submit_transfer", {"transfer_submitted_on": "2026-08-01"}, to="transferring")
    assert_open_tasks(r, {("complete_transfer", "work", "contract_clerk")})
    r = fire(clerk, r, "complete_transfer", {"new_certificate_no": "N1", "transfer_date": "2026-08-15"}, to="closed")

    assert_open_tasks(r, set())
    assert r.is_closed and pending_timers(r) == []
    assert payments(r) == []  # the seller's money, not the project's sales ledger


def test_a_trade_in_holds_the_new_unit_and_starts_its_subscription(world, customers):
    p, u, units = world
    sc, clerk = u["sales_consultant"], u["contract_clerk"]
    owner = customers["c11"]
    # a trade-in needs the new unit
    r = records.start_record(sc, p, "resale", {"owner_customer_id": owner.pk, "property_address": "老城区 2 号",
                                               "trade_in": True})
    refused(GuardFailed, sc, r, "submit_for_valuation", {"property_certificate_no": "C2", "built_area": "88.00",
                                                         "asking_price": "1500000.00", "trade_in": True})
    r = priced(p, u, owner, trade_in=True, new_unit=units[8])
    refused(GuardFailed, sc, r, "publish")

    r = fire(sc, r, "publish_with_trade_in", to="listed")
    assert_open_tasks(r, {FIND})
    assert sale(units[8]) == ("reserved", r.reference)
    ts = child(r, "subscription")
    assert (ts.state, ts.data["trade_in_credit"], ts.data["unit_id"], ts.data["customer_id"]) == (
        "draft", "1450000.00", units[8].pk, owner.pk)
    assert_last_history(ts, kind="start", to_state="draft", actor=sc, details={"parent": r.reference})
    assert_open_tasks(ts, {("prepare_subscription", "work", "sales_consultant")})
    # the trade-in subscription is quoted like any other at 2,997,134.00, the old home's credit paying part of it
    # (2,997,134.00 − 1,450,000.00 left to pay), and takes the hold over when submitted
    ts = fire(sc, ts, "quote", {"unit_id": units[8].pk, "payment_plan": "full"}, to="draft")
    assert (ts.data["deal_price"], ts.data["price_snapshot"]["to_pay"]) == ("2997134.00", "1547134.00")
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"}, to="awaiting_contract")
    assert sale(units[8]) == ("subscribed", ts.reference)

    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c12"].pk}, to="buyer_found")
    r = fire(sc, r, "sign_agreement", AGREEMENT, to="under_agreement")
    r = fire(clerk, r, "submit_transfer", {"transfer_submitted_on": "2026-08-01"}, to="transferring")
    r = fire(clerk, r, "complete_transfer", {"new_certificate_no": "N1", "transfer_date": "2026-08-15"}, to="closed")
    assert_open_tasks(r, set())
    assert sale(units[8]) == ("subscribed", ts.reference)


def test_a_withdrawn_trade_in_releases_the_new_unit_it_still_holds(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    r = priced(p, u, customers["c11"], trade_in=True, new_unit=units[9])
    r = fire(sc, r, "publish_with_trade_in", to="listed")
    assert sale(units[9]) == ("reserved", r.reference)

    r = fire(u["sales_manager"], r, "cancel", {"withdraw_reason": "owner keeps the home"}, to="withdrawn")

    assert_open_tasks(r, set())
    assert sale(units[9]) == ("available", None)


def test_a_withdrawn_trade_in_leaves_the_unit_its_subscription_took_over(world, customers):
    p, u, units = world
    sc, owner = u["sales_consultant"], customers["c11"]
    r = fire(sc, priced(p, u, owner, trade_in=True, new_unit=units[10]), "publish_with_trade_in", to="listed")
    ts = child(r, "subscription")
    ts = fire(sc, ts, "quote", {"unit_id": units[10].pk, "payment_plan": "full"}, to="draft")
    ts = fire(sc, ts, "submit", {"buyers": [{"customer_id": owner.pk}], "deposit": "50000.00"}, to="awaiting_contract")

    r = fire(sc, r, "cancel", {"withdraw_reason": "sold privately"}, to="withdrawn")

    assert sale(units[10]) == ("subscribed", ts.reference)


def test_a_returned_price_is_valued_again(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    r = records.start_record(sc, p, "resale", {"owner_customer_id": customers["c11"].pk, "property_address": "x"})
    r = fire(sc, r, "submit_for_valuation", {"property_certificate_no": "C3", "built_area": "70.00",
                                             "asking_price": "900000.00"}, to="valuation")
    refused(GuardFailed, sc, r, "submit_price", {**PRICE, "floor_price": "1500000.00"})  # floor above the price
    r = fire(sc, r, "submit_price", PRICE, to="price_review")

    r = reject(r, u["finance"], fires="reject_price", to="valuation")

    assert_open_tasks(r, {VALUE})


def test_a_stale_listing_escalates(world, customers):
    p, u, units = world
    r = fire(u["sales_consultant"], priced(p, u, customers["c11"]), "publish", to="listed")

    assert run_timers(timedelta(days=31)) == 1
    assert_escalated(r, "find_buyer", ["sales_manager"])
    assert run_timers(timedelta(days=61)) == 1
    assert_last_history(r, kind="escalate", details={"timer": "stale_listing", "to": ["project_director"]})
    assert_escalated(r, "find_buyer", ["sales_manager", "project_director"])


def test_a_buyer_withdrawn_or_an_agreement_sent_back(world, customers):
    p, u, units = world
    sc = u["sales_consultant"]
    r = fire(sc, priced(p, u, customers["c11"]), "publish", to="listed")
    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c12"].pk}, to="buyer_found")
    with pytest.raises(NotPermitted, match="withdraw a step you did not submit"):
        moves.withdraw(u["sales_manager"], r.pk, "not mine")
    r = withdraw(sc, r, to="listed", comment="wrong buyer")
    assert_open_tasks(r, {FIND})

    r = fire(sc, r, "register_buyer", {"buyer_customer_id": customers["c10"].pk}, to="buyer_found")
    r = fire(sc, r, "sign_agreement", AGREEMENT, to="under_agreement")
    with pytest.raises(TransitionNotAvailable, match="has not been in “Closed” before"):
        moves.send_back(u["contract_clerk"], r.pk, "closed", "never there")
    r = send_back(u["contract_clerk"], r, "buyer_found", "the agreement lacks the co-owner's signature")
    assert_open_tasks(r, {NEGOTIATE})
    assert r.data["agreement_no"] == "M1"

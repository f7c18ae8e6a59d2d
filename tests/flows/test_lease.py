"""Leases 租赁 (flows/lease.yaml) through the service API.

A lease holds its unit (reserved) from the hold until it ends; rent, deposits and their
refunds are in the ledger but outside net (sales) collections. At every step: the record's state and the
history entry the step wrote (checked by the steps), its open tasks, the units' sale
status and who holds them.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves, records

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    complete,
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

LISTED = ("follow_enquiries", "work", "leasing_agent")
PROSPECT = ("negotiate_with_prospect", "work", "leasing_agent")
HELD = ("prepare_terms", "work", "leasing_agent")
TERMS_REVIEW = [("lease_terms_countersign", "approval", "project_director"),
                ("lease_terms_countersign", "approval", "finance")]
ACTIVE = ("manage_tenancy", "work", "leasing_agent")
TERMS = {"monthly_rent": "7800.00", "deposit": "15600.00", "term_start": "2026-07-01", "term_months": 24,
         "rent_free_days": 30, "escalation_rate": "0.05", "payment_cycle": "quarterly"}


def held(p, u, unit, customer, rent="8000.00"):
    ag = u["leasing_agent"]
    lease = records.start_record(ag, p, "lease", {"unit_id": unit.pk, "listing_rent": rent})
    assert_last_history(lease, kind="start", to_state="listing", actor=ag)
    assert_open_tasks(lease, {("prepare_listing", "work", "leasing_agent")})
    refused(GuardFailed, ag, lease, "publish", {"unit_id": unit.pk, "listing_rent": "0.00"})
    lease = fire(ag, lease, "publish", {"unit_id": unit.pk, "listing_rent": rent}, to="listed")
    assert_open_tasks(lease, {LISTED})
    assert pending_timers(lease) == [("long_vacancy", "escalate", ("project_director",))]
    lease = fire(ag, lease, "register_prospect", {"customer_id": customer.pk}, to="prospect")
    assert_open_tasks(lease, {PROSPECT})
    assert sale(unit) == ("available", None)
    lease = fire(ag, lease, "hold_unit", to="held")
    assert_open_tasks(lease, {HELD})
    assert sale(unit) == ("reserved", lease.reference)
    return lease


def active(p, u, unit, customer):
    ag = u["leasing_agent"]
    lease = held(p, u, unit, customer)
    lease = fire(ag, lease, "submit_terms", TERMS, to="terms_review")
    lease = approve(lease, u["project_director"], u["finance"], fires="approve_terms", to="signing")
    return fire(ag, lease, "sign_lease", {"lease_contract_no": "ZL-1", "term_end": "2028-06-30"}, to="active")


def test_leased_expanded_renewed_and_ended_with_the_deposit_settled(world, customers):
    p, u, units = world
    ag, director, fin = u["leasing_agent"], u["project_director"], u["finance"]
    lease = held(p, u, units[6], customers["c9"])
    refused(GuardFailed, ag, lease, "submit_terms", {**TERMS, "escalation_rate": "0.25"})

    lease = fire(ag, lease, "submit_terms", TERMS, to="terms_review")
    assert_open_tasks(lease, TERMS_REVIEW)
    lease = approve(lease, director, fin, fires="approve_terms", to="signing")
    assert_open_tasks(lease, {("sign_lease_contract", "work", "leasing_agent")})
    refused(GuardFailed, ag, lease, "sign_lease", {"lease_contract_no": "ZL-1", "term_end": "2026-06-30"})
    lease = fire(ag, lease, "sign_lease", {"lease_contract_no": "ZL-1", "term_end": "2028-06-30",
                                          "deposit_received": "15600.00"}, to="active")
    assert_open_tasks(lease, {ACTIVE})
    assert sale(units[6]) == ("reserved", lease.reference)

    # 扩租: the additional unit is held while the expansion is approved, released if refused
    expansion = {"expansion_unit": units[7].pk, "expansion_monthly_rent": "15000.00"}
    lease = fire(ag, lease, "request_expansion", expansion, to="expansion_review")
    assert_open_tasks(lease, [("expansion_countersign", "approval", "project_director"),
                              ("expansion_countersign", "approval", "finance")])
    assert sale(units[7]) == ("reserved", lease.reference)
    lease = reject(lease, director, fires="reject_expansion", to="active")
    assert_open_tasks(lease, {ACTIVE})
    assert sale(units[7]) == ("available", None) and lease.data["expansion_unit_id"] is None
    lease = fire(ag, lease, "request_expansion", expansion, to="expansion_review")
    lease = approve(lease, fin, director, fires="approve_expansion", to="active")
    assert lease.data["monthly_rent"] == "15000.00"
    assert sale(units[7]) == ("reserved", lease.reference)
    # one expansion unit per lease
    refused(GuardFailed, ag, lease, "request_expansion", {"expansion_unit": units[8].pk,
                                                         "expansion_monthly_rent": "20000.00"})

    # 续租: refused once, then approved
    renewal = {"renewal_term_end": "2030-06-30", "renewal_rent": "16000.00"}
    lease = fire(ag, lease, "request_renewal", renewal, to="renewal_review")
    assert_open_tasks(lease, {("renewal_approval", "approval", "project_director")})
    lease = reject(lease, director, fires="reject_renewal", to="active")
    assert lease.data["term_end"] == "2028-06-30"
    lease = fire(ag, lease, "request_renewal", renewal, to="renewal_review")
    lease = approve(lease, director, fires="approve_renewal", to="active")
    assert (lease.data["term_end"], lease.data["monthly_rent"]) == ("2030-06-30", "16000.00")
    assert_open_tasks(lease, {ACTIVE})

    # 退租: the agent inspects, finance settles the deposit; both units go back on sale
    lease = fire(ag, lease, "give_notice", {"termination_date": "2030-06-30", "termination_reason": "moving"},
                 to="terminating")
    assert_open_tasks(lease, {("inspect_premises", "work", "leasing_agent"), ("settle_deposit", "work", "finance")})
    settle = {"deposit_deductions": "600.00", "deposit_refund": "15000.00"}
    refused(TransitionNotAvailable, fin, lease, "settle_deposit", settle)
    complete(ag, lease, "inspect_premises")
    assert_open_tasks(lease, {("settle_deposit", "work", "finance")})
    refused(GuardFailed, fin, lease, "settle_deposit", {"deposit_deductions": "600.00", "deposit_refund": "15000.01"})

    lease = fire(fin, lease, "settle_deposit", settle, to="terminated")
    assert_open_tasks(lease, set())
    assert (sale(units[6]), sale(units[7])) == (("available", None), ("available", None))
    # the deposit taken and the part returned, both outside net (sales) collections
    assert payments(lease) == [(lease.reference, "security_deposit", D("15600.00")),
                               (lease.reference, "deposit_refund", D("15000.00"))]


def test_a_hold_not_turned_into_terms_within_7_days_is_released_by_the_timer(world, customers):
    p, u, units = world
    lease = held(p, u, units[10], customers["referrer"], rent="5000.00")
    assert pending_timers(lease) == [("hold_expires", "fire", "release_hold"),
                                     ("prepare_terms_deadline", "escalate", ("project_director",))]

    assert run_timers(timedelta(days=5, hours=1)) == 1
    assert_escalated(lease, "prepare_terms", ["project_director"])
    assert sale(units[10]) == ("reserved", lease.reference)
    assert run_timers(timedelta(days=8)) == 1

    assert_last_history(lease, kind="timer", transition="release_hold", from_state="held", to_state="listed",
                        actor=None, details={"timer": "hold_expires"})
    assert_open_tasks(lease, {LISTED})
    assert sale(units[10]) == ("available", None)


def test_terms_returned_and_the_prospect_lost(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = held(p, u, units[2], customers["c4"])
    lease = fire(ag, lease, "submit_terms", TERMS, to="terms_review")

    lease = reject(lease, u["finance"], fires="reject_terms", to="held")
    assert_open_tasks(lease, {HELD})
    assert sale(units[2]) == ("reserved", lease.reference)

    lease = fire(ag, lease, "release_hold", to="listed")
    assert sale(units[2]) == ("available", None)
    lease = fire(ag, lease, "register_prospect", {"customer_id": customers["c5"].pk}, to="prospect")
    lease = fire(ag, lease, "lose_prospect", {"reason": "found cheaper"}, to="listed")
    assert_open_tasks(lease, {LISTED})


def test_cancelling_a_held_lease_releases_the_unit(world, customers):
    p, u, units = world
    lease = held(p, u, units[3], customers["c6"])
    refused(NotPermitted, u["finance"], lease, "cancel", {"cancel_reason": "x"})

    lease = fire(u["project_director"], lease, "cancel", {"cancel_reason": "owner use"}, to="cancelled")

    assert_open_tasks(lease, set())
    assert sale(units[3]) == ("available", None) and pending_timers(lease) == []


def test_an_incomplete_listing_is_cancelled(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = records.start_record(ag, p, "lease", {})
    lease = fire(ag, lease, "cancel", {"cancel_reason": "no"}, to="cancelled")
    assert_open_tasks(lease, set())


def test_lease_to_buy_hands_the_unit_to_a_subscription(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    tenant = customers["c7"]
    lease = active(p, u, units[4], tenant)

    lease = fire(mgr, lease, "convert_to_purchase", to="converted")

    assert_open_tasks(lease, set())
    sub = child(lease, "subscription")
    assert (sub.state, sub.data["unit_id"], sub.data["customer_id"]) == ("draft", units[4].pk, tenant.pk)
    assert_last_history(sub, kind="start", to_state="draft", actor=mgr, details={"parent": lease.reference})
    assert_open_tasks(sub, {("prepare_subscription", "work", "sales_consultant")})
    assert sale(units[4]) == ("reserved", lease.reference)
    sub = fire(sc, sub, "quote", {"unit_id": units[4].pk, "payment_plan": "full"}, to="draft")
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": tenant.pk}], "deposit": "30000.00"},
               to="awaiting_contract")
    assert sale(units[4]) == ("subscribed", sub.reference)


def test_a_long_vacancy_escalates(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = records.start_record(ag, p, "lease", {"unit_id": units[5].pk, "listing_rent": "6000.00"})
    lease = fire(ag, lease, "publish", {"unit_id": units[5].pk, "listing_rent": "6000.00"}, to="listed")

    assert run_timers(timedelta(days=61)) == 1

    assert_last_history(lease, kind="escalate", details={"timer": "long_vacancy", "to": ["project_director"]})
    assert_escalated(lease, "follow_enquiries", ["project_director"])


def test_a_prospect_withdrawn_or_sent_back(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = records.start_record(ag, p, "lease", {"unit_id": units[9].pk, "listing_rent": "6000.00"})
    lease = fire(ag, lease, "publish", {"unit_id": units[9].pk, "listing_rent": "6000.00"}, to="listed")
    lease = fire(ag, lease, "register_prospect", {"customer_id": customers["c8"].pk}, to="prospect")
    lease = withdraw(ag, lease, to="listed", comment="wrong customer")
    assert_open_tasks(lease, {LISTED})

    lease = fire(ag, lease, "register_prospect", {"customer_id": customers["c9"].pk}, to="prospect")
    lease = send_back(u["project_director"], lease, "listed", "the prospect's documents are missing")
    assert_open_tasks(lease, {LISTED})
    assert sale(units[9]) == ("available", None)

    lease = fire(ag, lease, "register_prospect", {"customer_id": customers["c9"].pk}, to="prospect")
    lease = fire(ag, lease, "hold_unit", to="held")
    with pytest.raises(TransitionNotAvailable, match="ran actions"):
        moves.withdraw(ag, lease.pk, "x")
    assert sale(units[9]) == ("reserved", lease.reference)


def test_a_lease_sent_back_before_its_hold_does_not_keep_the_unit(world, customers):
    p, u, units = world
    ag = u["leasing_agent"]
    lease = held(p, u, units[9], customers["c9"])
    lease = send_back(u["project_director"], lease, "prospect", "terms not agreed yet")
    assert_open_tasks(lease, {PROSPECT})

    lease = fire(ag, lease, "lose_prospect", {"reason": "found cheaper"}, to="listed")

    assert sale(units[9]) == ("available", None)

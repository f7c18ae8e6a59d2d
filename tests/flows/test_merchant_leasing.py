"""Merchant leasing 招商 (flows/merchant_leasing.yaml) through the service API.

The shop is held (reserved) from the terms approval on; rent and deposits stay on the
record. At every step: the record's state and the history entry the step wrote
(checked by the steps), its open tasks, the shop's sale status and who holds it.
"""
from datetime import timedelta

import pytest

from engine.runtime import GuardFailed, NotPermitted, TransitionNotAvailable, moves, records

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
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

QUALIFICATION = [("check_licence", "work", "merchant_manager"), ("check_brand", "work", "merchant_manager")]
FIT = ("match_format_plan", "work", "merchant_manager")
NEGOTIATE = ("negotiate_terms", "work", "merchant_manager")
TERMS_REVIEW = [("terms_countersign", "approval", "project_director"), ("terms_countersign", "approval", "finance")]
CONTRACTING = ("sign_lease", "work", ("merchant_manager", "contract_clerk"))
LICENCE = {"licence_no": "91310000X", "licence_valid_until": "2030-01-01", "brand": "好味",
           "brand_authorisation": "brand_owner"}
TERMS = {"monthly_rent": "36000.00", "deposit": "108000.00", "term_months": 60, "fit_out_days": 60}
OPENED = ("collect_rent_on_schedule", "work", "merchant_manager")


def qualified(p, u, business_format="food_beverage"):
    mm = u["merchant_manager"]
    m = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "好味餐饮", "business_format": business_format})
    assert_last_history(m, kind="start", to_state="lead", actor=mm)
    assert_open_tasks(m, {("qualify_lead", "work", "merchant_manager")})
    m = fire(mm, m, "submit_qualification", LICENCE, to="qualification")
    assert_open_tasks(m, QUALIFICATION)
    refused(TransitionNotAvailable, mm, m, "qualify", {"grade": "A"})  # both checks first
    complete(mm, m, "check_licence")
    assert_open_tasks(m, {QUALIFICATION[1]})
    complete(mm, m, "check_brand")
    assert_open_tasks(m, set())
    m = fire(mm, m, "qualify", {"grade": "A"}, to="format_fit")
    assert_open_tasks(m, {FIT})
    return m


def terms_submitted(p, u, unit):
    """A retail lead qualified for the retail `unit`, its terms submitted for the countersign."""
    mm = u["merchant_manager"]
    m = fire(mm, qualified(p, u, business_format="retail"), "confirm_fit", {
        "unit_id": unit.pk, "planned_format": "retail", "leasable_area": "60.00"}, to="negotiation")
    return fire(mm, m, "submit_terms", TERMS, to="terms_review")


def test_a_fitting_merchant_negotiates_signs_fits_out_and_opens(world, customers):
    p, u, units = world
    mm, clerk = u["merchant_manager"], u["contract_clerk"]
    m = qualified(p, u, business_format="retail")
    shop = {"unit_id": units[2].pk, "planned_format": "retail", "leasable_area": "120.50"}
    refused(GuardFailed, mm, m, "request_format_exception", {**shop, "exception_reason": "x"})  # the formats match

    m = fire(mm, m, "confirm_fit", shop, to="negotiation")
    assert_open_tasks(m, {NEGOTIATE})
    assert sale(units[2]) == ("available", None)  # not held while negotiating
    refused(GuardFailed, mm, m, "submit_terms", {**TERMS, "rent_free_days": 1800})
    m = fire(mm, m, "submit_terms", TERMS, to="terms_review")
    assert_open_tasks(m, TERMS_REVIEW)
    m = approve(m, u["finance"], u["project_director"], fires="approve_terms", to="contracting")
    assert_open_tasks(m, {CONTRACTING})
    assert sale(units[2]) == ("reserved", m.reference)

    m = fire(clerk, m, "sign_lease", {"lease_contract_no": "SZ-1", "signed_on": "2026-09-01",
                                      "fit_out_start": "2026-09-10"}, to="fit_out")
    assert_open_tasks(m, {("supervise_fit_out", "work", "merchant_manager")})
    refused(GuardFailed, mm, m, "open", {"opening_date": "2026-09-01", "grade": "S"})  # before the fit-out
    m = fire(mm, m, "open", {"opening_date": "2026-11-10", "grade": "S"}, to="opened")

    # the running lease: rent is collected on schedule until a notice ends it (tests/flows/test_lease_rent.py)
    assert_open_tasks(m, {OPENED})
    assert m.data["grade"] == "S" and not m.is_closed
    assert sale(units[2]) == ("reserved", m.reference)  # let: it cannot be let or sold twice
    assert payments(m) == []


def test_a_format_exception_approved_by_the_director(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = qualified(p, u)
    shop = {"unit_id": units[9].pk, "planned_format": "retail", "leasable_area": "120.50"}
    refused(GuardFailed, mm, m, "confirm_fit", shop)

    m = fire(mm, m, "request_format_exception", {**shop, "exception_reason": "anchor"}, to="format_exception_review")
    assert_open_tasks(m, {("format_exception_approval", "approval", "project_director")})
    m = approve(m, u["project_director"], fires="approve_exception", to="negotiation")
    assert_open_tasks(m, {NEGOTIATE})
    m = fire(mm, m, "submit_terms", TERMS, to="terms_review")
    m = approve(m, u["project_director"], u["finance"], fires="approve_terms", to="contracting")
    assert sale(units[9]) == ("reserved", m.reference)
    m = fire(mm, m, "sign_lease", {"lease_contract_no": "SZ-1", "signed_on": "2026-09-01",
                                   "fit_out_start": "2026-09-10"}, to="fit_out")
    m = fire(mm, m, "open", {"opening_date": "2026-11-10", "grade": "S"}, to="opened")
    assert_open_tasks(m, {OPENED})


def test_a_format_exception_refused_goes_back_to_the_plan(world, customers):
    p, u, units = world
    m = qualified(p, u)
    m = fire(u["merchant_manager"], m, "request_format_exception", {
        "unit_id": units[3].pk, "planned_format": "retail", "leasable_area": "80.00", "exception_reason": "x"},
        to="format_exception_review")

    m = reject(m, u["project_director"], fires="reject_exception", to="format_fit")

    assert_open_tasks(m, {FIT})
    assert sale(units[3]) == ("available", None)


def test_terms_returned_then_the_deal_lost(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = fire(mm, qualified(p, u), "request_format_exception", {
        "unit_id": units[4].pk, "planned_format": "retail", "leasable_area": "80.00", "exception_reason": "x"},
        to="format_exception_review")
    m = approve(m, u["project_director"], fires="approve_exception", to="negotiation")
    m = fire(mm, m, "submit_terms", TERMS, to="terms_review")

    m = reject(m, u["finance"], fires="reject_terms", to="negotiation")
    assert_open_tasks(m, {NEGOTIATE})
    assert sale(units[4]) == ("available", None)

    m = fire(mm, m, "lose_deal", {"lost_reason": "rent too high"}, to="lost")
    assert_open_tasks(m, set())


def test_a_lead_not_qualified_is_lost(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "无照小店", "business_format": "retail"})
    m = fire(mm, m, "submit_qualification", {**LICENCE, "brand": "无"}, to="qualification")

    m = fire(mm, m, "disqualify", {"lost_reason": "licence expired"}, to="lost")

    assert_open_tasks(m, set())
    assert pending_timers(m) == []


def test_cancelling_after_the_terms_approval_releases_the_shop(world, customers):
    p, u, units = world
    m = approve(terms_submitted(p, u, units[5]), u["project_director"], u["finance"], fires="approve_terms",
                to="contracting")
    assert sale(units[5]) == ("reserved", m.reference)
    refused(NotPermitted, u["finance"], m, "cancel", {"cancel_reason": "x"})

    m = fire(u["project_director"], m, "cancel", {"cancel_reason": "merchant withdrew"}, to="cancelled")

    assert_open_tasks(m, set())
    assert sale(units[5]) == ("available", None)


def test_an_idle_lead_escalates(world, customers):
    p, u, units = world
    m = records.start_record(u["merchant_manager"], p, "merchant_leasing",
                             {"merchant_name": "慢", "business_format": "retail"})

    assert run_timers(timedelta(days=7, hours=1)) == 1

    assert_escalated(m, "qualify_lead", ["project_director"])


def test_terms_withdrawn_or_a_negotiation_sent_back(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = withdraw(mm, terms_submitted(p, u, units[6]), to="negotiation", comment="rent to be revised")
    assert_open_tasks(m, {NEGOTIATE})

    with pytest.raises(TransitionNotAvailable, match="has not been in “Contracting” before"):
        moves.send_back(mm, m.pk, "contracting", "never there")
    m = send_back(mm, m, "format_fit", "the shop's plan changed")
    assert_open_tasks(m, {FIT})
    assert sale(units[6]) == ("available", None)

"""The shipped flows and points: referral points at signing (`when:`), purchase points taken back on cancellation.

A deal of 2 000 000.00 (list price, 100.00 m², paid in full: 98 折 → 1 960 000.00) earns
its buyer 19 600 points under the rules below; a referrer earns 3 000.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine import versions
from engine.models import Record, Task
from engine.runtime import approvals, records, transitions
from extensions import registry
from extensions.rulesets import publish_rules
from kernel.models import Customer, Project, Unit
from plugins.points.ledger import balance
from plugins.points.models import PointsEntry
from tests.kernel.conftest import make_units, make_user

from .conftest import make_ctx

ROLES = ["sales_consultant", "sales_manager", "project_director", "finance", "contract_clerk", "handover_staff",
         "customer_service"]
FLOWS = ["subscription", "contract", "mortgage", "handover", "defect", "area_settlement"]
RULES = {
    "pricing": {"basis": "built_area", "base_price": "20000.00",
                "discounts": [{"code": "full_payment", "title": "一次性付款 98 折", "multiplier": "0.98",
                               "payment_plans": ["full"]}],
                "manual_discount": {"consultant_allowance": "0.02", "countersign_above": "0.05", "maximum": "0.10"}},
    "commission": {"channels": [], "consultant": {"mode": "whole_bracket", "tiers": [{"from": 1, "rate": "0.003"}]},
                   "payable": {"requires_filing": True, "collected_share": "0.30"}},
    "points": {"purchase": {"yuan_per_point": "100.00", "cap": 20000}, "referral": {"points": 3000},
               "levels": [{"code": "member", "title": "普通会员", "from": 0}],
               "redemption": {"yuan_per_point": "0.10", "minimum": 100}},
}


@pytest.fixture
def world(db):
    p = Project.objects.create(code="PT", name="Points")
    users = {r: make_user(r, p, r) for r in ROLES}
    units = make_units(p, 3)
    Unit.objects.filter(project=p).update(list_price=Decimal("2000000.00"), built_area=Decimal("100.00"),
                                            inner_area=Decimal("80.00"))
    for flow in FLOWS:
        versions.publish(p, flow)
    for plugin, config in RULES.items():
        publish_rules(p, plugin, config)
    buyer, referrer = (Customer.objects.create(name=n, phone=f"+861390000000{i}") for i, n in enumerate(("买方", "推荐人")))
    return p, users, units, buyer, referrer


def fire(user, record, name, form=None):
    return transitions.fire(user, record.pk, name, form or {})


def approve_all(record, users):
    """Every open approval slot of the record approved by someone holding its role."""
    while True:
        slot = Task.objects.filter(record_id=record.pk, status="open", kind="approval").order_by("pk").first()
        if slot is None:
            return Record.objects.get(pk=record.pk)
        approvals.vote(users[slot.roles[0]], slot.pk, "approve")


def child(record, flow):
    return Record.objects.get(parent_id=record.pk, flow=flow)


def signed_contract(world, unit, *, referrer=None):
    p, u, _, buyer, _ = world
    sc, clerk = u["sales_consultant"], u["contract_clerk"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": buyer.pk, "unit_id": unit.pk})
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full"})
    terms = {"buyers": [{"customer_id": buyer.pk}], "deposit": "100000.00"}
    sub = fire(sc, sub, "submit", {**terms, **({"referrer_id": referrer.pk} if referrer else {})})
    sub = fire(clerk, sub, "sign")
    con = fire(clerk, child(sub, "contract"), "submit_for_review", {
        "contract_no": f"HT-{unit.pk}", "area_basis": "built", "contract_area": "100.00",
        "delivery_date": "2027-12-31"})
    con = approve_all(con, u)
    return fire(clerk, con, "sign", {"signed_on": "2026-06-01", "down_payment": "1800000.00"})


def reversals():
    return list(PointsEntry.objects.filter(kind="reverse").values_list("points", "shortfall", "note"))


def test_signing_awards_the_referrers_points_when_there_is_a_referrer(world):
    p, u, units, buyer, referrer = world

    con = signed_contract(world, units[0], referrer=referrer)

    assert (con.state, con.data["points_awarded"], con.data["referral_points_awarded"]) == ("signed", 19600, 3000)
    assert (balance(p.pk, buyer.pk), balance(p.pk, referrer.pk)) == (19600, 3000)
    # the step of its own is still there, and awards nothing more
    con = fire(u["sales_manager"], con, "award_referral_points")
    assert (con.state, con.data["referral_points_awarded"], balance(p.pk, referrer.pk)) == ("signed", 3000, 3000)


def test_signing_without_a_referrer_skips_the_referral_award(world):
    p, _, units, buyer, referrer = world

    con = signed_contract(world, units[0])

    assert con.state == "signed" and "referral_points_awarded" not in con.data
    assert (balance(p.pk, buyer.pk), balance(p.pk, referrer.pk)) == (19600, 0)


def test_an_approved_cancellation_takes_the_purchase_points_back(world):
    # given: a signed, referred deal whose buyer has redeemed 600 of the points
    p, u, units, buyer, referrer = world
    con = signed_contract(world, units[0], referrer=referrer)
    registry.implementation("points.redeem")(make_ctx(p, flow="redemption"), customer=buyer.pk, points=600)
    con = fire(u["sales_manager"], con, "request_cancel", {"cancel_reason": "buyer withdrew"})

    # when: the countersign approves the cancellation
    con = approve_all(con, u)

    # then: the buyer's purchase points are gone, the 600 spent ones noted as a shortfall
    # (the buyer has no other points); the referrer keeps the referral points
    assert con.state == "refund_pending"
    assert (balance(p.pk, buyer.pk), balance(p.pk, referrer.pk)) == (0, 3000)
    assert reversals() == [(-19000, 600, "buyer withdrew")]


def test_cancelling_before_signing_has_no_points_to_take_back(world):
    p, u, units, buyer, _ = world
    sc = u["sales_consultant"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": buyer.pk, "unit_id": units[0].pk})
    sub = fire(sc, sub, "quote", {"unit_id": units[0].pk, "payment_plan": "full"})
    sub = fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk}], "deposit": "100000.00"})
    con = child(fire(u["contract_clerk"], sub, "sign"), "contract")

    con = fire(u["project_director"], con, "cancel", {"cancel_reason": "changed mind"})

    assert con.state == "refund_pending" and reversals() == []


def test_a_buyer_cancelling_at_the_area_settlement_loses_the_purchase_points(world):
    # given: a filed deal whose measured area is 10 % short (beyond the band: the buyer may cancel)
    p, u, units, buyer, _ = world
    clerk = u["contract_clerk"]
    con = signed_contract(world, units[1])
    con = fire(clerk, con, "submit_filing", {"filing_submitted_on": "2026-06-02"})
    con = fire(clerk, con, "file", {"filing_number": "F-1", "filed_on": "2026-06-05"})
    ho = fire(u["handover_staff"], child(con, "handover"), "issue_notice", {"notice_date": "2027-11-01"})
    ars = fire(clerk, child(ho, "area_settlement"), "enter_survey", {"measured_area": "90.00", "survey_report_no": "SV"})
    ars = approve_all(ars, u)
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"})
    assert balance(p.pk, buyer.pk) == 19600

    # when
    ars = fire(u["project_director"], ars, "buyer_cancels", {"cancel_reason": "area -10 %"})

    # then: the settlement, a later record of the same deal, took the contract's award back
    assert (ars.state, balance(p.pk, buyer.pk)) == ("refund_pending", 0)
    assert reversals() == [(-19600, 0, "area -10 %")]

"""The test project S1 the per-flow scenarios run in: a user per role, twelve units, every flow
published, and pricing, commission and points rules (issues 5 and 6).

The subscription's quote, the contract's commission and points and the area
settlement's figures all come from these rules. Nothing depends on today's date (the
engine acts at the real time; timers are fired by moving the clock forward).
"""
import pytest

from engine import versions
from extensions.rulesets import publish_rules
from kernel.models import Customer, Project
from tests.kernel.conftest import make_units, make_user

FLOWS = ["queue_number", "reservation", "subscription", "contract", "mortgage", "handover", "defect",
         "area_settlement", "lease", "resale", "merchant_leasing"]
ROLES = ["sales_consultant", "sales_manager", "project_director", "finance", "contract_clerk",
         "mortgage_specialist", "customer_service", "handover_staff", "leasing_agent", "merchant_manager",
         "channel_agent", "engineer"]

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
    """(project, {role: user}, units): 12 units of 128.50 m² at a list price of 3 058 300.00."""
    # a stale settings allowance of 10 %: the flows no longer read it, the pricing rules decide
    p = Project.objects.create(code="S1", name="Smoke", settings={"discount_allowance": "0.10"})
    users = {r: make_user(r, p, r) for r in ROLES}
    units = make_units(p, 12)
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

"""docs/plugins.md stays true: its example rules are the shipped ones, its flow validates and runs.

The engine does not list plugin actions yet; `wired` does what its owner will add
(plugin specs in the validator's catalogue, plugin implementations in the action
runner), so this test also proves the calling contract works through the engine.
"""
import dataclasses
import json
import re
import shutil
from decimal import Decimal as D

import pytest

from accounts.models import Membership, User
from definitions import ActionCatalogue, build
from definitions.yamlio import load_yaml
from engine import environment as engine_environment
from engine import versions
from engine.models import Task
from engine.runtime import GuardFailed, approvals, records, transitions
from engine.runtime.errors import ActionFailed
from extensions import registry
from extensions.rulesets import publish_rules
from kernel import actions as kernel_actions
from kernel.models import SaleStatus
from plugins.commission.models import CommissionEntry
from plugins.points.models import PointsAccount

from .conftest import ROOT, example_rules, make_customer, make_unit

DOC = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


def block(marker: str) -> str:
    return re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)```", DOC, re.S).group(1)


@pytest.mark.parametrize("plugin", ["pricing", "commission", "points"])
def test_the_documented_rules_are_the_shipped_examples(plugin):
    assert json.loads(block(f"example-rules: {plugin}")) == example_rules(plugin)


@pytest.fixture
def wired(monkeypatch, settings, tmp_path):
    flows, schemas = tmp_path / "flows", tmp_path / "schemas"
    flows.mkdir()
    shutil.copytree(ROOT / "schemas", schemas)
    (flows / "priced_deal.yaml").write_text(block("example-flow: priced_deal"), encoding="utf-8")
    (schemas / "priced_deal.json").write_text(block("example-entity: priced_deal"), encoding="utf-8")
    settings.FLOWS_DIR, settings.SCHEMAS_DIR = flows, schemas
    engine_catalogue = engine_environment.action_catalogue
    # only what is missing, so this keeps working once the engine lists plugin actions itself
    monkeypatch.setattr(engine_environment, "action_catalogue", lambda: ActionCatalogue.of(
        tuple(engine_catalogue().actions.values())
        + tuple(s for s in registry.action_specs() if engine_catalogue().get(s.name) is None)))
    for name, implementation in registry.implementations().items():
        monkeypatch.setitem(kernel_actions.IMPLEMENTATIONS, name, implementation)
    return flows


def test_the_documented_flow_is_valid_with_the_plugin_actions(wired):
    env = engine_environment.environment()
    loaded = load_yaml(block("example-flow: priced_deal"), "docs/plugins.md")

    definition = build(loaded.data, env, "docs/plugins.md", loaded.lines)

    assert [a.action for a in definition.transition("sign").actions] == [
        "unit.advance", "commission.accrue", "points.award"]


def test_without_the_plugin_actions_the_validator_names_each_unknown_one(wired):
    env = dataclasses.replace(engine_environment.environment(), actions=ActionCatalogue.of(kernel_actions.SPECS))
    loaded = load_yaml(block("example-flow: priced_deal"), "docs/plugins.md")

    problems = []
    try:
        build(loaded.data, env, "docs/plugins.md", loaded.lines)
    except Exception as exc:  # DefinitionError
        problems = [p.render() for p in exc.problems if p.code == "ref.unknown_action"]

    assert problems == [
        "docs/plugins.md: transitions[0].actions[0].action: unknown action 'pricing.quote'",
        "docs/plugins.md: transitions[5].actions[1].action: unknown action 'commission.accrue'",
        "docs/plugins.md: transitions[5].actions[2].action: unknown action 'points.award'",
        "docs/plugins.md: transitions[6].actions[1].action: unknown action 'commission.release'; "
        "did you mean 'unit.release'?",
        "docs/plugins.md: transitions[7].actions[1].action: unknown action 'commission.release'; "
        "did you mean 'unit.release'?",
        "docs/plugins.md: transitions[9].actions[1].action: unknown action 'commission.claw_back'",
        "docs/plugins.md: transitions[9].actions[2].action: unknown action 'points.reverse'; "
        "did you mean 'unit.release'?",
    ]


@pytest.fixture
def deal_world(wired, project, commission_rules, points_rules):
    # the engine acts at the real time: keep the launch discount open whatever today is
    pricing = example_rules("pricing")
    del pricing["discounts"][2]["valid_until"]
    publish_rules(project, "pricing", pricing)
    people = {}
    for username, role in [("consultant", "sales_consultant"), ("manager", "sales_manager"),
                           ("clerk", "contract_clerk"), ("fin", "finance")]:
        people[username] = User.objects.create_user(username, password="x")
        Membership.objects.create(user=people[username], project=project, role=role)
    versions.publish(project, "priced_deal")
    return people, make_unit(project), make_customer()


def test_a_deal_quoted_approved_signed_filed_and_paid_through_the_engine(deal_world, project):
    people, unit, buyer = deal_world
    record = records.start_record(people["consultant"], project, "priced_deal", {})

    # quote: full payment, a referral, 3 % off by hand (above the 2 % allowance)
    record = transitions.fire(people["consultant"], record.pk, "quote", {
        "unit_id": unit.pk, "customer_id": buyer.pk, "consultant_id": people["consultant"].pk,
        "channel": "agency_a", "payment_plan": "full", "discount_codes": ["referral"], "discount_rate": "0.03"})
    # 2 937 491.03 (the chain) × 0.97 = 2 849 366.2991 → 2 849 366.30 → 2 849 366.00
    assert (record.data["deal_price"], record.data["price_snapshot"]["approval"]) == ("2849366.00", "approval")

    # the guard reads the frozen quote: submitting without approval is refused in the definition's words
    with pytest.raises(GuardFailed) as refused:
        transitions.fire(people["consultant"], record.pk, "submit", {})
    assert refused.value.message("zh") == "折扣超出权限，请提交审批"

    record = transitions.fire(people["consultant"], record.pk, "submit_for_approval", {})
    approvals.vote(people["manager"], Task.objects.get(record=record, status="open").pk, "approve", "ok")
    record = transitions.fire(people["clerk"], record.pk, "sign", {})

    # signing accrued commission and awarded points
    assert record.data["points_awarded"] == 20000  # 28 493 capped at 20 000
    assert list(CommissionEntry.objects.order_by("id").values_list("beneficiary_kind", "amount", "status")) == [
        ("channel", D("42740.49"), "accrued"),       # 2 849 366.00 × 1.5 % = 42 740.49
        ("consultant", D("8548.10"), "accrued"),     # × 0.3 % = 8 548.098
    ]
    assert PointsAccount.objects.get(customer=buyer).level == "gold"

    # filed, then 900 000.00 collected (more than 30 % = 854 809.80): commission payable
    transitions.fire(people["clerk"], record.pk, "file", {})
    assert set(CommissionEntry.objects.values_list("status", flat=True)) == {"accrued"}
    record = transitions.fire(people["fin"], record.pk, "collect", {"amount": "900000.00"})
    assert set(CommissionEntry.objects.values_list("status", flat=True)) == {"payable"}
    unit.refresh_from_db()
    assert (record.state, unit.status) == ("filed", SaleStatus.FILED)


def test_a_plugin_refusal_reaches_the_user_and_leaves_nothing_behind(deal_world, project):
    people, unit, buyer = deal_world
    record = records.start_record(people["consultant"], project, "priced_deal", {})

    with pytest.raises(ActionFailed) as refused:
        transitions.fire(people["consultant"], record.pk, "quote", {
            "unit_id": unit.pk, "customer_id": buyer.pk, "consultant_id": people["consultant"].pk,
            "payment_plan": "installments", "discount_codes": ["staff"]})

    assert refused.value.message("zh") == "本项目定价规则中没有折扣「staff」（现有：full_payment, mortgage, launch, referral）"
    record.refresh_from_db()
    assert (record.state, record.revision, record.data) == ("draft", 1, {})


def test_cancelling_a_signed_deal_reverses_its_commission(deal_world, project):
    people, unit, buyer = deal_world
    record = records.start_record(people["consultant"], project, "priced_deal", {})
    transitions.fire(people["consultant"], record.pk, "quote", {
        "unit_id": unit.pk, "customer_id": buyer.pk, "consultant_id": people["consultant"].pk,
        "channel": "agency_a", "payment_plan": "commercial_mortgage"})
    transitions.fire(people["consultant"], record.pk, "submit", {})
    transitions.fire(people["clerk"], record.pk, "sign", {})

    transitions.fire(people["manager"], record.pk, "cancel", {"cancel_reason": "buyer withdrew"})

    unit.refresh_from_db()
    assert unit.status == SaleStatus.AVAILABLE
    assert set(CommissionEntry.objects.values_list("status", flat=True)) == {"reversed"}

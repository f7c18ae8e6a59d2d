"""The demo's two projects: one subscription template, overrides and plugin rules of their own."""
from decimal import ROUND_DOWN, Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from engine import versions
from engine.models import Record, Task
from engine.runtime import records, transitions
from extensions.models import RuleSet
from kernel.models import Customer, Project, Unit
from plugins.commission.models import CommissionEntry
from plugins.points.ledger import balance as points_balance


@pytest.fixture
def demo(db):
    call_command("load_demo", "--no-history", stdout=StringIO())
    return {code: Project.objects.get(code=code) for code in ("DEMO", "DEMO2")}


def offer(project, consultant, rate="0.03"):
    """Quote the first available unit, full payment, `rate` off by hand, and submit it for approval."""
    unit = Unit.objects.filter(project=project, status="available").order_by("code").first()
    customer = Customer.objects.order_by("pk").first()
    record = records.start_record(consultant, project, "subscription", {"customer_id": customer.pk})
    record = transitions.fire(consultant, record.pk, "quote", {"unit_id": unit.pk, "payment_plan": "full",
                                                               "discount_rate": rate})
    form = {"buyers": [{"customer_id": customer.pk}], "deposit": "50000.00"}
    return unit, transitions.fire(consultant, record.pk, "submit", form)


def test_same_template_two_projects_two_behaviours(demo):
    consultant = User.objects.get(username="consultant")

    unit, in_demo = offer(demo["DEMO"], consultant)
    unit2, in_demo2 = offer(demo["DEMO2"], consultant)

    # DEMO: the sales manager alone approves a 3 % discount
    assert sorted(t.roles[0] for t in Task.objects.filter(record=in_demo, status="open")) == ["sales_manager"]
    # DEMO2: finance and the director countersign it, one slot each
    assert sorted(t.roles[0] for t in Task.objects.filter(record=in_demo2, status="open")) == [
        "finance", "project_director"]
    definition = versions.definition_of(versions.published_version(demo["DEMO2"], "subscription"))
    assert definition.state("awaiting_contract").deadline.after.days == 3
    assert versions.definition_of(versions.published_version(demo["DEMO"], "subscription")) \
        .state("awaiting_contract").deadline.after.days == 7
    # and the template file is the same for both
    a = versions.published_version(demo["DEMO"], "subscription")
    b = versions.published_version(demo["DEMO2"], "subscription")
    assert a.template_hash == b.template_hash and a.content_hash != b.content_hash


def test_each_project_prices_with_its_own_rules(demo):
    consultant = User.objects.get(username="consultant")

    unit, in_demo = offer(demo["DEMO"], consultant)
    unit2, in_demo2 = offer(demo["DEMO2"], consultant)

    # DEMO: full payment 98 折, 3 % by hand, rounded down to the yuan
    quote = in_demo.data["price_snapshot"]
    chain = (unit.list_price * Decimal("0.98")).quantize(Decimal("0.01"))
    assert [d["code"] for d in quote["discounts"]] == ["full_payment"] and quote["discounts"][0]["after"] == str(chain)
    after_manual = (chain * Decimal("0.97")).quantize(Decimal("0.01"))
    assert Decimal(quote["deal_price"]) == after_manual.quantize(Decimal("1"), ROUND_DOWN)
    assert (quote["approval"], quote["manual_discount"]["consultant_allowance"]) == ("approval", "0.02")
    # DEMO2: full payment 97 折, rounded down to 100 yuan; 1 % is its consultants' allowance
    quote2 = in_demo2.data["price_snapshot"]
    chain2 = (unit2.list_price * Decimal("0.97")).quantize(Decimal("0.01"))
    assert quote2["discounts"][0]["after"] == str(chain2)
    assert Decimal(quote2["deal_price"]) % 100 == 0
    assert (quote2["approval"], quote2["manual_discount"]["consultant_allowance"]) == ("approval", "0.01")
    assert in_demo2.data["deal_price"] == quote2["deal_price"] and in_demo2.data["list_price"] == str(unit2.list_price)
    # 1.5 % off needs nobody in DEMO, an approval in DEMO2
    customer = Customer.objects.order_by("pk").first()
    for project, expected in ((demo["DEMO"], "none"), (demo["DEMO2"], "approval")):
        record = records.start_record(consultant, project, "subscription", {"customer_id": customer.pk})
        record = transitions.fire(consultant, record.pk, "quote", {
            "unit_id": Unit.objects.filter(project=project, status="available").order_by("-code").first().pk,
            "payment_plan": "commercial_mortgage", "discount_rate": "0.015"})
        assert record.data["price_snapshot"]["approval"] == expected


def test_the_demo_publishes_each_projects_rules_once_and_its_deals_use_them(demo):
    assert sorted(RuleSet.objects.values_list("project__code", "plugin", "revision")) == [
        ("DEMO", "commission", 1), ("DEMO", "points", 1), ("DEMO", "pricing", 1),
        ("DEMO2", "commission", 1), ("DEMO2", "points", 1), ("DEMO2", "pricing", 1)]
    assert RuleSet.objects.get(project=demo["DEMO2"], plugin="commission").config["channels"][0]["code"] == (
        "riverside_agency")

    # the demo's subscription was quoted under DEMO's rules: mortgage 99 折, 1 % by hand, no approval
    sub = Record.objects.get(project=demo["DEMO"], flow="subscription", state="awaiting_contract",
                             data__unit_id=Unit.objects.get(project=demo["DEMO"], code="5-1203").pk)
    quote = sub.data["price_snapshot"]
    unit = Unit.objects.get(pk=sub.data["unit_id"])
    assert (unit.code, unit.status, quote["list_price"]) == ("5-1203", "subscribed", str(unit.list_price))
    assert [d["code"] for d in quote["discounts"]] == ["mortgage"]
    assert (quote["manual_discount"]["rate"], quote["approval"], quote["rules_revision"]) == ("0.01", "none", 1)
    assert sub.data["deal_price"] == quote["deal_price"]

    # the demo's signed contract: commission accrued, purchase and referral points awarded
    contract = Record.objects.get(project=demo["DEMO"], flow="contract",
                                  data__unit_id=Unit.objects.get(project=demo["DEMO"], code="3-0801").pk)
    buyer, referrer = Customer.objects.get(name="黄强"), Customer.objects.get(name="张伟")
    assert (contract.state, contract.data["deal_price"], contract.data["referrer_id"]) == (
        "signed", "3531721.00", referrer.pk)
    assert Unit.objects.get(project=demo["DEMO"], code="3-0801").status == "signed"
    consultant2 = User.objects.get(username="consultant2")
    assert sorted(CommissionEntry.objects.filter(deal__record_id=contract.pk)
                  .values_list("beneficiary_kind", "beneficiary", "amount", "status")) == [
        ("consultant", str(consultant2.pk), Decimal("10595.16"), "accrued"),   # 0.3 % of 3 531 721.00
        ("referrer", str(referrer.pk), Decimal("5000.00"), "accrued")]
    assert (points_balance(demo["DEMO"].pk, buyer.pk), points_balance(demo["DEMO"].pk, referrer.pk)) == (20000, 3000)

    # loading again keeps the rules someone changed since
    RuleSet.objects.filter(project=demo["DEMO"], plugin="points").update(config={
        **RuleSet.objects.get(project=demo["DEMO"], plugin="points").config, "expiry_days": 365})
    out = StringIO()
    call_command("load_demo", "--no-history", stdout=out)
    assert "rules" not in out.getvalue()
    assert RuleSet.objects.get(project=demo["DEMO"], plugin="points").config["expiry_days"] == 365

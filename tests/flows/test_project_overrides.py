"""The demo's second project changes its subscription flow through overrides only."""
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from engine import versions
from engine.models import Task
from engine.runtime import records, transitions
from kernel.models import Customer, Project, Unit


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())
    return {code: Project.objects.get(code=code) for code in ("DEMO", "DEMO2")}


def offer(project, consultant, rate="0.03"):
    unit = Unit.objects.filter(project=project, status="available").order_by("code").first()
    customer = Customer.objects.order_by("pk").first()
    price = unit.list_price
    deal = (price * (1 - __import__("decimal").Decimal(rate))).quantize(__import__("decimal").Decimal("0.01"))
    record = records.start_record(consultant, project, "subscription", {"customer_id": customer.pk})
    form = {"unit_id": unit.pk, "customer_id": customer.pk, "buyers": [{"customer_id": customer.pk}],
            "payment_plan": "full", "list_price": str(price), "discount_rate": rate, "deal_price": str(deal),
            "deposit": "50000.00"}
    return transitions.fire(consultant, record.pk, "submit_for_manager_discount", form)


def test_same_template_two_projects_two_behaviours(demo):
    consultant = User.objects.get(username="consultant")

    in_demo = offer(demo["DEMO"], consultant)
    in_demo2 = offer(demo["DEMO2"], consultant)

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

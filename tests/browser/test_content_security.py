"""The content security policy is enforced and the pages still work under it: no refusal in the console."""
import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from engine import versions
from engine.runtime import records, transitions
from kernel.models import Building, Customer, Unit

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pages_run_under_the_policy_with_nothing_refused(page, live_server, engine_flows, people):
    from django.conf import settings
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "discount")
    versions.publish(p["p1"], "reservation")
    building = Building.objects.create(project=p["p1"], code="3", name="3号楼")
    unit = Unit.objects.create(project=p["p1"], building=building, code="3-1502", floor=15, position="02",
                               layout="3室2厅2卫", built_area="128.56", inner_area="101.20", orientation="南",
                               list_price="3283211.00")
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    record = records.start_record(p["consultant"], p["p1"], "reservation", {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(p["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    refused = csp_violations(page)
    log_in(page, live_server, "manager")

    header = page.goto(f"{live_server.url}/").headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in header and "object-src 'none'" in header

    page.goto(f"{live_server.url}/projects/P1/chart/")
    page.locator("td[data-unit='3-1502']").click()  # the chart's inline script opens the unit card
    page.locator("#unit-dialog[open]").wait_for()
    page.goto(f"{live_server.url}/records/{record.pk}/")
    page.goto(f"{live_server.url}/studio/P1/discount/")
    if settings.MERMAID_AVAILABLE:
        page.wait_for_selector("pre[data-diagram] svg")  # mermaid and its nonce'd start-up ran
    page.select_option("select[name=language]", "en")  # app.js's handler, not an inline one
    expect(page.locator("html")).to_have_attribute("lang", "en")  # after the form's navigation, not before it

    assert refused == []

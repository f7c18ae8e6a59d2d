"""The chart updates on its own when another user holds a unit, without a page reload."""
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from engine import versions
from engine.runtime import records, transitions
from kernel.models import Building, Unit

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_chart_shows_a_hold_made_by_another_user(page, live_server, people):
    p = people
    versions.publish(p["p1"], "reservation")
    building = Building.objects.create(project=p["p1"], code="3", name="3号楼")
    unit = Unit.objects.create(project=p["p1"], building=building, code="3-1502", floor=15, position="02",
                               built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               list_price=Decimal("1500000.00"))
    log_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/projects/P1/chart/")
    cell = page.locator("td[data-unit='3-1502']")
    assert cell.get_attribute("data-status") == "available"
    page.evaluate("window.__marker = 'no reload'")

    # another consultant holds the unit through a reservation
    record = records.start_record(p["consultant2"], p["p1"], "reservation",
                                  {"unit_id": unit.pk, "customer_id": 1, "deposit": "5000.00"})
    transitions.fire(p["consultant2"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})

    expect(page.locator("td[data-unit='3-1502']")).to_have_attribute("data-status", "reserved", timeout=10_000)
    assert page.evaluate("window.__marker") == "no reload"
    assert page.locator("[data-count=reserved]").inner_text() == "1"
    assert cell.locator("[data-status-text]").inner_text() == "预留"
    assert cell.locator("a").get_attribute("href") == f"/projects/P1/units/{unit.pk}/"

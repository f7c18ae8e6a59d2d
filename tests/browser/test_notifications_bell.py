"""The bell at phone size (360 px): its unread number, the list, opening the work marks it read."""
import pytest

from engine import versions
from engine.runtime import records, transitions

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


def test_the_bell_counts_lists_and_leads_to_the_work(browser, live_server, engine_flows, people):
    p = people
    versions.publish(p["p1"], "discount")
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    # committed: the after-commit job (huey, immediate in tests) offers the countersign to finance
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)

    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "fin")
        count = page.locator("[data-bell-count]")
        count.wait_for(state="visible")
        assert count.inner_text() == "1"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.click("[data-bell]")
        page.wait_for_url(f"{live_server.url}/notifications/")
        item = page.locator("[data-notification]")
        assert record.reference in item.inner_text() and "等待您的角色处理" in item.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.click("[data-open]")
        page.wait_for_url(f"{live_server.url}/records/{record.pk}/")
        page.goto(f"{live_server.url}/notifications/")
        assert page.locator("[data-notification].read").count() == 1
        assert page.evaluate("fetch('/notifications/unread/').then(r => r.json())") == {"unread": 0}
        assert page.locator("[data-bell-count]").is_hidden()
    finally:
        context.close()

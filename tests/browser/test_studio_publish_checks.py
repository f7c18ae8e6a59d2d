"""On a phone, an admin publishing a newly required field chooses what running records get, as the checks ask."""
import pytest

from accounts.models import Membership
from engine import versions
from engine.runtime import records

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


@pytest.mark.parametrize("locale, choice, published", [
    ("zh-CN", "仅对新记录要求填写", "已发布 v2。"), ("en-US", "Require it of new records only", "Published v2."),
])
def test_a_newly_required_field_asks_for_a_choice_before_it_publishes(browser, live_server, engine_flows, people,
                                                                      locale, choice, published):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "discount")
    records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    page = browser.new_context(locale=locale, viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/discount/")
    page.fill("textarea[name=overrides]",
              "entity:\n  schema:\n    required: [unit_id, price, discount_rate, note]\n")
    page.click("button[value=save]")
    page.goto(f"{live_server.url}/studio/P1/discount/publish/")
    assert page.locator("[data-required-choice=note]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click(f"label:has-text('{choice}')")
    page.click("button[data-confirm-button]")

    assert published in page.locator(".message").inner_text()
    assert versions.published_version(p["p1"], "discount").number == 2
    page.context.close()

"""The studio's flow page on a 360 px phone, in Chinese and English: the versions table is a card per version
(each value labelled, the roll back button on screen), so nothing is cut at the screen's edge."""
import pytest

from accounts.models import Membership
from engine import versions

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_versions_table_scrolls_in_its_card_on_a_phone(page, live_server, settings, engine_flows, people,
                                                           language):
    # given a flow with two versions (the older one offers a roll back button in the last column)
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "subscription")
    versions.publish(people["p1"], "subscription", overrides={"states": {"awaiting_contract": {
        "deadline": {"after": "3d"}}}})
    page.set_viewport_size({"width": 360, "height": 740})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, "manager")

    # when the admin opens the flow's studio page
    page.goto(f"{live_server.url}/studio/P1/subscription/")

    # then the page is as wide as the screen, and each version is a card whose values and button are all on screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    rows = page.locator("table.versions tbody tr")
    assert rows.count() == 2
    for cell in page.locator("table.versions tbody td").all():
        assert cell.evaluate("e => e.getBoundingClientRect().right <= window.innerWidth + 1")
    label = page.locator("table.versions tbody td[data-label]").nth(3)  # the first row's running records
    words = "进行中记录" if language == "zh-hans" else "Running records"
    assert label.evaluate("e => getComputedStyle(e, '::before').content") == f'"{words}"'
    assert page.locator("table.versions a.button").is_visible()

"""A project admin, on a phone (360 px), sees the revisions of the commission rules with their zone,
reviews the open deals frozen at earlier rules, and applies the rules in force only after confirming."""
import pytest
from django.utils import timezone

from accounts.models import Membership
from extensions import deal_rules
from extensions.models import DealRules
from extensions.rulesets import publish_rules

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_reviews_and_applies_new_rules_to_open_deals_on_a_phone(browser, live_server, people):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    publish_rules(p["p1"], "commission", {"payable": {"collected_share": "0.30"}})
    deal_rules.freeze(p["p1"].pk, "commission", record_id=9001, reference="CON-009001", at=timezone.now())
    publish_rules(p["p1"], "commission", {"payable": {"collected_share": "0.20"}})
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/rules/commission/")
    assert "1 笔未结交易仍按早于当前生效的第 2 版的规则执行。" in page.inner_text("body")
    assert "（北京时间）" in page.inner_text("table")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.click("a:text('查看并应用到未结交易…')")
    confirm = page.locator("[data-confirm=apply-to-open]")
    assert "CON-009001" in confirm.inner_text()
    assert DealRules.objects.get().rule_revision.revision == 1  # listing changes nothing
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    confirm.locator("[data-confirm-button]").click()
    assert page.locator(".message.success .message-text").inner_text() == "1 笔未结交易现按佣金规则第 2 版执行。"
    assert DealRules.objects.get().rule_revision.revision == 2
    page.context.close()

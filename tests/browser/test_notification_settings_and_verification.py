"""At phone size (360 px), in Chinese and English: the notification settings page saves channels and quiet
hours; a printed document's verification page, opened without logging in, reads whole without scrolling sideways."""
import pytest
from django.core.cache import caches

from documents import issuing
from notifications.models import Kind, Preference, RecipientSettings
from tests.documents.test_documents import deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _phone(browser, locale):
    return browser.new_context(locale=locale, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)


def test_notification_settings_on_a_phone(browser, live_server, people):
    context = _phone(browser, "zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    refused = csp_violations(page)
    try:
        log_in(page, live_server, "fin")
        page.goto(f"{live_server.url}/notifications/")
        page.click("[data-settings]")
        page.wait_for_url(f"{live_server.url}/notifications/settings/")
        assert "免打扰时段" in page.inner_text("body")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.check("input[name=email__task_offered]")
        page.fill("input[name=quiet_from]", "22:00")
        page.fill("input[name=quiet_until]", "08:00")
        page.click("[data-save]")
        page.wait_for_selector("[data-message=success]")
        assert "通知设置已保存" in page.inner_text("[data-message=success]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert refused == []
    finally:
        context.close()
    assert Preference.objects.filter(user=people["fin"], kind=Kind.TASK_OFFERED, email=True).exists()
    assert RecipientSettings.objects.get(user=people["fin"]).quiet_from.hour == 22


@pytest.mark.parametrize("locale, words", [("zh-CN", "真实有效"), ("en-US", "Genuine")])
def test_the_verification_page_on_a_phone(browser, live_server, deal, locale, words):
    caches["api"].clear()
    p, u, records = deal
    document = issuing.issue(records["subscription"], "subscription_form", user=u["finance"])
    context = _phone(browser, locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/documents/verify/{document.verify_token}/")  # nobody logged in
        text = page.inner_text("main")
        assert words in text and document.reference in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()

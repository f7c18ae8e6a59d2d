"""The webhooks page on a phone (360 px), in Chinese and in English: a private target refused in words, a
subscription added, its secret rotated after the confirmation, the log by pages; nothing wider than the screen."""
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from kernel import events
from tests.browser.conftest import log_in
from tests.flows.conftest import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-CN": {"add": "添加订阅", "refused": "是链路本地地址", "ask": "更换密钥…", "rotate": "更换密钥",
              "rotated": "签名密钥已更换", "next": "下一页"},
    "en-US": {"add": "Add the subscription", "refused": "is a link-local address", "ask": "Rotate the secret…",
              "rotate": "Rotate the secret", "rotated": "The signing secret was rotated", "next": "Next page"},
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_an_admin_adds_refuses_and_rotates_on_a_phone(browser, live_server, world, settings, locale):  # noqa: F811
    from tests.kernel.conftest import make_user

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    words = WORDS[locale]
    p, u, units = world
    make_user("s1_admin", p, "project_admin")
    page = browser.new_context(locale=locale, viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, "s1_admin")
    url = f"{live_server.url}/studio/{p.code}/webhooks/"
    page.goto(url)

    form = page.locator("[data-new-subscription]")
    form.locator("input[name=name]").fill("finance")
    form.locator("input[name=url]").fill("https://169.254.169.254/latest/meta-data/")
    form.locator("input[name=kinds]").first.check()
    form.locator(f"button:text('{words['add']}')").click()
    assert words["refused"] in form.inner_text()
    assert not WebhookSubscription.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    form.locator("input[name=url]").fill("https://finance.example.com/hooks")
    form.locator(f"button:text('{words['add']}')").click()
    sub = WebhookSubscription.objects.get()
    assert page.locator("[data-secret]").inner_text() == sub.secret
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription=sub, event_id=uuid.uuid4(), kind=events.RECORD_MOVED, payload={},
                        created_at=now - timedelta(seconds=i), attempts=1, status=DeliveryStatus.DELIVERED,
                        response_code=200) for i in range(60)])
    page.goto(url)
    page.locator("[data-ask-rotate]").click()
    assert page.locator("[data-confirm-rotate]").is_visible()
    old = sub.secret
    sub.refresh_from_db()
    assert sub.secret == old  # asked, not yet done
    page.locator("[data-rotate-button]").click()
    sub.refresh_from_db()
    assert sub.secret != old and page.locator("[data-secret]").inner_text() == sub.secret
    assert words["rotated"] in page.locator(".message.success").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.goto(url)
    assert page.locator("tr[data-delivery]").count() == 50 and page.locator("[data-overlap]").is_visible()
    page.locator(f"nav.pages a[aria-label='{words['next']}']").click()
    assert page.locator("tr[data-delivery]").count() == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.close()

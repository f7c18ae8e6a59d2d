"""The record page's documents on a phone (360 px): the receipt issued by itself after the payment's commit is
listed with its hash, the preview opens the buyer's paper; the studio's template editor fits the screen too."""
import pytest

from documents.models import IssuedDocument
from tests.documents.test_documents import NAME, deal  # noqa: F401  (the fixture)
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.kernel.conftest import make_user

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_documents_on_a_phone(browser, live_server, deal):
    p, u, records = deal
    sub = records["subscription"]
    # committed for real here: the deposit's receipt was issued after commit, by the huey job
    receipt = IssuedDocument.objects.get(record=sub, template="receipt")
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)
    log_in(page, live_server, "finance")
    page.goto(f"{live_server.url}/records/{sub.pk}/")
    section = page.locator("section.documents")
    assert "认购书" in section.inner_text() and "收款收据" in section.inner_text()
    assert receipt.reference in section.inner_text() and receipt.content_hash[:12] in section.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_popup() as opened:
        section.locator("li", has_text="认购书").locator("a", has_text="预览").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert NAME in preview.inner_text("body") and "贰佰万元整" in preview.inner_text("body")

    admin = make_user("padmin", p, "project_admin")
    assert admin.pk
    page.context.clear_cookies()
    log_in(page, live_server, "padmin")
    page.goto(f"{live_server.url}/studio/{p.code}/documents/subscription_form/")
    page.click("button[value=preview]")
    assert page.locator("iframe.document-preview").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.context.close()

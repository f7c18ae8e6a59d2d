"""/api/docs/ (Swagger UI, served from our static files) on a phone, signed in: the operations render, an
operation opens, and nothing makes the page wider than the screen; nothing is fetched from elsewhere."""
import pytest

from tests.browser.conftest import log_in
from tests.kernel.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 360


def _widest(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_the_api_documentation_fits_a_phone(browser, live_server):
    make_user("reader")
    context = browser.new_context(locale="en-US", viewport={"width": WIDTH, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((live_server.url, "data:"))
            else None)
    log_in(page, live_server, "reader")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-summary")
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert _widest(page) <= WIDTH

    page.locator(".opblock-summary:has-text('/api/v1/projects/{code}/follow-ups/')").first.click()
    page.wait_for_selector(".opblock.is-open table.parameters")
    page.wait_for_selector(".opblock.is-open .responses-wrapper .response")  # its example answers, as code
    page.locator(".opblock.is-open .responses-wrapper").scroll_into_view_if_needed()
    assert _widest(page) <= WIDTH
    assert elsewhere == []
    context.close()

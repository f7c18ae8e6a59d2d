"""Logging in through the form, in the browser: the other browser tests start from a session cookie
(conftest.log_in), so this is where the form itself is typed into."""
import pytest

from .conftest import log_in_by_form

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_logs_in_through_the_form_and_lands_in_the_inbox(page, live_server, people):
    # given a wrong password first
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultant")
    page.fill("input[name=password]", "wrong")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.startswith(f"{live_server.url}/login/")
    assert page.locator(".message.error").is_visible()

    # when the right one is typed
    log_in_by_form(page, live_server, "consultant")

    # then the inbox is shown, with the way out of it
    assert page.url == f"{live_server.url}/"
    assert page.locator("form.logout").count() == 1

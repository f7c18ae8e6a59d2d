"""A project admin adds a member by name with the picker and gives a role, at 360 px; the history shows it."""
import pytest

from accounts.models import Membership

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_picks_a_user_by_name_and_gives_a_role_on_a_phone(browser, live_server, people):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    p["outsider"].display_name = "王芳"
    p["outsider"].save()
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/")
    page.click("a[data-members-link]")
    # the picker searches by name as it is typed; the choice is the person, never an id typed in
    page.locator("[data-add-member] .ts-control input").fill("王")
    page.locator(".ts-dropdown .option:text('王芳 (outsider)')").click()
    page.click("[data-add-member] h2")  # leave the picker first: its list closing moves the checkboxes
    page.locator("[data-add-member] label", has_text="财务").locator("input").check()
    page.click("[data-add-member] button:text('授予这些角色')")

    assert not page.locator(".field-errors, .message.error").all_inner_texts(), page.locator(".field.has-error").all_inner_texts()
    assert page.locator(".message.success .message-text").inner_text() == "王芳 (outsider)：已授予财务。"
    assert page.locator("tr[data-member=outsider] li[data-role=finance]").inner_text().startswith("财务")
    assert "授予角色：财务" in page.locator("[data-history]").inner_text()
    assert set(Membership.objects.filter(user=p["outsider"], project=p["p1"]).values_list("role", flat=True)) == {
        "finance"}
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # and the role is taken away again with its own button
    page.click("tr[data-member=outsider] li[data-role=finance] button")
    assert page.locator("tr[data-member=outsider]").count() == 0
    page.context.close()

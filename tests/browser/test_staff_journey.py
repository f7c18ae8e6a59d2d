"""Log in, inbox, claim, a validation error then a correct submit, the history, switching language."""
import pytest

from engine import versions
from engine.runtime import records

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_consultant_claims_submits_fixes_an_error_and_sees_the_history(page, live_server, engine_flows, people):
    p = people
    versions.publish(p["p1"], "discount")
    record = records.start_record(p["consultant2"], p["p1"], "discount", {"unit_id": 7})

    # log in: the inbox shows the unclaimed task
    log_in(page, live_server, "consultant")
    row = page.locator(f"tr:has(a:text('{record.reference}'))")
    assert row.locator("td").nth(2).inner_text().strip() == "准备"  # the task title from the definition
    assert row.locator("td").nth(6).inner_text().strip() == "未认领"

    # claim it
    row.locator("input[name=task]").check()
    page.click("text=认领所选")
    assert page.locator(f"tr:has(a:text('{record.reference}')) td").nth(6).inner_text().strip() == "consultant"

    # open the record and submit with a price of three decimals: the error shows at the field
    page.click(f"a:text('{record.reference}')")
    step = page.locator("form[data-step=submit]")
    step.locator("input[name=submit-price]").fill("12.345")
    step.locator("input[name=submit-discount_rate]").fill("0.05")
    step.locator("button[type=submit]").click()
    error = page.locator("form[data-step=submit] .errorlist").first
    assert error.inner_text().strip() == "确认小数不超过 2 位."

    # correct it and submit
    step = page.locator("form[data-step=submit]")
    step.locator("input[name=submit-price]").fill("1000000.00")
    step.locator("textarea[name=submit-comment]").fill("老客户 5% 折扣")
    step.locator("button[type=submit]").click()
    assert page.locator(".state").get_attribute("data-state") == "review"

    # the history shows who did what, with the comment and the changed fields
    entries = page.locator("ol.history > li")
    assert entries.count() == 3
    last = entries.nth(2).inner_text()
    assert "consultant" in last and "draft → review" in last and "老客户 5% 折扣" in last
    assert "price: — → 1000000.00" in last

    # switching to English
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h2").first.inner_text() == "Summary"
    assert page.title() == record.reference

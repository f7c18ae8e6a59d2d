"""Log in, inbox, claim, a validation error then a correct submit, the history, switching language."""
import pytest

from engine import versions
from engine.models import Record
from engine.runtime import records

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_consultant_claims_submits_fixes_an_error_and_sees_the_history(page, live_server, engine_flows, people):
    p = people
    versions.publish(p["p1"], "discount")
    record = records.start_record(p["consultant2"], p["p1"], "discount", {"unit_id": 7})
    # no consultant's record yet (the team's pool, engine.runtime.visibility), so a colleague sees and claims it
    Record.objects.filter(pk=record.pk).update(created_by=None)

    # log in: the inbox shows the unclaimed task
    log_in(page, live_server, "consultant")
    row = page.locator(f"tr:has(a:text('{record.reference}'))")
    # columns: pick, record, task, customer, unit, amount, holder, due, row actions
    assert row.locator("td").nth(2).locator(".task-title").inner_text().strip() == "准备"  # the definition's title
    assert row.locator("td").nth(2).locator(".flow-line").inner_text().strip() == "折扣审批 · 草稿"
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
    # states by their titles, money as money (the record page's history)
    assert "consultant" in last and "草稿 → 审批中" in last and "老客户 5% 折扣" in last
    assert "— → ¥1,000,000.00" in last

    # switching to English
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Summary" in page.locator("h2").all_inner_texts()
    assert page.title() == record.reference


def test_the_inbox_and_records_list_fit_a_phone_as_cards(page, live_server, engine_flows, people):
    from decimal import Decimal

    from engine.models import Record, Task
    from engine.runtime import tasks
    from kernel.models import Building, Customer, Unit

    p = people
    versions.publish(p["p1"], "discount")
    building = Building.objects.create(project=p["p1"], code="3", name="3号楼")
    unit = Unit.objects.create(project=p["p1"], building=building, code="3-1203", floor=12, position="03",
                               built_area=Decimal("89.37"), inner_area=Decimal("70.00"), list_price=Decimal("1.00"))
    customer = Customer.objects.create(name="欧阳娜娜", phone="+8613812341234")
    made = []
    for _ in range(3):
        record = records.start_record(p["consultant"], p["p1"], "discount",
                                      {"unit_id": unit.pk, "price": "12530307.00", "discount_rate": "0.05"})
        Record.objects.filter(pk=record.pk).update(data={**record.data, "customer_id": customer.pk})
        made.append(record)
    tasks.claim(p["consultant"], Task.objects.get(record=made[0]).pk)
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, live_server, "consultant")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator(f"tr[data-task='{Task.objects.get(record=made[0]).pk}']")
    assert card.evaluate("e => getComputedStyle(e).display") == "block"  # a card, not a table row
    assert "欧阳娜娜" in card.inner_text() and "¥12,530,307.00" in card.inner_text()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390

    # unclaim from the card: the success message says so
    card.locator("button[name=unclaim]").click()
    assert f"{made[0].reference} 已放回可认领任务。" in page.locator(".message.success").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # the records list of the project, also as cards
    page.goto(f"{live_server.url}/projects/P1/records/discount/")
    assert page.locator("tr[data-record]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

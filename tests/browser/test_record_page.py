"""The record page in a browser: the work tasks that used to block two flows are completed from
the page, a send back goes through its dialog with a reason, and the page fits a phone."""
import pytest

from engine.models import Record
from engine.runtime import records
from tests.flows.conftest import customers, world  # noqa: F401  (fixtures)
from tests.flows.steps import filed_contract, fire
from tests.flows.test_merchant_leasing import LICENCE

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fees_to_settle(p, u, unit, customer):
    hs = u["handover_staff"]
    ho = fire(hs, filed_contract(p, u, unit, customer), "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    ho = fire(u["customer_service"], ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"},
              to="appointed")
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-10"}, to="inspecting")
    return fire(hs, ho, "accept_inspection", to="settling_fees")


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})


def _message(page) -> str:
    return page.locator(".message").first.inner_text()


def test_finance_completes_the_fee_settlement_work_then_settles_the_fees(page, live_server, world, customers):
    p, u, units = world
    ho = _fees_to_settle(p, u, units[1], customers["buyer"])
    log_in(page, live_server, "finance")
    page.goto(f"{live_server.url}/records/{ho.pk}/")
    assert page.locator(".state").inner_text() == "费用结算"
    assert page.locator("form[data-step=settle_fees]").count() == 0  # it waits for the confirmation
    _fits_a_phone(page)

    task = page.locator("li.task", has_text="确认面积补差已结案")
    task.locator("input[name=comment]").fill("面积补差已结案")
    task.locator("button[data-action=complete]").click()
    assert "「确认面积补差已结案」已完成。" in _message(page)

    step = page.locator("form[data-step=settle_fees]")
    step.locator("[name=settle_fees-fees_due]").fill("12000.00")
    step.locator("[name=settle_fees-fees_amount]").fill("12000.00")
    step.locator("button[name=fire]").click()

    assert "现为「交钥匙」" in _message(page)
    assert page.locator(".state").inner_text() == "交钥匙"
    assert Record.objects.get(pk=ho.pk).state == "handing_keys"
    history = page.locator("ol.history").inner_text()
    assert "完成任务「确认面积补差已结案」" in history and "费用结清：费用结算 → 交钥匙" in history
    assert "¥12,000.00" in history


def test_a_merchant_lead_is_qualified_from_the_page_then_sent_back_through_the_dialog(page, live_server, world):
    p, u, _units = world
    mm = u["merchant_manager"]
    lead = records.start_record(mm, p, "merchant_leasing", {"merchant_name": "好味餐饮", "business_format": "retail"})
    lead = fire(mm, lead, "submit_qualification", LICENCE, to="qualification")
    log_in(page, live_server, "merchant_manager")
    page.goto(f"{live_server.url}/records/{lead.pk}/")
    _fits_a_phone(page)

    for title in ("核验营业执照", "核验品牌授权与经营情况"):
        page.locator("li.task", has_text=title).locator("button[data-action=complete]").click()
        assert f"「{title}」已完成。" in _message(page)
    step = page.locator("form[data-step=qualify]")
    step.locator("select[name=qualify-grade]").select_option(label="A级")
    step.locator("button[name=fire]").click()
    assert page.locator(".state").inner_text() == "业态匹配"

    # send it back to the qualification review, with a reason, through the dialog
    page.locator("details.more > summary").click()
    page.locator("button[data-dialog=send-back]").click()
    dialog = page.locator("dialog#send-back")
    assert dialog.is_visible()
    dialog.locator("select[name=to_state]").select_option(label="资质审核")
    dialog.locator("textarea[name=comment]").fill("品牌授权书已过期，需重新核验")
    dialog.locator("button.primary").click()

    assert f"{lead.reference} 已退回到「资质审核」。" in _message(page)
    assert page.locator(".state").inner_text() == "资质审核"
    last = page.locator("ol.history > li").last.inner_text()
    assert "从「业态匹配」退回到「资质审核」" in last and "品牌授权书已过期，需重新核验" in last
    _fits_a_phone(page)

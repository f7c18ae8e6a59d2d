"""A consultant fills a start form with every widget by typing codes and names, is refused, keeps it all, succeeds."""
import shutil
from pathlib import Path

import pytest

from engine import versions
from engine.models import Record
from tests.forms.conftest import world  # noqa: F401  (the fixture)

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)
FLOW = Path(__file__).parent / "flows" / "deal_sheet.yaml"


@pytest.fixture
def deal_sheet(world, flows_dir):
    shutil.copy(FLOW, flows_dir / FLOW.name)
    versions.publish(world["p1"], "deal_sheet")
    return world


def pick(page, field_id: str, typed: str, option: str) -> None:
    """Type into a tom-select picker and choose the option the lookup offers."""
    page.click(f"#{field_id}-ts-control")
    page.fill(f"#{field_id}-ts-control", typed)
    page.locator(f"#{field_id}-ts-dropdown .option", has_text=option).first.click()


def block(page, field: str):
    return page.locator(f"[data-field='{field}']")


@pytest.mark.parametrize("size", [None, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_a_deal_is_started_with_pickers_refused_for_its_shares_and_started_once_fixed(browser, live_server, deal_sheet,
                                                                                      size):
    context = browser.new_context(locale="zh-CN", **({"viewport": size} if size else {}))
    page = context.new_page()
    page.set_default_timeout(10_000)
    unit, li, zhang = deal_sheet["units"][1], deal_sheet["li"], deal_sheet["zhang"]
    log_in(page, live_server, "lina")

    page.goto(f"{live_server.url}/start/F1/deal_sheet/")
    assert page.evaluate("!!window.TomSelect")
    pick(page, "id_unit_id", unit.code, f"{unit.code} · 128.50 m² · ¥3,058,300.00 · 可售")
    pick(page, "id_customer_id", "李娜", "李娜 13900001111")
    pick(page, "id_buyers-0-customer", "李娜", "李娜 13900001111")
    page.fill("#id_buyers-0-share", "60")
    page.click("text=添加购房人")
    pick(page, "id_buyers-1-customer", "张", "张伟 138****1234")
    page.fill("#id_buyers-1-share", "30")
    page.select_option("#id_payment_plan", label="分期付款")
    page.fill("#id_signed_on", "2028-06-30")
    page.fill("#id_appointment_at", "2028-07-01T14:00")
    page.fill("#id_deposit", "20,000")
    page.fill("#id_discount_rate", "1.5")
    if size:
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.click("button:text('创建')")

    # refused: the shares add up to 90 %; the error is in the buyers' block and every value is still there
    assert block(page, "buyers").locator(".field-errors").inner_text() == "产权份额合计为 90%，应为 100%。"
    assert page.locator(".field-errors").count() == 1
    assert block(page, "unit_id").locator(".ts-control .item").inner_text() == f"{unit.code} · 128.50 m² · ¥3,058,300.00 · 可售"
    assert block(page, "customer_id").locator(".ts-control .item").inner_text() == "李娜 13900001111"
    buyers = block(page, "buyers").locator(".ts-control .item")
    assert buyers.all_inner_texts() == ["李娜 13900001111", "张伟 138****1234"]
    assert page.input_value("#id_buyers-0-share") == "60" and page.input_value("#id_buyers-1-share") == "30"
    assert page.input_value("#id_signed_on") == "2028-06-30"
    assert page.input_value("#id_appointment_at") == "2028-07-01T14:00"
    assert block(page, "appointment_at").locator("[data-zone]").inner_text() == "北京时间（UTC+08:00）"
    assert page.input_value("#id_deposit") == "20,000" and page.input_value("#id_discount_rate") == "1.5"
    assert page.locator("#id_payment_plan option:checked").inner_text() == "分期付款"
    assert not Record.objects.exists()

    page.fill("#id_buyers-1-share", "40")
    page.click("button:text('创建')")
    page.wait_for_url(f"{live_server.url}/records/*/")

    record = Record.objects.get()
    assert record.data == {
        "unit_id": unit.pk, "customer_id": li.pk,
        "buyers": [{"customer_id": li.pk, "share": "0.6"}, {"customer_id": zhang.pk, "share": "0.4"}],
        "payment_plan": "installments", "signed_on": "2028-06-30", "appointment_at": "2028-07-01T14:00:00+08:00",
        "deposit": "20000.00", "discount_rate": "0.015",
    }
    context.close()

"""The layout at phone size (390×844) and the chart's unit card at desktop size, in a real browser."""
from decimal import Decimal

import pytest

from engine import versions
from engine.runtime import records, transitions
from kernel.models import Building, Customer, Unit

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chart(people):
    p = people
    versions.publish(p["p1"], "reservation")
    versions.publish(p["p1"], "subscription")
    building = Building.objects.create(project=p["p1"], code="3", name="3号楼")
    units = [Unit.objects.create(project=p["p1"], building=building, code=f"3-{floor}{pos:02d}", floor=floor,
                                 position=f"{pos:02d}", layout="3室2厅2卫", built_area=Decimal("128.56"),
                                 inner_area=Decimal("101.20"), orientation="南",
                                 list_price=Decimal("3283211.00") + floor * 1000 + pos)
             for floor in range(1, 19) for pos in range(1, 7)]  # 18 floors × 6: wider than any phone
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    held = units[3]
    record = records.start_record(p["consultant"], p["p1"], "reservation", {"unit_id": held.pk, "customer_id": customer.pk})
    transitions.fire(p["consultant"], record.pk, "hold", {"unit_id": held.pk, "deposit": "5000.00"})
    return {"units": units, "held": held, "record": record, "free": units[0]}


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    # The brand's text, not its box (the box is a 40 px touch target): one line, never a column of characters.
    text_height = page.evaluate("""() => { const range = document.createRange();
        range.selectNodeContents(document.querySelector('header .brand'));
        return range.getBoundingClientRect().height; }""")
    assert text_height < 40, f"the brand wraps into {text_height} px at {page.url}"
    assert page.locator("header.top").bounding_box()["height"] < 80, page.url


def test_at_phone_size_no_page_is_wider_than_the_screen_and_the_menu_folds(browser, live_server, chart):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "consultant")
        # the inbox
        _fits_the_phone(page)
        assert not page.locator("header nav").is_visible()  # folded behind the menu button
        menu = page.locator("summary.menu-button")
        assert menu.bounding_box()["height"] >= 40
        menu.click()
        assert page.locator("header nav a[data-nav=inbox]").is_visible()
        assert page.locator("header nav a[data-nav=inbox]").bounding_box()["height"] >= 40
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # the chart: the grid scrolls inside its card
        page.goto(f"{live_server.url}/projects/P1/chart/")
        _fits_the_phone(page)
        scroller = page.locator(".chart-scroll")
        assert page.evaluate("el => el.scrollWidth > el.clientWidth", scroller.element_handle())
        cell = page.locator(f"td[data-unit='{chart['held'].code}'] a")
        assert cell.bounding_box()["height"] >= 40
        # a unit card is a full page on a phone
        cell.click()
        page.wait_for_url(f"**/projects/P1/units/{chart['held'].pk}/")
        _fits_the_phone(page)
        assert page.locator("[data-deal]").inner_text() == chart["record"].reference
        # the record page of the deal
        page.locator("[data-deal]").click()
        page.wait_for_url(f"**/records/{chart['record'].pk}/")
        _fits_the_phone(page)
    finally:
        context.close()


def test_the_first_tab_reaches_the_skip_link_which_moves_focus_to_the_content(page, live_server, people):
    log_in(page, live_server, "consultant")

    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
    assert focused == ["skip-link", "跳到正文"]
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown while focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_at_desktop_a_chart_cell_opens_the_card_whose_next_step_starts_a_reservation(page, live_server, chart):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "consultant")
    page.goto(f"{live_server.url}/projects/P1/chart/")
    free = chart["free"]
    cell = page.locator(f"td[data-unit='{free.code}']")
    assert "¥3,284,212.00" in cell.inner_text() and "128.56 m²" in cell.inner_text() and "可售" in cell.inner_text()

    cell.locator("a").click()

    dialog = page.locator("dialog.unit-dialog")
    dialog.wait_for(state="visible")
    assert page.url.endswith("/projects/P1/chart/")  # over the chart, not a new page
    card = dialog.locator(f"[data-unit-card='{free.code}']")
    assert "南" in card.inner_text() and "101.20 m²" in card.inner_text()
    dialog.locator("[data-start=reservation]").click()
    page.wait_for_url(f"**/start/P1/reservation/?unit_id={free.pk}")
    assert page.locator("form").count() >= 1

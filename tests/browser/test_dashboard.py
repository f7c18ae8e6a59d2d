"""The dashboard in a browser: ECharts draws every chart (canvas) under the CSP, an export downloads as a real
workbook, the period picker works, and on a 360 px phone nothing runs off the side."""
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.figures.conftest import fixed  # noqa: F401  (the fixture)

from .conftest import csp_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_director_sees_charts_drawn_and_downloads_a_table(page, live_server, fixed):  # noqa: F811
    refused = csp_violations(page)
    log_in(page, live_server, "director")
    page.goto(f"{live_server.url}/projects/P1/dashboard/?period=month&on=2026-03-01")
    expect(page.locator("[data-chart='sales_trend'] canvas")).to_have_count(1)
    charts = page.locator("[data-chart]")
    assert charts.count() >= 12
    expect(page.locator("[data-chart][data-drawn='true']")).to_have_count(charts.count())
    assert page.locator("[data-headline='subscriptions'] [data-value]").inner_text() == "3"
    with page.expect_download() as download:
        page.click("[data-export='targets']")
    sheet = load_workbook(BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet.cell(3, 3).value == 3 and Decimal(str(sheet.cell(3, 6).value)) == Decimal("1800000")
    assert refused == []


def test_the_period_picker_and_a_phone(page, live_server, fixed):  # noqa: F811
    page.set_viewport_size({"width": 360, "height": 780})
    log_in(page, live_server, "director")
    page.goto(f"{live_server.url}/projects/P1/dashboard/?period=month&on=2026-03-01")
    expect(page.locator("[data-range]")).to_be_hidden()
    page.select_option("select[name=period]", "range")
    expect(page.locator("[data-range]")).to_be_visible()
    page.fill("input[name=on]", "2026-04-01")
    page.fill("input[name=to]", "2026-04-30")
    page.click("[data-picker] button")
    expect(page.locator("[data-headline='signings'] [data-value]")).to_have_text("1")
    expect(page.locator("[data-chart='sales_period'] canvas")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who, address", [
    ("director", "/projects/P1/dashboard/?period=month&on=2026-03-01"),
    ("c1", "/projects/P1/dashboard/?period=month&on=2026-03-01"),  # a consultant's own figures
    ("boss", "/groups/grp/dashboard/?period=year&on=2026-03-01"),
])
def test_every_dashboard_fits_a_phone_in_both_languages(page, live_server, fixed, django_user_model,  # noqa: F811
                                                        language, who, address):
    from django.conf import settings

    from figures.models import GroupMembership

    if who == "boss":
        boss = django_user_model.objects.create_user("boss", password="x")
        GroupMembership.objects.create(user=boss, company=fixed["company"], role="group_executive")
    page.set_viewport_size({"width": 360, "height": 780})
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    log_in(page, live_server, who)
    page.goto(f"{live_server.url}{address}")
    charts = page.locator("[data-chart]")
    expect(page.locator("[data-chart][data-drawn='true']")).to_have_count(charts.count())
    assert charts.count() >= 5
    assert page.evaluate("document.documentElement.lang").lower().startswith(language[:2])
    # nothing runs off the side: the wide tables scroll inside their own box, the charts fit the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("document.body.scrollWidth") <= 360

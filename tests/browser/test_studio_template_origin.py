"""The studio says where each flow template came from, in Chinese and English, on a phone and a desktop."""
from pathlib import Path

import pytest
from django.utils.timezone import localtime

from accounts.models import Membership
from engine import client_templates
from engine.models import ClientTemplate

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATES = Path(__file__).parents[1] / "engine" / "client_bundle" / "templates"


@pytest.fixture
def studio(people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    files = client_templates.TemplateFiles(
        "complaint", (TEMPLATES / "flows" / "complaint.yaml").read_text(encoding="utf-8"),
        {"complaint.json": (TEMPLATES / "schemas" / "complaint.json").read_text(encoding="utf-8")})
    client_templates.install(files, projects=[people["p1"]], source="ACME 2026-12-02")
    return ClientTemplate.objects.get()


def test_the_studio_names_each_templates_origin_in_both_languages(page, live_server, studio):
    loaded = localtime(studio.created_at).strftime("%Y-%m-%d %H:%M")
    log_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/studio/P1/")
    assert page.locator("[data-origin=subscription]").inner_text().strip() == "产品自带"
    chinese = page.locator("[data-origin=complaint]").inner_text().strip()
    assert chinese == f"客户模板，于 {loaded} CST 从 ACME 2026-12-02 载入"  # the time labelled with its zone
    page.click("a:text('客户投诉')")  # the client's flow by its own title
    assert page.locator("p[data-origin=complaint]").inner_text().strip() == chinese

    page.goto(f"{live_server.url}/studio/P1/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("[data-origin=subscription]").inner_text().strip() == "Shipped with the product"
    assert page.locator("[data-origin=complaint]").inner_text().strip() == (
        f"Client template, loaded from ACME 2026-12-02 on {loaded} CST")


def test_the_studio_list_fits_a_phone(browser, live_server, studio):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780})
    page = context.new_page()
    log_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/studio/P1/")

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("[data-origin=complaint]").is_visible()
    context.close()

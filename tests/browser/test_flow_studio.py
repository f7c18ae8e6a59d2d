"""An admin publishes an override in the studio; a record started afterwards follows it."""
import pytest

from accounts.models import Membership
from engine import versions
from engine.models import Record

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_publishes_an_override_and_a_new_record_follows_it(browser, page, live_server, engine_flows, people):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "discount")
    old = Record.objects.none()

    log_in(page, live_server, "manager")
    page.click("details.projects > summary")  # the project chooser
    page.click("li[data-project=P1] a:text('流程配置')")
    page.click("a:text('折扣审批')")  # the flow by its title
    page.fill("textarea[name=overrides]", "states:\n  draft:\n    title: {zh: 起草中, en: Drafting}\n")
    page.click("button:text('保存')")
    assert page.locator("pre.diff").inner_text().strip() == (
        "~ states.draft.title.zh: '草稿' → '起草中'\n~ states.draft.title.en: 'Draft' → 'Drafting'")
    page.click("button:text('发布')")
    # a confirmation first: the version it makes, the change in words, the same diff folded, and the time of the
    # version it replaces
    assert page.locator("h1").inner_text().startswith("发布 v2？")
    assert page.locator("[data-changes-in-words]").inner_text().strip() == "状态“草稿”改名为“起草中”。"
    assert page.locator("pre.diff").text_content().strip() == (
        "~ states.draft.title.zh: '草稿' → '起草中'\n~ states.draft.title.en: 'Draft' → 'Drafting'")
    assert "（北京时间）" in page.locator("[data-confirm]").inner_text()
    page.click("button[data-confirm-button]")
    assert page.locator("tr[data-version='2'] td").nth(1).inner_text() == "已发布"
    assert page.locator("tr[data-version='2'] td").nth(2).inner_text().endswith("（北京时间）")

    # a consultant starts a new record: it runs on version 2 and shows the new title
    consultant = browser.new_context(locale="zh-CN").new_page()
    log_in(consultant, live_server, "consultant")
    consultant.goto(f"{live_server.url}/start/P1/discount/")
    consultant.fill("input[name=unit_id]", "7")
    consultant.click("button:text('创建')")
    assert consultant.locator(".state").inner_text() == "起草中"
    assert Record.objects.get().version.number == 2
    assert list(old) == []


def test_the_studio_draws_the_diagram_of_the_published_version(page, live_server, engine_flows, people):
    from django.conf import settings

    if not settings.MERMAID_AVAILABLE:
        pytest.fail("mermaid is not installed: bin/_env.sh installs it from the npm registry")
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "discount")
    log_in(page, live_server, "manager")

    page.goto(f"{live_server.url}/studio/P1/discount/")

    page.wait_for_selector("pre[data-diagram] svg")
    labels = page.locator("pre[data-diagram] svg").text_content()
    assert "审批中" in labels and "submit" in labels  # an untitled step by its name
    assert "In review" not in labels  # a Chinese page draws the Chinese titles only


def test_html_in_a_state_title_fetches_nothing_in_the_admins_browser(page, live_server, engine_flows, people):
    # given a published state title that is an image tag pointing at this server (issue 16)
    from django.conf import settings

    if not settings.MERMAID_AVAILABLE:
        pytest.fail("mermaid is not installed: bin/_env.sh installs it from the npm registry")
    injected = f"<img src={live_server.url}/injected.png onerror=alert(1)>"
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "discount",
                     overrides={"states": {"draft": {"title": {"zh": injected, "en": injected}}}})
    requested, dialogs = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, "manager")

    # when the studio draws the diagram
    page.goto(f"{live_server.url}/studio/P1/discount/")
    page.wait_for_selector("pre[data-diagram] svg")
    page.wait_for_load_state("networkidle")

    # then the title is text in the drawing, and nothing fetched its URL or ran its script
    diagram = page.locator("pre[data-diagram]")
    assert [url for url in requested if "injected" in url] == []
    assert dialogs == []
    assert diagram.locator("img").count() == 0
    # SVG text: where a line wraps depends on the fonts installed, and wrapped words are joined without spaces
    drawn = "".join(diagram.locator("svg").text_content().split())
    assert "＜imgsrc=" in drawn and "/injected.pngonerror=alert(1)＞" in drawn


def test_rolling_back_shows_the_diff_and_needs_a_confirmation(page, live_server, engine_flows, people):
    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "discount")
    versions.publish(p["p1"], "discount", overrides={"states": {"draft": {"title": {"zh": "起草中", "en": "Drafting"}}}})

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/discount/")
    page.click("tr[data-version='1'] a:text('回滚到此版本')")

    assert page.locator("h1").inner_text().startswith("回滚：按 v1 的内容发布 v3？")
    assert "~ states.draft.title.zh: '起草中' → '草稿'" in page.locator("pre.diff").text_content()
    assert "状态“起草中”改名为“草稿”。" in page.locator("[data-changes-in-words]").inner_text()
    assert versions.published_version(p["p1"], "discount").number == 2  # nothing happened yet
    page.click("button[data-confirm-button]")
    assert page.locator("tr[data-version='3'] td").nth(1).inner_text() == "已发布"
    assert versions.published_version(p["p1"], "discount").restored_from.number == 1


def test_moving_records_from_the_studio_on_a_phone(browser, live_server, engine_flows, people):
    from engine.runtime import records, transitions

    p = people
    Membership.objects.create(user=p["manager"], project=p["p1"], role="project_admin")
    versions.publish(p["p1"], "discount")
    good = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
    record = records.start_record(p["consultant"], p["p1"], "discount", good)
    transitions.fire(p["consultant"], record.pk, "submit", good)
    versions.publish(p["p1"], "discount", overrides={
        "entity": {"schema": {"required": ["unit_id", "price", "discount_rate", "note"]}}}, choices={"note": "new_only"})
    page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
    page.set_default_timeout(10_000)

    log_in(page, live_server, "manager")
    page.goto(f"{live_server.url}/studio/P1/discount/")
    page.click("a[data-migrate-link]")
    page.click("button:text('试运行')")
    assert "其数据不符合新版本的结构" in page.locator("[data-steps]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("[name=value-note]", "电话来访")
    page.click("button[data-run]")

    assert "1 条记录已迁移到 v2；0 条留在 v1。" in page.locator(".message").inner_text()
    record.refresh_from_db()
    assert (record.version.number, record.data["note"]) == (2, "电话来访")
    page.context.close()

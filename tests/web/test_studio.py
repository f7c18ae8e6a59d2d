"""The flow studio: overrides validated on save with every problem by path, diff, publish, roll back."""
import html

import pytest

from accounts.models import Membership
from engine import versions
from engine.models import FlowVersion


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "subscription")
    client.force_login(people["manager"])
    return client


def test_saving_bad_overrides_lists_every_problem_and_keeps_nothing(admin, people):
    bad = "states:\n  awaiting_contract:\n    deadline: {after: 3 days}\ntransitions:\n  sign: {roles: [contract_clrk]}\n"

    response = admin.post("/studio/P1/subscription/", {"overrides": bad, "action": "save"})

    assert response.status_code == 400
    page = response.content.decode()
    assert ("flows/subscription.yaml + P1 overrides: states[2].deadline.after: 无效的时长 &#x27;3 days&#x27;：不是时长；"
            "请写成 30m、72h、3d、1w、2d12h 或 P3DT12H 等形式") in page
    assert ("flows/subscription.yaml + P1 overrides: transitions[2].roles[0]: 未知的角色 &#x27;contract_clrk&#x27;；"
            "是否应为 &#x27;contract_clerk&#x27;？") in page
    assert versions.stored_overrides(people["p1"], "subscription") == {}


def shown_hash(client, url: str) -> str:
    """The content hash the publish confirmation's form carries."""
    import re
    return re.search(r'name="content_hash" value="(\w+)"', client.get(url).content.decode()).group(1)


def test_save_shows_the_diff_then_publish_and_roll_back(admin, people):
    saved = admin.post("/studio/P1/subscription/", {"overrides": "states:\n  awaiting_contract:\n    deadline: {after: 3d}\n",
                                                    "action": "save"})
    assert saved.status_code == 302

    page = admin.get("/studio/P1/subscription/").content.decode()
    assert "~ states.awaiting_contract.deadline.after: &#x27;7d&#x27; → &#x27;3d&#x27;" in page

    published = admin.post("/studio/P1/subscription/publish/",
                           {"content_hash": shown_hash(admin, "/studio/P1/subscription/publish/")},
                           follow=True).content.decode()
    assert FlowVersion.objects.get(project=people["p1"], flow="subscription", status="published").number == 2
    assert "已发布 v2。" in published
    restored = admin.post("/studio/P1/subscription/rollback/1/", {"current": "2"}, follow=True).content.decode()
    current = FlowVersion.objects.get(project=people["p1"], flow="subscription", status="published")
    assert (current.number, current.restored_from.number) == (3, 1)
    assert "已按 v1 的内容发布 v3。" in restored
    assert "无变化。" in admin.get("/studio/P1/subscription/").content.decode()


def test_the_studio_is_for_project_admins_only(client, people):
    client.force_login(people["director"])

    assert client.get("/studio/P1/").status_code == 404
    assert client.post("/studio/P1/subscription/publish/").status_code == 404


def test_check_shows_the_changes_of_the_text_on_screen(admin, people):
    response = admin.post("/studio/P1/subscription/", {
        "overrides": "states:\n  awaiting_contract:\n    deadline: {after: 5d}\n", "action": "check"})

    page = response.content.decode()
    assert "~ states.awaiting_contract.deadline.after: &#x27;7d&#x27; → &#x27;5d&#x27;" in page
    assert versions.stored_overrides(people["p1"], "subscription") == {}
    # Publish takes the stored overrides: it stays off until the checked text is saved
    assert '<button class="primary" disabled>发布</button>' in page
    assert "保存这些覆盖配置后才能发布。" in page


def test_overrides_with_decimal_numbers_save_and_read_back_exactly(admin, people):
    text = ("entity:\n  schema:\n    properties:\n"
            "      area: {type: string, format: decimal, maxLength: 20, x-weight: 0.50}\n")

    saved = admin.post("/studio/P1/subscription/", {"overrides": text, "action": "save"})
    page = admin.get("/studio/P1/subscription/").content.decode()

    assert saved.status_code == 302
    assert str(versions.stored_overrides(people["p1"], "subscription")["entity"]["schema"]["properties"]["area"]
               ["x-weight"]) == "0.50"
    assert "x-weight: 0.50" in page


def test_rolling_back_to_a_missing_version_says_so_in_the_users_language(admin, people):
    page = admin.post("/studio/P1/subscription/rollback/9/", follow=True).content.decode()

    assert "P1/subscription 没有版本 9" in page
    assert FlowVersion.objects.filter(project=people["p1"], flow="subscription").count() == 1


def test_publishing_the_published_content_again_says_nothing_changed(admin, people):
    # the confirmation offers no button when nothing changed; a form posted anyway publishes nothing
    confirmation = admin.get("/studio/P1/subscription/publish/").content.decode()
    same = versions.published_version(people["p1"], "subscription").content_hash
    page = admin.post("/studio/P1/subscription/publish/", {"content_hash": same}, follow=True).content.decode()

    assert "data-confirm-button" not in confirmation

    assert "v1 已是发布版本，未作任何更改。" in page
    assert FlowVersion.objects.filter(project=people["p1"], flow="subscription").count() == 1


def test_the_menu_links_the_studio_of_the_projects_one_administers(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])  # also sales manager in P1

    page = client.get("/").content.decode()

    assert 'href="/studio/P1/"' in page and 'href="/studio/P2/"' not in page
    client.force_login(people["director"])
    assert 'href="/studio/' not in client.get("/").content.decode()


def test_the_studio_names_flows_and_plugins_by_their_titles_published_or_not(admin):
    # given subscription published in P1 and every other flow not

    # when
    page = admin.get("/studio/P1/").content.decode()

    # then the published flow by its version's title, an unpublished one by its template's, plugins by theirs
    assert ">认购</a>" in page and ">面积补差</a>" in page and ">定价</a>" in page
    assert ">subscription</a>" not in page and ">area_settlement</a>" not in page and ">pricing</a>" not in page


def test_html_in_a_state_title_reaches_the_diagram_only_as_text(admin, people):
    # given a published override whose state title is markup (issue 16)
    injected = "<img src=x onerror=alert(1)>"
    overrides = f'states:\n  awaiting_contract:\n    title: {{zh: "{injected}", en: "{injected}"}}\n'
    assert admin.post("/studio/P1/subscription/", {"overrides": overrides, "action": "save"}).status_code == 302
    admin.post("/studio/P1/subscription/publish/",
               {"content_hash": shown_hash(admin, "/studio/P1/subscription/publish/")})

    # when the studio shows the flow
    page = admin.get("/studio/P1/subscription/").content.decode()

    # then neither the page nor the diagram source Mermaid decodes from it holds the tag
    import html
    import re
    [diagram] = re.findall(r'<pre class="mermaid" data-diagram>(.*?)</pre>', page, re.S)
    assert "<img" not in page
    assert 'state "＜img src=x onerror=alert(1)＞" as awaiting_contract' in html.unescape(diagram)
    assert "<img" not in html.unescape(diagram)
    assert 'mermaid.initialize({startOnLoad: true, securityLevel: "strict", htmlLabels: false' in page


def test_publish_asks_for_confirmation_with_the_diff_and_the_version_it_makes(admin, people):
    versions.save_overrides(people["p1"], "subscription", {"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})

    # a POST without the confirmation's content publishes nothing: it shows the confirmation
    blind = admin.post("/studio/P1/subscription/publish/")
    page = admin.get("/studio/P1/subscription/publish/").content.decode()

    assert FlowVersion.objects.filter(project=people["p1"], flow="subscription").count() == 1
    assert blind.status_code == 200 and "data-confirm-button" in blind.content.decode()
    assert "发布 v2？" in page
    assert "~ states.awaiting_contract.deadline.after: &#x27;7d&#x27; → &#x27;3d&#x27;" in page
    assert "（北京时间）" in page  # "now published: v1, since …" with its zone


def test_a_confirmation_overtaken_by_a_new_save_publishes_nothing(admin, people):
    versions.save_overrides(people["p1"], "subscription", {"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})
    reviewed = shown_hash(admin, "/studio/P1/subscription/publish/")
    versions.save_overrides(people["p1"], "subscription", {"states": {"awaiting_contract": {"deadline": {"after": "1d"}}}})

    page = admin.post("/studio/P1/subscription/publish/", {"content_hash": reviewed}, follow=True).content.decode()

    assert FlowVersion.objects.filter(project=people["p1"], flow="subscription").count() == 1
    assert "P1/subscription 在显示变更后又被修改；未发布：请重新查看变更" in page


def test_rollback_shows_what_it_would_change_and_refuses_a_stale_confirmation(admin, people):
    versions.publish(people["p1"], "subscription", overrides={"states": {"awaiting_contract": {"deadline": {"after": "3d"}}}})

    page = admin.get("/studio/P1/subscription/rollback/1/").content.decode()
    stale = admin.post("/studio/P1/subscription/rollback/1/", {"current": "1"}, follow=True).content.decode()

    assert "回滚：按 v1 的内容发布 v3？" in page
    assert "~ states.awaiting_contract.deadline.after: &#x27;3d&#x27; → &#x27;7d&#x27;" in page
    assert "P1/subscription 在显示变更后又发布了新版本" in stale
    assert FlowVersion.objects.filter(project=people["p1"], flow="subscription").count() == 2


def test_a_long_changed_value_is_shown_whole_on_several_lines(admin, people):
    long_title = "认购书签署前须由置业顾问核对客户身份证明、付款方式与优惠审批结果，并由销售经理复核后方可提交" * 4
    versions.save_overrides(people["p1"], "subscription", {"title": {"zh": long_title, "en": "Subscription"}})

    page = admin.get("/studio/P1/subscription/publish/").content.decode()

    assert "..." not in page.split("data-changes>")[1].split("</pre>")[0]
    diff = html.unescape(page.split("data-changes>")[1].split("</pre>")[0])
    assert "".join(line.strip() for line in diff.splitlines()[1:]).count(long_title[:40]) >= 1
    assert max(len(line) for line in diff.splitlines()) <= 140


def test_the_studios_headers_name_the_project_and_keep_its_code_secondary(admin, people):
    # given project P1, "Project one"
    pages = {url: admin.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode() for url in (
        "/studio/P1/", "/studio/P1/subscription/", "/studio/P1/subscription/migrate/", "/studio/P1/documents/",
        "/studio/P1/members/")}

    # then each page's title and heading name the project; the code is only the studio's muted aside
    for url, page in pages.items():
        heading = page[page.index("<h1"):page.index("</h1>")]
        title = page[page.index("<title>"):page.index("</title>")]
        assert "Project one" in heading and "Project one" in title, url
        assert "P1" not in title, url
        if url == "/studio/P1/":
            assert '<span class="muted" data-project-code>P1</span>' in heading
        else:
            assert ">P1<" not in heading and " P1 " not in heading, url


def test_the_versions_table_scrolls_inside_its_card(admin):
    page = admin.get("/studio/P1/subscription/").content.decode()

    assert '<div class="table-scroll" data-versions><table class="tasks versions cards">' in page

"""The studio's structured editor page (issue 20, item 1): the flow by title, each edit a form, errors at their fields."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from engine import versions

from .page_text import problems, read

URL = "/studio/P1/reservation/edit/"
COMMENTED = "# agreed with the client on 2026-11-30\nstates:\n  draft:\n    partial: true   # drafts may be incomplete\n"


@pytest.fixture
def admin(client, people, flows_dir):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "reservation", overrides_text=COMMENTED)
    client.force_login(people["manager"])
    return client


def _codes() -> set[str]:
    definition = versions.saved_effective(__import__("kernel.models").models.Project.objects.get(code="P1"),
                                          "reservation")[1]
    return ({s.name for s in definition.states} | {t.name for t in definition.transitions}
            | {t.name for t in definition.timers} | {"reservation_hours", "sales_consultant", "sales_manager"})


@pytest.mark.parametrize("language, chinese", [("zh-hans", True), ("en", False)])
def test_the_page_reads_the_flow_in_words_with_no_codes(admin, language, chinese):
    admin.cookies["django_language"] = language

    response = admin.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    page = read(html[html.index("<main"):html.index("</main>")])  # the page's own content, not the menu
    found = problems(page, chinese=chinese, codes=_codes(), data={"P1", "Project one", "朋友介绍", "Friend"},
                     allowed_words={"YAML"})
    assert "\n".join(found) == ""
    if chinese:
        assert "保留中" in page.text and "项目设置“小订保留时长（小时）”（以小时计）后" in page.text
        assert "锁定房源 → 保留中" in page.text


def test_a_deadline_changed_with_the_form_is_saved_with_the_comments_and_shows_the_diff(admin, people):
    response = admin.post(URL, {"form": "deadline-draft", "deadline-draft-after_amount": "12",
                                "deadline-draft-after_unit": "hours",
                                "deadline-draft-escalate_to": ["project_director"]}, follow=True)

    page = response.content.decode()
    assert "已保存：“草稿”的时限。改动如下，确认后即可发布。" in page
    assert "~ states.draft.deadline.after: &#x27;1d&#x27; → &#x27;12h&#x27;" in page
    text = versions.overrides_text(people["p1"], "reservation")
    assert text.startswith(COMMENTED)  # the admin's comments and order stay
    assert "deadline: {after: 12h, escalate_to: [project_director]}" in text
    # the YAML view shows the same overrides
    assert "after: 12h" in admin.get("/studio/P1/reservation/").content.decode()


def test_a_refused_form_keeps_what_was_typed_with_each_error_at_its_field_and_saves_nothing(admin, people):
    response = admin.post(URL, {"form": "approval-held", "approval-held-zh": "会签", "approval-held-en": "",
                                "approval-held-require": "count", "approval-held-approved": "convert",
                                "approval-held-rejected": "convert"})

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="会签"' in page  # kept
    assert '<details class="edit" open data-edit="approval-held">' in page
    for field, message in [("approval-held-en", "该字段是必填项。"), ("approval-held-roles", "请至少选择一个角色。"),
                           ("approval-held-require_count", "请填写需要多少人同意。"),
                           ("approval-held-rejected", "同意与驳回须走不同的步骤。")]:
        errors = page.split(f'data-errors-for="{field}"', 1)[1].split("</ul>", 1)[0]
        assert message in errors, field
    assert versions.overrides_text(people["p1"], "reservation") == COMMENTED


def test_a_form_the_flow_no_longer_has_is_refused_in_words(admin):
    response = admin.post(URL, {"form": "deadline-no_such_state"})

    assert response.status_code == 400
    assert "流程已被修改，此修改无法进行。请刷新页面。" in response.content.decode()


def test_the_editor_is_for_project_admins_only(client, people, flows_dir):
    versions.publish(people["p1"], "reservation")
    client.force_login(people["director"])

    assert client.get(URL).status_code == 404
    assert client.post(URL, {"form": "title-flow", "title-flow-zh": "x", "title-flow-en": "y"}).status_code == 404


def test_the_page_costs_the_same_queries_with_more_changes_saved(admin, people):
    with CaptureQueriesContext(connection) as few:
        assert admin.get(URL).status_code == 200
    for n, state in enumerate(["draft", "held", "refund_pending"]):
        admin.post(URL, {"form": f"title-state-{state}", f"title-state-{state}-zh": f"状态{n}",
                         f"title-state-{state}-en": f"State {n}"})
    with CaptureQueriesContext(connection) as many:
        assert admin.get(URL).status_code == 200

    assert len(many) == len(few)


def test_the_changes_are_said_in_words_by_title_before_the_technical_diff(admin, people):
    admin.post(URL, {"form": "title-state-held", "title-state-held-zh": "锁定保留中", "title-state-held-en": "Unit held"})
    admin.post(URL, {"form": "approval-held", "approval-held-zh": "转认购会签", "approval-held-en": "Countersign",
                     "approval-held-roles": ["sales_manager", "finance"], "approval-held-require": "all",
                     "approval-held-approved": "convert", "approval-held-rejected": "expire"})
    admin.post(URL, {"form": "roles-cancel", "roles-cancel-roles": ["sales_manager"]})

    page = admin.get(URL).content.decode()
    confirm = admin.get("/studio/P1/reservation/publish/").content.decode()

    said = read(page[page.index("data-changes-in-words"):page.index("</ul>", page.index("data-changes-in-words"))]).text
    assert "状态“保留中”改名为“锁定保留中”。" in said
    assert ("“锁定保留中”新增审批“转认购会签”：销售经理、财务，全部同意（会签）；同意后：转认购，驳回后：过期释放。"
            in said)
    assert "“取消”改由销售经理执行（原为置业顾问、销售经理）。" in said
    assert "held" not in said and "states." not in said  # no codes in the words
    assert "现在通往" not in said  # a step nobody changed is not said to lead elsewhere (its branches rebuilt)
    assert "状态“保留中”改名为“锁定保留中”。" in confirm and "同样的改动（技术格式，供实施人员查看）" in confirm

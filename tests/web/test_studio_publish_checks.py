"""The studio's publish confirmation shows the checks across flows and running records, and asks for a choice."""
import re

import pytest

from accounts.models import Membership
from engine import versions
from engine.runtime import records
from kernel.models import Customer

NEWLY_REQUIRED = ("entity:\n  schema:\n    required: [unit_id, customer_id, buyers, payment_plan, list_price, "
                  "deal_price, deposit, channel]\n")
START_NEEDS_CHANNEL = "start:\n  form:\n    fields: [unit_id, customer_id, channel]\n    required: [customer_id, channel]\n"


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    versions.publish(people["p1"], "subscription")
    client.force_login(people["manager"])
    return client


def _running_subscription(people):
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    return records.start_record(people["consultant"], people["p1"], "subscription", {"customer_id": customer.pk})


def _save(admin, text):
    assert admin.post("/studio/P1/subscription/", {"overrides": text, "action": "save"}).status_code == 302


def _hash(page: str) -> str:
    return re.search(r'name="content_hash" value="(\w+)"', page).group(1)


@pytest.mark.parametrize("language, said, choice", [
    ("zh-hans", "自此版本起“分销渠道”为必填项；缺少该字段的在办记录：1 条（版本 v1）", "仅对新记录要求填写"),
    ("en", "“Agency channel” is required from this version on; running records lacking it: 1 (versions v1)",
     "Require it of new records only"),
])
def test_a_newly_required_field_running_records_lack_is_shown_with_a_choice(admin, people, language, said, choice):
    _running_subscription(people)
    _save(admin, NEWLY_REQUIRED)

    page = admin.get("/studio/P1/subscription/publish/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert said in page and choice in page
    assert 'data-required-choice="channel"' in page and "data-confirm-button" in page


def test_publishing_without_a_choice_publishes_nothing_and_with_one_publishes(admin, people):
    _running_subscription(people)
    _save(admin, NEWLY_REQUIRED)
    shown = _hash(admin.get("/studio/P1/subscription/publish/").content.decode())

    refused = admin.post("/studio/P1/subscription/publish/", {"content_hash": shown}, follow=True).content.decode()
    assert "未发布" in refused and versions.published_version(people["p1"], "subscription").number == 1

    admin.post("/studio/P1/subscription/publish/", {
        "content_hash": shown, "required_field": "channel", "choice_channel": "default", "default_channel": "walk_in"})
    current = versions.published_version(people["p1"], "subscription")
    assert current.number == 2 and '"default":"walk_in"' in current.content


def test_a_start_form_a_linking_flow_cannot_fill_keeps_the_publish_button_away(admin, people):
    versions.publish(people["p1"], "reservation")
    _save(admin, START_NEEDS_CHANNEL)

    page = admin.get("/studio/P1/subscription/publish/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "“预留/小订”在其步骤“转认购”中发起“认购”时未提供“分销渠道”" in page
    assert "此版本会影响发起它或由它发起的关联流程，暂不能发布" in page
    assert "data-confirm-button" not in page


@pytest.mark.parametrize("language, said", [
    ("zh-hans", "项目设置“认购转签约期限（天）”没有被本项目的任何流程或其他功能读取：修改它不会产生任何效果。"),
    ("en", "The project setting “Days from subscription to contract” is read by no flow of this project and by "
           "nothing else: changing it changes nothing."),
])
def test_the_studio_names_the_project_settings_nothing_reads(admin, people, language, said):
    versions.publish(people["p1"], "reservation")

    page = admin.get("/studio/P1/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert "data-unread-settings" in page and said in page
    assert "Reservation hold" not in page and "小订保留时长" not in page  # the reservation's hold reads it


def test_the_migration_page_offers_the_default_chosen_at_publish(admin, people):
    _running_subscription(people)
    _save(admin, NEWLY_REQUIRED.replace("channel", "change_reason"))
    versions.publish(people["p1"], "subscription", choices={"change_reason": {"default": "补录"}})

    page = admin.get("/studio/P1/subscription/migrate/?from=1").content.decode()

    field = page[page.index('data-field="value-change_reason"'):]
    assert "补录" in field[:field.index("</div>")]


def test_check_in_the_studio_shows_what_the_text_on_screen_would_do_to_running_records(admin, people):
    _running_subscription(people)

    page = admin.post("/studio/P1/subscription/", {"overrides": NEWLY_REQUIRED, "action": "check"},
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "data-findings" in page and "自此版本起“分销渠道”为必填项；缺少该字段的在办记录：1 条（版本 v1）" in page
    assert versions.stored_overrides(people["p1"], "subscription") == {}  # a check stores nothing

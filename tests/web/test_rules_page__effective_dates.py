"""The rules page: scheduling a revision, the revisions with their zone, and applying rules to open deals
only after they are listed and confirmed (issue 20 item 3)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership
from extensions import deal_rules
from extensions.models import DealRules, RuleRevision
from extensions.rulesets import publish_rules

COMMISSION = {"payable": {"collected_share": "0.30"}}


@pytest.fixture
def admin(client, people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    client.force_login(people["manager"])
    return client


@pytest.fixture
def open_deal(people):
    """A deal frozen at revision 1 of the commission rules, then revision 2 published (backdated to be in force)."""
    project = people["p1"]
    publish_rules(project, "commission", COMMISSION)
    deal_rules.freeze(project.pk, "commission", record_id=9001, reference="CON-009001", at=timezone.now())
    publish_rules(project, "commission", {"payable": {"collected_share": "0.20"}})
    return DealRules.objects.get(record_id=9001)


def test_a_revision_can_be_scheduled_at_the_projects_zone(admin, people):
    moment = (timezone.now() + timedelta(days=5)).astimezone(people["p1"].zone).replace(second=0, microsecond=0)

    response = admin.post("/studio/P1/rules/commission/", {
        "config": "payable: {collected_share: \"0.30\"}\n", "valid_from": f"{moment:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 302
    assert RuleRevision.objects.get(project=people["p1"], plugin="commission").valid_from == moment
    page = admin.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"佣金规则已保存为第 1 版，自 {moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}（北京时间）起生效。" in page
    assert "定时生效" in page


def test_a_moment_in_the_past_is_refused_in_words_and_nothing_is_saved(admin, people):
    response = admin.post("/studio/P1/rules/commission/", {
        "config": "payable: {collected_share: \"0.30\"}\n", "valid_from": "2020-01-01T09:00"},
        HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "In force from: the moment is in the past." in response.content.decode()
    assert not RuleRevision.objects.exists()


def test_open_deals_are_listed_and_changed_only_after_the_confirmation(admin, people, open_deal):
    # the page says how many open deals keep earlier rules, and links to the list
    page = admin.get("/studio/P1/rules/commission/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 open deal keeps earlier rules than revision 2, in force." in page
    assert "CON-009001" not in page

    # the confirmation lists them, and changes nothing yet
    page = admin.get("/studio/P1/rules/commission/?apply=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Apply revision 2 to 1 open deal?" in page and "Apply revision 2 to this 1 deal<" in page  # one: singular
    assert "CON-009001" in page and "revision 1" in page and "(Asia/Shanghai)" in page
    open_deal.refresh_from_db()
    assert open_deal.rule_revision.revision == 1

    # confirmed: applied to the listed deal
    response = admin.post("/studio/P1/rules/commission/", {"intent": "apply_to_open", "revision": "2",
                                                           "deal": [str(open_deal.pk)]})
    assert response.status_code == 302
    open_deal.refresh_from_db()
    assert open_deal.rule_revision.revision == 2
    page = admin.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "1 笔未结交易现按佣金规则第 2 版执行。" in page


def test_a_confirmation_for_rules_no_longer_in_force_changes_nothing(admin, people, open_deal):
    publish_rules(people["p1"], "commission", {"payable": {"collected_share": "0.10"}})  # revision 3

    response = admin.post("/studio/P1/rules/commission/", {"intent": "apply_to_open", "revision": "2",
                                                           "deal": [str(open_deal.pk)]}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    open_deal.refresh_from_db()
    assert open_deal.rule_revision.revision == 1
    page = admin.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "nothing was changed" in page


def test_the_rules_page_reads_in_a_fixed_number_of_queries(admin, people, django_assert_max_num_queries):
    project = people["p1"]
    publish_rules(project, "commission", COMMISSION)
    for i in range(30):
        deal_rules.freeze(project.pk, "commission", record_id=9100 + i, reference=f"CON-{9100 + i:06d}",
                          at=timezone.now())
    for share in ("0.20", "0.25"):
        publish_rules(project, "commission", {"payable": {"collected_share": share}})

    with django_assert_max_num_queries(14):
        page = admin.get("/studio/P1/rules/commission/?apply=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert page.count("CON-00") == 30

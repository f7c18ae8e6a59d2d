"""Follow-ups: stage and next date on the registration, the stage's history, protection, refusals, one row per token."""
from datetime import date, timedelta

import pytest

from kernel import customers, followups
from kernel.errors import (
    CustomerNotRegistered,
    CustomerProtected,
    FollowUpChannelUnknown,
    FollowUpDateInPast,
    FollowUpStageUnknown,
    NotAMember,
    NotPermitted,
)
from kernel.models import CustomerRegistration, FollowUp

from .conftest import NOW, make_user

TODAY = date(2026, 5, 1)  # NOW's date in Asia/Shanghai


def log(project, customer, user, token="t1", **changes):
    args = {"project_id": project.pk, "customer_id": customer.pk, "by_user_id": user.pk, "channel": "call",
            "stage": "strong_interest", "note": "想要三房", "next_on": TODAY + timedelta(days=3), "token": token,
            "now": NOW, **changes}
    return followups.log_follow_up(**args)


def test_a_follow_up_sets_the_registrations_stage_last_contact_and_next_date(project, zhang, wang):
    # when
    follow_up = log(project, zhang, wang)

    # then
    registration = CustomerRegistration.objects.get(project=project, customer=zhang)
    assert (registration.stage, registration.last_contact_at, registration.next_follow_up_on) == (
        "strong_interest", NOW, date(2026, 5, 4))
    assert (follow_up.channel, follow_up.stage, follow_up.previous_stage, follow_up.note, follow_up.by_id) == (
        "call", "strong_interest", "", "想要三房", wang.pk)


def test_each_stage_change_keeps_the_stage_it_replaced(project, zhang, wang):
    log(project, zhang, wang, token="a", stage="intention")
    log(project, zhang, wang, token="b", stage="negotiating", now=NOW + timedelta(hours=1))

    history = [(f.previous_stage, f.stage) for f in followups.stage_history(project.pk, zhang.pk)]

    assert history == [("intention", "negotiating"), ("", "intention")]


def test_the_same_token_twice_logs_one_follow_up(project, zhang, wang):
    first = log(project, zhang, wang, token="same")
    second = log(project, zhang, wang, token="same", stage="negotiating")

    assert second.pk == first.pk
    assert FollowUp.objects.count() == 1
    assert CustomerRegistration.objects.get(customer=zhang).stage == "strong_interest"


def test_a_stage_the_project_does_not_have_is_refused_naming_the_field_and_the_stages(project, zhang, wang):
    with pytest.raises(FollowUpStageUnknown) as caught:
        log(project, zhang, wang, stage="hot")

    assert caught.value.params["field"] == "stage"
    assert caught.value.message_en == ("stage hot is not one of K1's opportunity stages: choose one of Intention 10%, "
                                       "Visited 30%, Strong interest 50%, Negotiating 70%, About to sign 90%")
    assert caught.value.message_zh.startswith("阶段 hot 不是 K1 的商机阶段，请从以下阶段中选择：意向 10%、已到访 30%")
    assert FollowUp.objects.count() == 0
    assert CustomerRegistration.objects.get(customer=zhang).stage == ""


def test_a_project_configures_its_own_stages(project, zhang, wang):
    project.settings = {**project.settings, "opportunity_stages": [
        {"code": "warm", "percent": 20, "zh": "有兴趣", "en": "Warm"}]}
    project.save()

    log(project, zhang, wang, stage="warm")
    with pytest.raises(FollowUpStageUnknown):
        log(project, zhang, wang, token="t2", stage="intention")


def test_a_next_date_in_the_past_is_refused_today_is_allowed(project, zhang, wang):
    with pytest.raises(FollowUpDateInPast) as caught:
        log(project, zhang, wang, next_on=TODAY - timedelta(days=1))

    assert caught.value.params["field"] == "next_on"
    assert caught.value.message_en == "the next follow-up date 2026-04-30 is in the past: choose 2026-05-01 or later"
    assert caught.value.message_zh == "下次跟进日期 2026-04-30 已过，请选择 2026-05-01 或之后的日期"
    assert log(project, zhang, wang, next_on=TODAY).next_on == TODAY


def test_today_is_the_projects_date_not_the_servers(project, zhang, wang):
    # 2026-05-01 10:00 in Shanghai is still 2026-04-30 in Los Angeles
    project.settings = {**project.settings, "time_zone": "America/Los_Angeles"}
    project.save()

    assert log(project, zhang, wang, next_on=date(2026, 4, 30)).next_on == date(2026, 4, 30)


def test_an_unknown_channel_is_refused(project, zhang, wang):
    with pytest.raises(FollowUpChannelUnknown) as caught:
        log(project, zhang, wang, channel="fax")
    assert caught.value.params["field"] == "channel"


def test_another_consultant_may_not_follow_up_a_protected_customer_a_manager_may(project, zhang, wang):
    li = make_user("li", project, "sales_consultant")
    boss = make_user("boss", project, "sales_manager")

    with pytest.raises(CustomerProtected):
        log(project, zhang, li)
    assert FollowUp.objects.count() == 0

    assert log(project, zhang, boss, token="t2").by_id == boss.pk


def test_finance_may_not_log_a_follow_up_and_the_consultants_next_date_stays(project, zhang, wang):
    # given: the consultant planned the next call; finance (not bound by protection) tries to log one
    log(project, zhang, wang, token="planned")
    finance = make_user("fin", project, "finance")

    # when
    with pytest.raises(NotPermitted) as caught:
        log(project, zhang, finance, token="fin", next_on=None)

    # then: refused in words naming the roles; nothing changed
    assert caught.value.message_en == ("logging a follow-up needs one of these roles in K1: Project admin, "
                                       "Project director, Sales consultant, Sales manager")
    assert caught.value.message_zh.startswith("记录跟进需要在 K1 担任以下角色之一：")
    assert "sales_consultant" not in caught.value.message_zh
    assert FollowUp.objects.count() == 1
    assert CustomerRegistration.objects.get(customer=zhang).next_follow_up_on == date(2026, 5, 4)


def test_a_channel_agent_may_not_log_a_follow_up_even_after_the_protection(project, zhang):
    agent = make_user("agent", project, "channel_agent")

    with pytest.raises(NotPermitted):
        log(project, zhang, agent, now=NOW + timedelta(days=31))


def test_an_empty_note_is_refused_at_its_field_and_nothing_changes(project, zhang, wang):
    log(project, zhang, wang, token="planned")

    with pytest.raises(followups.FollowUpNoteMissing) as caught:
        log(project, zhang, wang, token="empty", note="  ", next_on=None)

    assert caught.value.params["field"] == "note"
    assert caught.value.message_zh.startswith("请填写跟进内容")
    assert FollowUp.objects.count() == 1
    assert CustomerRegistration.objects.get(customer=zhang).next_follow_up_on == date(2026, 5, 4)


def test_may_log_follow_up_says_what_log_follow_up_does_without_a_query(project, zhang, wang,
                                                                        django_assert_num_queries):
    li = make_user("li", project, "sales_consultant")
    registration = CustomerRegistration.objects.select_related("project").get(customer=zhang)
    later = NOW + timedelta(days=31)

    with django_assert_num_queries(0):
        answers = {
            "owner": followups.may_log_follow_up(registration, wang.pk, frozenset({"sales_consultant"}), project, NOW),
            "colleague": followups.may_log_follow_up(registration, li.pk, frozenset({"sales_consultant"}), project,
                                                     NOW),
            "colleague later": followups.may_log_follow_up(registration, li.pk, frozenset({"sales_consultant"}),
                                                           project, later),
            "manager": followups.may_log_follow_up(registration, 0, frozenset({"sales_manager"}), project, NOW),
            "finance": followups.may_log_follow_up(registration, 0, frozenset({"finance"}), project, later),
            "nobody": followups.may_log_follow_up(registration, 0, frozenset(), project, later),
        }

    assert answers == {"owner": True, "colleague": False, "colleague later": True, "manager": True,
                       "finance": False, "nobody": False}


def test_after_the_protection_ends_another_consultant_may_follow_up(project, zhang):
    li = make_user("li", project, "sales_consultant")

    follow_up = log(project, zhang, li, now=NOW + timedelta(days=31), next_on=None)

    assert follow_up.by_id == li.pk
    assert CustomerRegistration.objects.get(customer=zhang).next_follow_up_on is None


def test_a_stranger_to_the_project_and_an_unregistered_customer_are_refused(project, zhang, wang):
    stranger = make_user("stranger")
    other = customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13900001111",
                               now=NOW).customer
    CustomerRegistration.objects.filter(customer=other).delete()

    with pytest.raises(NotAMember):
        log(project, zhang, stranger, now=NOW + timedelta(days=31))
    with pytest.raises(CustomerNotRegistered):
        log(project, other, wang)


def test_due_follow_ups_are_today_and_overdue_ones_soonest_first(project, zhang, wang):
    # given
    second = customers.register(project_id=project.pk, consultant_id=wang.pk, name="李娜", phone="13900001111",
                                now=NOW).customer
    third = customers.register(project_id=project.pk, consultant_id=wang.pk, name="赵六", phone="13900002222",
                               now=NOW).customer
    log(project, zhang, wang, token="a", next_on=TODAY + timedelta(days=2))
    log(project, second, wang, token="b", next_on=TODAY)
    log(project, third, wang, token="c", next_on=TODAY + timedelta(days=5))

    # when: the day before, on the day, and later
    before = followups.due_follow_ups(wang, on=TODAY + timedelta(days=1))
    on_the_day = followups.due_follow_ups(wang, on=TODAY + timedelta(days=2))
    later = followups.due_follow_ups(wang, on=TODAY + timedelta(days=5))

    # then
    assert [(r.customer.name, r.overdue) for r in before] == [("李娜", True)]
    assert [(r.customer.name, r.overdue) for r in on_the_day] == [("李娜", True), ("张伟", False)]
    assert [r.customer.name for r in later] == ["李娜", "张伟", "赵六"]
    assert followups.due_follow_ups(make_user("li", project, "sales_consultant"), on=TODAY + timedelta(days=9)) == []


def test_a_consultant_who_left_the_project_has_no_reminders_there(project, zhang, wang):
    log(project, zhang, wang, next_on=TODAY)
    wang.memberships.all().delete()

    assert followups.due_follow_ups(wang, on=TODAY) == []


def test_overdue_follow_ups_for_the_manager(project, zhang, wang):
    log(project, zhang, wang, next_on=TODAY)

    assert list(followups.overdue_follow_ups(project, on=TODAY)) == []
    assert [r.customer_id for r in followups.overdue_follow_ups(project, on=TODAY + timedelta(days=1))] == [zhang.pk]
    assert followups.overdue_counts({project.pk: project}, on=TODAY + timedelta(days=1)) == {project.pk: 1}

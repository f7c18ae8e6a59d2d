"""The front desk's services: visits and calls register the customer, protection refuses in words, one submit
is one visit; the phone lookup says what the viewer may know; campaigns are checked; resident IDs too."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kernel import customers
from kernel.errors import CustomerProtected, InvalidCustomerData, InvalidPhone, NotPermitted
from kernel.id_numbers import check_character, resident_id_problem
from kernel.models import Campaign, Company, Customer, CustomerRegistration, Project, Visit
from kernel.visits import InvalidCampaign, InvalidVisit, create_campaign, phone_lookup, register_visit, update_campaign

from .conftest import NOW, make_user

_tokens = iter(range(10_000))


def visit(project, by, phone="13812341234", *, name="张伟", kind="visit", token=None, **more):
    return register_visit(project_id=project.pk, received_by_id=by.pk, kind=kind, phone=phone, name=name,
                          token=token or f"t{next(_tokens)}", now=more.pop("now", NOW), **more)


@pytest.fixture
def li(project):
    return make_user("li", project, "sales_consultant")


@pytest.fixture
def manager(project):
    return make_user("manager", project, "sales_manager")


@pytest.fixture
def campaign(project, manager):
    return create_campaign(project_id=project.pk, by_user_id=manager.pk, name="五一抖音直播", source_type="short_video",
                           channel="抖音", starts_on=date(2026, 4, 25), ends_on=date(2026, 5, 5), cost="12000.00")


# Visits and calls

def test_a_new_phone_makes_a_customer_registered_and_protected_for_the_receiver(project, wang):
    # when
    made = visit(project, wang, "138 1234 1234", layout="3室2厅", budget="3000000.00", area="128.5", note="看南向")

    # then
    registration = CustomerRegistration.objects.get()
    assert (made.customer.name, made.customer.phone) == ("张伟", "+8613812341234")
    assert (registration.consultant_id, registration.protected_until) == (wang.pk, NOW + timedelta(days=30))
    assert (made.kind, made.returning, made.received_by_id) == ("visit", False, wang.pk)
    assert (made.layout, made.budget, made.area, made.note) == ("3室2厅", Decimal("3000000.00"), Decimal("128.50"),
                                                                 "看南向")


def test_an_existing_customer_of_the_same_consultant_comes_back_as_returning(project, wang, zhang):
    # given: Wang registered 张伟 (fixture); a first call
    first = visit(project, wang, kind="call")

    # when
    second = visit(project, wang, "+86 138-1234-1234", name="")

    # then
    assert (first.customer_id, second.customer_id) == (zhang.pk, zhang.pk)
    assert (first.returning, second.returning) == (False, True)
    assert Customer.objects.count() == 1 and CustomerRegistration.objects.count() == 1


def test_a_visit_is_the_customer_s_last_contact_and_a_late_entry_does_not_move_it_back(project, wang, zhang):
    # when: a visit today, then yesterday's call entered late
    visit(project, wang, now=NOW)
    visit(project, wang, kind="call", now=NOW - timedelta(days=1))

    # then
    assert CustomerRegistration.objects.get().last_contact_at == NOW


def test_a_customer_protected_for_another_consultant_is_refused_naming_whom_to_ask(project, wang, zhang, li):
    with pytest.raises(CustomerProtected) as refused:
        visit(project, li)

    assert refused.value.message_zh == "客户 张伟 在 K1 由 Wang 保护至 2026年5月31日 10:00（北京时间），请联系Wang或销售经理"
    assert "ask Wang or a sales manager" in refused.value.message_en
    assert refused.value.params["consultant_id"] == wang.pk
    assert not Visit.objects.exists()
    assert CustomerRegistration.objects.get().consultant_id == wang.pk


def test_after_the_protection_ends_another_consultant_takes_the_customer_over(project, wang, zhang, li):
    later = NOW + timedelta(days=31)

    made = visit(project, li, now=later)

    assert CustomerRegistration.objects.get().consultant_id == li.pk
    assert made.customer_id == zhang.pk


def test_a_customer_from_another_project_is_claimed_here_and_keeps_their_name(project, wang):
    other = Project.objects.create(code="K2", name="Other")
    elsewhere = make_user("elsewhere", other, "sales_consultant")
    customers.register(project_id=other.pk, consultant_id=elsewhere.pk, name="张伟", phone="13812341234", now=NOW)

    made = visit(project, wang, name="张小伟")

    assert made.customer.name == "张伟"  # a name change goes through the key-field change, not the front desk
    assert CustomerRegistration.objects.get(project=project).consultant_id == wang.pk
    assert made.returning is False  # visits count per project


def test_the_same_token_twice_returns_the_first_visit_and_writes_nothing_more(project, wang):
    first = visit(project, wang, token="same")

    again = visit(project, wang, token="same", kind="call")

    assert again.pk == first.pk and Visit.objects.count() == 1


def test_a_manager_registers_a_visit_for_a_named_consultant(project, manager, wang):
    made = visit(project, manager, consultant_id=wang.pk)

    assert made.received_by_id == manager.pk
    assert CustomerRegistration.objects.get().consultant_id == wang.pk


def test_a_manager_naming_nobody_leaves_a_protected_customer_with_their_consultant(project, manager, wang, zhang):
    made = visit(project, manager)

    assert made.returning is False and made.received_by_id == manager.pk
    assert CustomerRegistration.objects.get().consultant_id == wang.pk


def test_a_consultant_may_not_register_for_another_consultant(project, wang, li):
    with pytest.raises(InvalidVisit) as refused:
        visit(project, wang, consultant_id=li.pk)

    assert refused.value.params["field"] == "consultant"
    assert not Customer.objects.exists()


def test_the_named_consultant_must_be_a_sales_consultant_of_the_project(project, manager):
    finance = make_user("fin", project, "finance")

    with pytest.raises(InvalidVisit) as refused:
        visit(project, manager, consultant_id=finance.pk)

    assert refused.value.message_zh == "consultant（置业顾问）：所选人员不是 K1 的置业顾问"


def test_someone_without_a_front_desk_role_is_refused(project):
    finance = make_user("fin", project, "finance")

    with pytest.raises(NotPermitted):
        visit(project, finance)


def test_an_unknown_source_type_is_refused_naming_the_field(project, wang):
    with pytest.raises(InvalidVisit) as refused:
        visit(project, wang, source_type="billboard")

    assert refused.value.params["field"] == "source_type"
    assert refused.value.message_zh.startswith("source_type（来源类型）：「billboard」不是本项目的来源类型（老带新、")
    assert not Customer.objects.exists()


def test_the_project_s_own_source_types_are_the_ones_accepted(project, wang):
    project.settings = {**project.settings, "source_types": [{"code": "billboard", "zh": "户外广告", "en": "Billboard"}]}
    project.save()

    assert visit(project, wang, source_type="billboard").source_type == "billboard"
    with pytest.raises(InvalidVisit):
        visit(project, wang, "13900001111", source_type="walk_in")


def test_a_campaign_of_another_project_is_refused(project, wang):
    other = Project.objects.create(code="K2", name="Other")
    boss = make_user("boss", other, "sales_manager")
    foreign = create_campaign(project_id=other.pk, by_user_id=boss.pk, name="外盘活动", source_type="channel",
                              starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 31))

    with pytest.raises(InvalidVisit) as refused:
        visit(project, wang, campaign_id=foreign.pk)

    assert refused.value.message_zh == "campaign（推广活动）：本项目没有这个推广活动"


def test_a_campaign_gives_its_source_type_and_a_different_one_is_refused(project, wang, campaign):
    made = visit(project, wang, campaign_id=campaign.pk)
    assert made.source_type == "short_video" and made.campaign_id == campaign.pk

    with pytest.raises(InvalidVisit) as refused:
        visit(project, wang, "13900001111", campaign_id=campaign.pk, source_type="referral")
    assert refused.value.message_zh == ("campaign（推广活动）：推广活动「五一抖音直播」属于「短视频/抖音」，"
                                        "与所选来源类型「老带新」不符，请改选来源类型或活动")


def test_an_inactive_campaign_is_refused(project, wang, manager, campaign):
    update_campaign(campaign.pk, project_id=project.pk, by_user_id=manager.pk, name=campaign.name,
                    source_type="short_video", starts_on=campaign.starts_on, ends_on=campaign.ends_on,
                    cost=campaign.cost, active=False)

    with pytest.raises(InvalidVisit, match="no longer active"):
        visit(project, wang, campaign_id=campaign.pk)


@pytest.mark.parametrize(("field", "value"), [("budget", "-1"), ("budget", "12.345"), ("area", "abc"),
                                              ("area", "0"), ("kind", "email")])
def test_intention_numbers_and_the_kind_are_checked_naming_the_field(project, wang, field, value):
    with pytest.raises(InvalidVisit) as refused:
        visit(project, wang, **{field: value})

    assert refused.value.params["field"] == field
    assert not Customer.objects.exists()


def test_an_invalid_phone_and_a_new_customer_without_a_name_are_refused(project, wang):
    with pytest.raises(InvalidPhone):
        visit(project, wang, "12345")
    with pytest.raises(InvalidCustomerData):
        visit(project, wang, name=" ")
    assert not Customer.objects.exists() and not Visit.objects.exists()


# The phone lookup

def test_the_lookup_shows_a_customer_of_this_project_masked_for_another_consultant(project, wang, zhang, li):
    found = phone_lookup(project.pk, li, "138 1234 1234", now=NOW)

    assert found == {"status": "here", "customer_id": zhang.pk, "name": "张伟", "phone": "138****1234",
                     "consultant": "Wang", "consultant_id": wang.pk, "protected_until": NOW + timedelta(days=30),
                     "may_serve": False, "visited_before": False}


def test_the_lookup_shows_the_full_phone_to_the_consultant_and_a_manager(project, wang, zhang, manager):
    visit(project, wang)

    mine = phone_lookup(project.pk, wang, "13812341234", now=NOW)
    managers = phone_lookup(project.pk, manager, "13812341234", now=NOW)

    assert (mine["phone"], mine["may_serve"], mine["visited_before"]) == ("13812341234", True, True)
    assert (managers["phone"], managers["may_serve"]) == ("13812341234", True)


def test_the_lookup_says_nothing_of_half_numbers_unknown_numbers_and_other_companies(project, li):
    other = Project.objects.create(code="K2", name="Other")
    someone = make_user("someone", other, "sales_consultant")
    customers.register(project_id=other.pk, consultant_id=someone.pk, name="张伟", phone="13812341234", now=NOW)

    assert phone_lookup(project.pk, li, "138123", now=NOW) is None
    assert phone_lookup(project.pk, li, "13900001111", now=NOW) is None
    assert phone_lookup(project.pk, li, "13812341234", now=NOW) is None  # neither project has a company


def test_the_lookup_says_registered_elsewhere_in_the_company_or_shows_them_when_it_shares(project, li):
    group = Company.objects.create(code="g", name="集团")
    other = Project.objects.create(code="K2", name="Other", company=group)
    Project.objects.filter(pk=project.pk).update(company=group)
    someone = make_user("someone", other, "sales_consultant")
    zhang = customers.register(project_id=other.pk, consultant_id=someone.pk, name="张伟", phone="13812341234",
                               now=NOW).customer

    assert phone_lookup(project.pk, li, "13812341234", now=NOW) == {"status": "elsewhere"}

    Company.objects.filter(pk=group.pk).update(share_customers=True)
    shared = phone_lookup(project.pk, li, "13812341234", now=NOW)
    assert (shared["status"], shared["customer_id"], shared["name"], shared["phone"], shared["may_serve"]) == (
        "shared", zhang.pk, "张伟", "138****1234", True)


# Campaigns

def test_a_campaign_is_created_with_its_period_cost_and_source(campaign):
    assert (campaign.name, campaign.source_type, campaign.channel, campaign.cost) == (
        "五一抖音直播", "short_video", "抖音", Decimal("12000.00"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"ends_on": date(2026, 4, 1)}, "ends_on"), ({"cost": "-5"}, "cost"), ({"cost": "1.234"}, "cost"),
    ({"source_type": "billboard"}, "source_type"), ({"name": " "}, "name"), ({"starts_on": "2026-05-01"}, "starts_on"),
])
def test_campaign_values_are_checked_naming_the_field(project, manager, campaign, changes, field):
    values = {"name": "春季", "source_type": "walk_in", "starts_on": date(2026, 4, 2), "ends_on": date(2026, 4, 30),
              "cost": "0", **changes}

    with pytest.raises(InvalidCampaign) as refused:
        update_campaign(campaign.pk, project_id=project.pk, by_user_id=manager.pk, **values)

    assert refused.value.params["field"] == field
    campaign.refresh_from_db()
    assert campaign.name == "五一抖音直播"


def test_a_second_campaign_with_the_same_name_is_refused(project, manager, campaign):
    with pytest.raises(InvalidCampaign) as refused:
        create_campaign(project_id=project.pk, by_user_id=manager.pk, name="五一抖音直播", source_type="walk_in",
                        starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1))

    assert refused.value.message_zh == "name（活动名称）：本项目已有名为「五一抖音直播」的推广活动"
    assert Campaign.objects.count() == 1


def test_only_managers_create_campaigns(project, wang):
    with pytest.raises(NotPermitted):
        create_campaign(project_id=project.pk, by_user_id=wang.pk, name="x", source_type="walk_in",
                        starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 1))


# Resident ID numbers

def test_the_resident_id_check_digit_birthday_and_length_are_checked():
    assert resident_id_problem("11010519491231002X") is None
    assert resident_id_problem("11010519491231002x") is None
    assert check_character("11010519491231002") == "X"
    assert resident_id_problem("110105194912310021")[1] == "校验码不符，号码可能输错了"
    assert resident_id_problem("110105194902300025")[1].startswith("其中的出生日期（19490230）")
    assert resident_id_problem("1101051949123100")[1].startswith("居民身份证号码应为 18 位")


def test_a_customer_with_a_wrong_resident_id_is_refused_naming_the_field(project, wang):
    with pytest.raises(InvalidCustomerData) as refused:
        customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13812341234",
                           extra={"id_number": "110105194912310021"}, now=NOW)

    assert refused.value.message_zh == "客户资料不符合要求：id_number（证件号码）：校验码不符，号码可能输错了"
    assert not Customer.objects.exists()


def test_a_passport_number_is_not_held_to_the_resident_id_rule_and_an_x_is_kept_upper_case(project, wang):
    passport = customers.register(project_id=project.pk, consultant_id=wang.pk, name="Ann", phone="13812341234",
                                  extra={"id_type": "passport", "id_number": "E12345678"}, now=NOW).customer
    resident = customers.register(project_id=project.pk, consultant_id=wang.pk, name="张伟", phone="13900001111",
                                  extra={"id_type": "resident_id", "id_number": "11010519491231002x"}, now=NOW).customer

    assert passport.extra["id_number"] == "E12345678"
    assert resident.extra["id_number"] == "11010519491231002X"

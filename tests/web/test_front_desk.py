"""The front desk pages: register a visit or call with the phone looked up as typed, refusals at the field in the
user's language, today's list; the visits list with filters and counts; campaigns for managers only."""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership, User
from kernel import customers
from kernel.models import Campaign, Company, CustomerRegistration, Project, Visit
from kernel.visits import create_campaign, register_visit

DESK = "/projects/P1/front-desk/"
LOOKUP = "/projects/P1/front-desk/lookup/"
VISITS = "/projects/P1/visits/"
CAMPAIGNS = "/projects/P1/campaigns/"


@pytest.fixture
def world(people):
    for name, display in (("consultant", "王芳"), ("consultant2", "李强"), ("manager", "赵经理")):
        User.objects.filter(username=name).update(display_name=display)
        people[name].refresh_from_db()
    today = timezone.now().astimezone(people["p1"].zone).date()
    campaign = create_campaign(project_id=people["p1"].pk, by_user_id=people["manager"].pk, name="五一抖音直播",
                               source_type="short_video", channel="抖音", starts_on=today - timedelta(days=6),
                               ends_on=today + timedelta(days=4), cost="12000.00")
    return {**people, "campaign": campaign}


def token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)


def post(client, user, **fields):
    client.force_login(user)
    form = client.get(DESK).content.decode()
    data = {"phone": "13812341234", "name": "张伟", "kind": "visit", "source_type": "walk_in", "campaign": "",
            "layout": "", "budget": "", "area": "", "note": "", "token": token(form), **fields}
    return client.post(DESK, data)


def visit(world, user, phone="13812341234", **more):
    return register_visit(project_id=world["p1"].pk, received_by_id=user.pk, kind=more.pop("kind", "visit"),
                          phone=phone, name=more.pop("name", "张伟"), token=more.pop("token", f"t-{phone}-{user.pk}"),
                          **more)


def errors_at(html: str, field: str) -> str:
    found = re.search(rf'data-errors-for="{field}"[^>]*>(.*?)</(?:ul|span)>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


# Registering

def test_a_consultant_registers_a_walk_in_and_is_sent_to_a_success_message_with_the_customer_link(client, world):
    # when
    response = post(client, world["consultant"], budget="3,000,000", area="128.5", layout="三房", note="看南向")

    # then
    assert response.status_code == 302
    made = Visit.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "张伟 的来访已登记（首次到访）" in page
    assert f'href="/customers/{made.customer_id}/"' in page
    # and a deal can start from here with the customer chosen
    start = page.split("data-start-deal")[0].rsplit('href="', 1)[1].split('"')[0]
    assert start == f"/start/?project=P1&amp;customer_id={made.customer_id}"
    assert (made.budget, made.area, made.layout, made.received_by_id) == (Decimal("3000000.00"), Decimal("128.50"),
                                                                          "三房", world["consultant"].pk)
    assert CustomerRegistration.objects.get().consultant_id == world["consultant"].pk
    row = page.split(f'data-visit="{made.pk}"')[1].split("</tr>")[0]
    assert "138 1234 1234" in row and "来访" in row and "首次到访" in row and "自访" in row and "王芳" in row
    assert "（北京时间）" in row


def test_a_double_submit_of_one_form_makes_one_visit(client, world):
    client.force_login(world["consultant"])
    data = {"phone": "13812341234", "name": "张伟", "kind": "call", "source_type": "", "campaign": "",
            "token": token(client.get(DESK).content.decode())}

    first, second = client.post(DESK, data), client.post(DESK, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Visit.objects.count() == 1 and first["Location"] == second["Location"]


def test_the_same_phone_at_a_second_consultant_is_refused_at_the_field_naming_whom_to_ask(client, world):
    visit(world, world["consultant"])

    response = post(client, world["consultant2"], name="张伟")

    html = response.content.decode()
    assert response.status_code == 400
    assert errors_at(html, "phone").startswith("该客户（张伟）受 王芳 保护至 ")
    assert "（北京时间），请联系王芳或销售经理。" in errors_at(html, "phone")
    assert "data-lookup" not in html  # said once, at the field (the lookup box would repeat it)
    assert html.count("保护至") == 1
    assert 'value="张伟"' in html  # typed values kept
    assert Visit.objects.count() == 1


def test_refusals_are_in_english_for_an_english_reader(client, world):
    visit(world, world["consultant"])
    client.cookies["django_language"] = "en"

    html = post(client, world["consultant2"]).content.decode()

    assert "is protected for 王芳 until" in errors_at(html, "phone")
    assert "(Asia/Shanghai): ask 王芳 or a sales manager." in errors_at(html, "phone")
    assert "Visit or call" in html and "来访" not in html.split("<main")[1].split("</form>")[0]


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"phone": "12345"}, "phone", "12345 不是完整的电话号码"),
    ({"name": "", "phone": "13900001111"}, "name", "请填写客户姓名"),
    ({"budget": "-5"}, "budget", "应为大于 0、最多两位小数的数字"),
    ({"source_type": "referral"}, "campaign", "推广活动「五一抖音直播」属于「短视频/抖音」"),
])
def test_refusals_sit_at_their_field_in_chinese_with_the_typed_values_kept(client, world, fields, field, words):
    if field == "campaign":
        fields = {**fields, "campaign": str(world["campaign"].pk)}

    response = post(client, world["consultant"], **fields)

    html = response.content.decode()
    assert response.status_code == 400
    assert words in errors_at(html, field)
    assert not Visit.objects.exists()
    for value in fields.values():
        if value and value != str(world["campaign"].pk):
            assert f'value="{value}"' in html


def test_the_campaign_select_offers_the_project_s_active_campaigns_by_name_and_source_title(client, world):
    Campaign.objects.create(project=world["p1"], name="旧活动", source_type="channel", starts_on=date(2026, 1, 1),
                            ends_on=date(2026, 1, 31), active=False)
    client.force_login(world["consultant"])

    html = client.get(DESK).content.decode()

    assert "五一抖音直播 · 短视频/抖音" in html and "旧活动" not in html
    assert "老带新" in html and "自访" in html and "short_video" not in html.split('name="source_type"')[1][:10]
    assert 'name="consultant"' not in html  # a consultant registers for themselves


def test_a_manager_registers_for_a_named_consultant(client, world):
    response = post(client, world["manager"], consultant=str(world["consultant2"].pk))

    assert response.status_code == 302
    assert CustomerRegistration.objects.get().consultant_id == world["consultant2"].pk
    assert Visit.objects.get().received_by_id == world["manager"].pk


def test_a_returning_customer_is_counted_as_returning(client, world):
    visit(world, world["consultant"], kind="call")

    post(client, world["consultant"], name="")

    assert list(Visit.objects.order_by("pk").values_list("returning", flat=True)) == [False, True]


# The lookup as the phone is typed

def lookup(client, user, phone, language="zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(LOOKUP, {"phone": phone})
    assert response.status_code == 200
    return re.sub(r"<[^>]+>", "", response.content.decode()).strip()


def test_the_lookup_shows_an_existing_customer_masked_for_another_consultant_and_their_protection(client, world):
    visit(world, world["consultant"])

    words = lookup(client, world["consultant2"], "138 1234 1234")

    assert words.startswith("该客户受 王芳 保护至 ") and words.endswith("（北京时间），请联系王芳或销售经理。")
    assert "13812341234" not in words


def test_the_lookup_shows_the_full_number_to_the_consultant_and_a_manager(client, world):
    visit(world, world["consultant"])

    mine = lookup(client, world["consultant"], "13812341234")
    managers = lookup(client, world["manager"], "13812341234")

    assert re.fullmatch(r"老客户 张伟 138 1234 1234，置业顾问 王芳，保护至 (\d{4}年)?\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）；"
                        r"曾来访或来电 打开客户", mine)
    assert "张伟 138 1234 1234" in managers


def test_the_lookup_masks_for_whom_the_rule_says(client, world):
    visit(world, world["consultant"])
    finance_consultant = User.objects.create_user("fc", password="x", display_name="钱")
    Membership.objects.create(user=finance_consultant, project=world["p1"], role="sales_consultant")
    Membership.objects.create(user=finance_consultant, project=world["p1"], role="finance")

    assert "138****1234" in lookup(client, finance_consultant, "13812341234")


def test_the_lookup_says_new_elsewhere_or_nothing(client, world):
    group = Company.objects.create(code="g", name="集团")
    Project.objects.filter(pk__in=[world["p1"].pk, world["p2"].pk]).update(company=group)
    customers.register(project_id=world["p2"].pk, consultant_id=world["outsider"].pk, name="外盘客户",
                       phone="13700002222")

    assert lookup(client, world["consultant"], "13900001111") == "新客户"
    assert lookup(client, world["consultant"], "13700002222") == "该号码已在集团其他项目登记。"
    assert lookup(client, world["consultant"], "1390") == ""
    assert lookup(client, world["consultant"], "13900001111", "en") == "New customer"


def test_the_phone_field_asks_for_the_lookup_as_it_is_typed(client, world):
    client.force_login(world["consultant"])

    html = client.get(DESK).content.decode()

    assert f'hx-get="{LOOKUP}"' in html and 'hx-trigger="input changed delay:300ms, change"' in html


# Who may

@pytest.mark.parametrize("url", [DESK, VISITS, CAMPAIGNS])
def test_non_members_and_other_roles_get_a_refusal_in_words(client, world, url):
    for user in (world["outsider"], world["fin"]):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "前台登记供本项目的置业顾问" in response.content.decode()


def test_a_refused_lookup_is_words_under_the_field_not_a_page(client, world):
    """htmx swaps only a 2xx answer: the refusal comes as the fragment, and names no customer."""
    for user in (world["outsider"], world["fin"]):
        client.force_login(user)
        html = client.get(LOOKUP + "?phone=13812341234").content.decode()
        assert "只有本项目的置业顾问、销售经理、项目总监和项目管理员可以查询来访号码" in html
        assert "<html" not in html and 'data-lookup="refused"' in html and "/customers/" not in html


def test_only_managers_create_or_change_campaigns(client, world):
    client.force_login(world["consultant"])

    response = client.get(CAMPAIGNS + "new/")
    listing = client.get(CAMPAIGNS).content.decode()

    assert response.status_code == 403
    assert "只有销售经理、案场经理/项目总监和项目管理员可以新建或修改推广活动" in response.content.decode()
    assert "新建推广活动" not in listing and "五一抖音直播" in listing


# Visits list and campaigns

def test_the_visits_list_filters_and_counts_by_source(client, world):
    campaign = world["campaign"]
    visit(world, world["consultant"], "13800000001", source_type="walk_in")
    visit(world, world["consultant"], "13800000002", campaign_id=campaign.pk, kind="call")
    visit(world, world["consultant"], "13800000002", campaign_id=campaign.pk, token="again")
    client.force_login(world["manager"])

    html = client.get(VISITS).content.decode()
    calls = client.get(VISITS, {"kind": "call"}).content.decode()
    by_campaign = client.get(VISITS, {"campaign": campaign.pk}).content.decode()

    counts = html.split("data-counts")[1].split("</table>")[0]
    assert re.search(r"短视频/抖音</td>.*?>1</td>.*?>1</td>.*?>2</td>", counts, re.S)
    assert re.search(r"自访</td>.*?>1</td>.*?>0</td>.*?>1</td>", counts, re.S)
    assert html.count('<tr data-visit="') == 3
    assert calls.count('<tr data-visit="') == 1 and by_campaign.count('<tr data-visit="') == 2
    assert "138 0000 0001" in html  # a manager sees full numbers


def test_the_visits_list_filters_by_date_in_the_project_s_zone(client, world):
    visit(world, world["consultant"], "13800000001", now=timezone.now() - timedelta(days=3))
    visit(world, world["consultant"], "13800000002")
    client.force_login(world["consultant"])
    today = timezone.now().astimezone(world["p1"].zone).date()

    html = client.get(VISITS, {"since": today.isoformat(), "until": today.isoformat()}).content.decode()

    assert html.count('<tr data-visit="') == 1


def test_campaigns_list_visits_cost_and_cost_per_visit(client, world):
    visit(world, world["consultant"], "13800000001", campaign_id=world["campaign"].pk)
    visit(world, world["consultant"], "13800000002", campaign_id=world["campaign"].pk)
    visit(world, world["consultant"], "13800000003", campaign_id=world["campaign"].pk)
    client.force_login(world["manager"])

    row = client.get(CAMPAIGNS).content.decode().split(f'data-campaign="{world["campaign"].pk}"')[1].split("</tr>")[0]

    assert "¥12,000.00" in row and ">3</td>" in row and "¥4,000.00" in row and "短视频/抖音" in row


def test_a_manager_creates_and_edits_a_campaign_and_refusals_sit_at_the_field(client, world):
    client.force_login(world["manager"])
    data = {"name": "国庆暖场", "source_type": "walk_in", "channel": "售楼处", "starts_on": "2026/10/1",
            "ends_on": "2026-09-01", "cost": "5,000", "active": "on"}

    refused = client.post(CAMPAIGNS + "new/", data)
    made = client.post(CAMPAIGNS + "new/", {**data, "ends_on": "2026年10月7日"})
    campaign = Campaign.objects.get(name="国庆暖场")
    edited = client.post(f"{CAMPAIGNS}{campaign.pk}/", {**data, "ends_on": "2026-10-07", "cost": "6000"})

    assert refused.status_code == 400
    assert "结束日期（2026年9月1日）不能早于开始日期（2026年10月1日）" in errors_at(refused.content.decode(), "ends_on")
    assert made.status_code == 302 and edited.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.ends_on, campaign.cost, campaign.active) == (date(2026, 10, 7), Decimal("6000.00"), True)
    assert "推广活动 国庆暖场 已保存。" in client.get(CAMPAIGNS).content.decode()


# Queries

def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [DESK, VISITS, CAMPAIGNS])
def test_the_pages_read_the_same_number_of_queries_for_one_row_or_many(client, world, url):
    client.force_login(world["manager"])
    visit(world, world["consultant"], "13800000001", campaign_id=world["campaign"].pk)
    few = _count(client, url)
    for i in range(2, 8):
        visit(world, world["consultant"], f"1380000000{i}", kind="call", campaign_id=world["campaign"].pk)
    create_campaign(project_id=world["p1"].pk, by_user_id=world["manager"].pk, name="第二个", source_type="walk_in",
                    starts_on=date(2026, 5, 1), ends_on=date(2026, 5, 2))

    assert _count(client, url) == few


def test_no_raw_codes_or_ids_are_shown(client, world):
    visit(world, world["consultant"], "13800000001", campaign_id=world["campaign"].pk)
    client.force_login(world["manager"])

    for url in (DESK, VISITS, CAMPAIGNS):
        text = re.sub(r"<[^>]+>", " ", client.get(url).content.decode().split("<main")[1])
        for code in ("short_video", "walk_in", "None", "visit ", "call "):
            assert code not in text, (url, code)


def _main(response) -> str:
    """The page's own part (the menu is the layout's, checked by the crawler)."""
    html = response.content.decode()
    return "<main" + html.split("<main", 1)[1].split("</main>", 1)[0] + "</main>"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_read_in_one_language_without_codes(client, world, language):
    # given: the crawler's rules (tests/web/page_text.py) on every front desk page, for a manager
    from tests.web.page_text import problems, read

    made = visit(world, world["consultant"], "13800000001", campaign_id=world["campaign"].pk, layout="三房")
    client.force_login(world["manager"])
    client.cookies["django_language"] = language
    codes = {"visit", "call", "short_video", "walk_in", "referral", "channel", "everyone_referral", "self_prospecting"}
    data = {"张伟", "王芳", "李强", "赵经理", "五一抖音直播", "抖音", "三房", "P1", "Project one", "manager",
            "director"}
    pages = [DESK, f"{DESK}?done={made.pk}", VISITS, CAMPAIGNS, CAMPAIGNS + "new/",
             f"{CAMPAIGNS}{world['campaign'].pk}/"]

    # when / then
    found = [f"{url}: {problem}" for url in pages
             for problem in problems(read(_main(client.get(url, HTTP_ACCEPT_LANGUAGE=language))),
                                     chinese=language.startswith("zh"), codes=codes, data=data,
                                     allowed_words={"UTC", "m²"})]
    assert not found, found


def test_without_scripts_a_phone_in_the_address_is_looked_up_with_the_form(client, world):
    client.force_login(world["consultant"])

    html = client.get(DESK, {"phone": "13900001111", "kind": "call"}).content.decode()

    assert 'data-lookup="new"' in html and 'value="13900001111"' in html
    assert re.search(r'value="call"[^>]*checked', html)


# After the staff walk-through (issue 14 fixes)

def test_every_problem_of_the_desk_form_shows_at_once_at_its_field_with_the_values_kept(client, world):
    response = post(client, world["consultant"], phone="1365555", budget="三百万", area="-5")

    html = response.content.decode()
    assert response.status_code == 400
    assert "1365555 不是完整的电话号码" in errors_at(html, "phone")
    assert "应为大于 0、最多两位小数的数字" in errors_at(html, "budget")
    assert "应为大于 0、最多两位小数的数字" in errors_at(html, "area")
    assert 'value="三百万"' in html and 'value="-5"' in html and 'value="1365555"' in html
    assert not Visit.objects.exists()


def test_every_problem_of_the_campaign_form_shows_at_once_in_english_too(client, world):
    client.force_login(world["manager"])
    client.cookies["django_language"] = "en"
    data = {"name": "国庆暖场", "source_type": "walk_in", "starts_on": "2026-10-07", "ends_on": "2026-10-01",
            "cost": "-500", "active": "on"}

    html = client.post(CAMPAIGNS + "new/", data).content.decode()

    assert "cannot end (1 Oct 2026) before it starts (7 Oct 2026)" in errors_at(html, "ends_on")
    assert "a number 0 or more with at most two decimals" in errors_at(html, "cost")
    assert 'value="-500"' in html
    assert not Campaign.objects.filter(name="国庆暖场").exists()


def test_a_campaign_not_running_today_is_not_offered_and_is_refused_at_its_field(client, world):
    today = timezone.now().astimezone(world["p1"].zone).date()
    later = Campaign.objects.create(project=world["p1"], name="元旦认筹节", source_type="short_video",
                                    starts_on=today + timedelta(days=39), ends_on=today + timedelta(days=60))
    client.force_login(world["consultant"])
    assert "元旦认筹节" not in client.get(DESK).content.decode()

    response = post(client, world["consultant"], campaign=str(later.pk), source_type="")

    assert response.status_code == 400
    assert "推广活动「元旦认筹节」的活动期间为" in errors_at(response.content.decode(), "campaign")
    assert not Visit.objects.exists()


def test_the_kernel_refuses_a_campaign_outside_its_period_in_both_languages(world):
    from kernel.visits import InvalidVisit

    today = timezone.now().astimezone(world["p1"].zone).date()
    later = Campaign.objects.create(project=world["p1"], name="元旦认筹节", source_type="short_video",
                                    starts_on=date(2027, 1, 10), ends_on=date(2027, 1, 31))
    with pytest.raises(InvalidVisit) as refused:
        visit(world, world["consultant"], campaign_id=later.pk,
              # not now().replace: after 16:00 UTC it is the 6th in Shanghai
              now=datetime(2027, 1, 5, 10, 0, tzinfo=world["p1"].zone))

    assert refused.value.params["field"] == "campaign"
    assert "2027年1月10日 至 2027年1月31日，不含 2027年1月5日" in refused.value.message_zh
    assert "runs from 10 Jan 2027 to 31 Jan 2027, not on 5 Jan 2027" in refused.value.message_en
    assert today  # the visit's own day counts, not today's
    assert visit(world, world["consultant"], campaign_id=later.pk,
                 now=timezone.now().replace(year=2027, month=1, day=15)).campaign_id == later.pk


def test_a_call_is_a_first_or_returning_call_and_the_visits_list_uses_the_same_words(client, world):
    visit(world, world["consultant"], kind="call")
    visit(world, world["consultant"], kind="call", token="again")
    client.force_login(world["consultant"])

    desk_page = client.get(DESK).content.decode()
    listing = client.get(VISITS).content.decode()

    assert "再次来电" in desk_page and "首次来电" in desk_page and "复访" not in desk_page
    assert "再次来电" in listing and "新客户" not in listing and "复访" not in listing
    counts = listing.split("data-counts")[1].split("</thead>")[0]
    assert ">首次</th>" in counts and ">再次</th>" in counts


def test_a_reversed_date_range_is_refused_at_the_date_field(client, world):
    client.force_login(world["consultant"])

    html = client.get(VISITS, {"since": "2026-12-10", "until": "2026-12-01"}).content.decode()

    assert "截止日期（2026年12月1日）早于起始日期（2026年12月10日）" in errors_at(html, "until").replace("</span>", "")


def test_campaign_periods_and_protection_times_are_written_as_the_site_writes_dates(client, world):
    visit(world, world["consultant"])
    world["campaign"].starts_on, world["campaign"].ends_on = date(2026, 11, 17), date(2027, 1, 16)
    world["campaign"].save()
    client.force_login(world["consultant"])

    listing = client.get(CAMPAIGNS).content.decode()
    words = lookup(client, world["consultant2"], "13812341234")

    assert "2026年11月17日 – 2027年1月16日" in listing and "2026-11-17" not in listing
    assert re.search(r"保护至 (\d{4}年)?\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）", words), words


def test_campaign_cards_put_their_labels_above_the_values_on_a_phone():
    from pathlib import Path

    css = (Path(__file__).parents[2] / "platform/web/static/web/front_desk.css").read_text()
    assert "main table.cards.campaigns td { display: block;" in css

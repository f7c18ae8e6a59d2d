"""The dashboard pages: who sees which figures, the export read back, a fixed number of queries, both languages."""
import re
from decimal import Decimal
from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from figures.models import GroupMembership

from .conftest import at

MARCH = {"period": "month", "on": "2026-03-01"}


def get(client, user, name, args, params=MARCH, language="en"):
    client.force_login(user)
    return client.get(reverse(name, args=args), params, HTTP_ACCEPT_LANGUAGE=language)


def headline(html: str, key: str) -> str:
    """The card's value as read: its number and unit, without their tags."""
    part = html.split(f'data-headline="{key}"', 1)[1]
    return re.sub(r"<[^>]+>", "", part.split("data-value>", 1)[1].split("</strong>", 1)[0])


def test_the_director_sees_the_projects_figures(client, fixed):
    r = get(client, fixed["director"], "web:dashboard", ["P1"])
    html = r.content.decode()
    assert r.status_code == 200
    # amounts on the cards in millions, the exact amount in the card's title (and the tables)
    assert headline(html, "subscriptions") == "3" and headline(html, "signing_amount") == "¥1.80M"
    assert 'data-headline="signing_amount" title="¥1,800,000.00"' in html
    assert 'data-table="consultant_ranking"' in html and 'data-chart="sales_trend"' in html
    assert 'id="dashboard-charts"' in html and "Asia/Shanghai" in html


def test_the_page_speaks_chinese(client, fixed):
    html = get(client, fixed["director"], "web:dashboard", ["P1"], language="zh-hans").content.decode()
    assert "认购" in html and "北京时间" in html
    # in 万 in Chinese; the number itself never breaks (white-space: nowrap, dashboard.css)
    assert headline(html, "signing_amount") == "¥180.00万" and headline(html, "subscription_amount") == "¥380.00万"


def test_a_consultant_sees_their_own_figures_and_never_a_colleagues(client, fixed):
    html = get(client, fixed["c1"], "web:dashboard", ["P1"], {**MARCH, "consultant": fixed["c2"].pk}).content.decode()
    assert headline(html, "subscriptions") == "2"  # D1, D2: theirs; the consultant picker is not theirs to use
    assert 'data-table="consultant_ranking"' not in html and 'name="consultant"' not in html
    assert 'data-section="team"' not in html  # the project keeps colleagues' work closed by default


def test_team_totals_when_the_project_opens_colleagues_work(client, fixed):
    p1 = fixed["p1"]
    p1.settings = {**p1.settings, "consultants_see_colleagues_records": True}
    p1.save()
    html = get(client, fixed["c1"], "web:dashboard", ["P1"]).content.decode()
    assert 'data-section="team"' in html and headline(html, "team_subscriptions") == "3"


def test_a_manager_picks_a_consultant(client, fixed):
    html = get(client, fixed["manager"], "web:dashboard", ["P1"], {**MARCH, "consultant": fixed["c2"].pk}).content.decode()
    assert headline(html, "subscriptions") == "1" and "c2 name" in html


def test_finance_is_told_why_not_and_a_stranger_gets_404(client, fixed):
    r = get(client, fixed["fin"], "web:dashboard", ["P1"])
    assert r.status_code == 403 and "their own figures" in r.content.decode()
    assert get(client, fixed["stranger"], "web:dashboard", ["P1"]).status_code == 404
    assert get(client, fixed["stranger"], "web:group-dashboard", ["grp"]).status_code == 404


def test_a_group_role_sees_the_group_and_its_projects(client, fixed, django_user_model):
    boss = django_user_model.objects.create_user("boss", password="x")
    GroupMembership.objects.create(user=boss, company=fixed["company"], role="group_executive")
    html = get(client, boss, "web:group-dashboard", ["grp"]).content.decode()
    assert headline(html, "subscriptions") == "4" and 'data-table="project_ranking"' in html
    assert get(client, boss, "web:dashboard", ["P1"]).status_code == 200
    region = get(client, boss, "web:group-dashboard", ["grp"], {**MARCH, "region": "east"}).content.decode()
    assert headline(region, "subscriptions") == "3"  # P1 only: P2 is in no region


def test_a_region_director_sees_their_region_only(client, fixed, django_user_model):
    boss = django_user_model.objects.create_user("east", password="x")
    GroupMembership.objects.create(user=boss, company=fixed["company"], region=fixed["region"], role="region_director")
    assert get(client, boss, "web:group-dashboard", ["grp"], {**MARCH, "region": "east"}).status_code == 200
    assert get(client, boss, "web:group-dashboard", ["grp"]).status_code == 404
    assert get(client, boss, "web:dashboard", ["P2"]).status_code == 404


def test_bad_dates_are_named_and_the_month_shown(client, fixed):
    html = get(client, fixed["director"], "web:dashboard", ["P1"], {"period": "range", "on": "2026-13-01"}).content.decode()
    assert "data-problem" in html and "2026-13-01" in html
    html = get(client, fixed["director"], "web:dashboard", ["P1"],
               {"period": "range", "on": "2026-03-10", "to": "2026-03-01"}).content.decode()
    assert "must not be before" in html


def test_the_export_has_numeric_money_cells(client, fixed):
    r = get(client, fixed["director"], "web:dashboard-export", ["P1"], {**MARCH, "table": "targets"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(r.content)).active
    assert [c.value for c in sheet[2]][:3] == ["Month", "Subscriptions target", "Subscriptions"]
    row = [c.value for c in sheet[3]]
    assert row[1:3] == [4, 3] and Decimal(str(row[5])) == Decimal("1800000") and sheet.cell(3, 6).number_format == "#,##0.00"
    whole = load_workbook(BytesIO(get(client, fixed["director"], "web:dashboard-export", ["P1"]).content))
    assert len(whole.sheetnames) >= 15


def test_the_refresh_part_is_the_figures_alone(client, fixed):
    html = get(client, fixed["director"], "web:dashboard", ["P1"], {**MARCH, "part": "figures"}).content.decode()
    assert html.lstrip().startswith('<div id="figures"') and "<html" not in html


def test_the_page_reads_the_same_number_of_queries_for_more_deals(client, fixed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(fixed["director"])
    url = reverse("web:dashboard", args=["P1"])
    w, p1, k = fixed["world"], fixed["p1"], fixed["k"]

    def more(days):
        for day in days:
            w.deal(p1, fixed["c2"], k["K3"], "100000.00", at(3, day, 15), signed=at(3, day, 16))
            w.visit(p1, k["K3"], at(3, day, 12), returning=True, by=fixed["agent"])

    more([1])
    with CaptureQueriesContext(connection) as before:
        client.get(url, MARCH)
    more(range(2, 20))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url, MARCH)
    assert len(before.captured_queries) <= 80


def test_the_menu_links_the_figures(client, fixed):
    html = get(client, fixed["c1"], "web:inbox", []).content.decode()
    assert reverse("web:dashboards") in html
    r = get(client, fixed["c1"], "web:dashboards", [])
    assert r.status_code == 302 and r["Location"].endswith(reverse("web:dashboard", args=["P1"]))


def test_the_period_picker_speaks_each_requests_language(client, fixed):
    # the picker's kinds are made at import: a Chinese request first must not leave them Chinese for the next
    get(client, fixed["director"], "web:dashboard", ["P1"], language="zh-hans")
    english = get(client, fixed["director"], "web:dashboard", ["P1"], language="en").content.decode()
    chinese = get(client, fixed["director"], "web:dashboard", ["P1"], language="zh-hans").content.decode()
    assert ">Date range</option>" in english and "日期范围" not in english
    assert ">日期范围</option>" in chinese


def test_the_group_lists_its_projects_as_each_language_writes_lists(client, fixed, django_user_model):
    boss = django_user_model.objects.create_user("boss", password="x")
    GroupMembership.objects.create(user=boss, company=fixed["company"], role="group_executive")
    english = get(client, boss, "web:group-dashboard", ["grp"]).content.decode()
    chinese = get(client, boss, "web:group-dashboard", ["grp"], language="zh-hans").content.decode()
    assert "2 projects: P1, P2" in english
    assert "2 个项目：P1、P2" in chinese

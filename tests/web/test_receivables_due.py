"""应收欠款 / Receivables due: who sees it, what a row says, the filters, the .xlsx export read back, the
query count whatever the deals, both languages; and the inbox's payment reminders (views/dunning_panel.py).

S1 (tests/flows/conftest.py), three deals through the real flows, each at 3 058 300.00 with a deposit of
100 000.00 and one installment three months after signing:
- 张伟's signed on 2020-01-10 with 958 300.00 down: 2 000 000.00 overdue since 2020-04-10;
- 李娜's signed so that its installment of 2 000 000.00 falls due in two to five days;
- 王芳's paid at signing (2 958 300.00 down): nothing owed, not listed.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from engine.runtime import records
from kernel import customers, dunning, payments, receivables, units
from kernel.actions import ActionContext
from kernel.models import DunningNotice
from kernel.receivables import _months_after
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.flows.steps import contract_for, fire, review_contract
from tests.kernel.conftest import make_units, make_user
from web.views.dunning_panel import notices_for

TERMS = {"contract_no": "HT-9", "area_basis": "built", "contract_area": "128.50", "delivery_date": "2027-12-31"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def signed(p, u, unit, customer, signed_on: date, down: str = "958300.00"):
    con = review_contract(u, contract_for(p, u, unit, customer), TERMS)
    return fire(u["contract_clerk"], con, "sign", {"signed_on": signed_on.isoformat(), "down_payment": down},
                to="signed")


@pytest.fixture
def deals(world):
    p, u, units_ = world
    sc = u["sales_consultant"]
    people = {name: customers.register(project_id=p.pk, consultant_id=sc.pk, name=name, phone=phone).customer
              for name, phone in (("张伟", "13812341234"), ("李娜", "13900001111"), ("王芳", "13700002222"))}
    soon_signed = _months_after(today() + timedelta(days=5), -3)
    overdue = signed(p, u, units_[0], people["张伟"], date(2020, 1, 10))
    soon = signed(p, u, units_[1], people["李娜"], soon_signed)
    paid = signed(p, u, units_[2], people["王芳"], date(2020, 1, 10), down="2958300.00")
    return {"p": p, "u": u, "units": units_, "people": people, "overdue": overdue, "soon": soon, "paid": paid,
            "soon_due": _months_after(soon_signed, 3)}


def url(**params):
    return reverse("web:receivables-due", args=["S1"]), params


def page(client, user, language="zh-hans", **params):
    client.force_login(user)
    response = client.get(*url(**params), HTTP_ACCEPT_LANGUAGE=language)
    return response.status_code, response.content.decode()


def rows_of(html: str) -> list[str]:
    return [chunk.split('"', 1)[0] for chunk in html.split('<tr data-deal="')[1:]]


def row(html: str, record) -> str:
    return html.split(f'<tr data-deal="{record.reference}"')[1].split("</tr>")[0]


def test_finance_sees_each_deal_that_owes_most_overdue_first_with_totals(client, deals):
    d = deals
    status, html = page(client, d["u"]["finance"])

    assert status == 200
    assert "应收欠款" in html and "北京时间" in html
    assert rows_of(html) == [d["overdue"].parent.reference, d["soon"].parent.reference]  # 王芳's paid: not listed
    overdue = row(html, d["overdue"].parent)
    for shown in ("张伟", "138****1234", d["units"][0].code, "Sales_Consultant", "¥3,058,300.00", "¥1,058,300.00",
                  "¥2,000,000.00", "2020年4月10日"):
        assert shown in overdue, shown
    days = (today() - date(2020, 4, 10)).days
    assert f"逾期 {days} 天" in overdue
    assert reverse("web:record", args=[d["overdue"].parent_id]) in overdue
    assert reverse("web:customer", args=[d["people"]["张伟"].pk]) in overdue
    soon = row(html, d["soon"].parent)
    assert "李娜" in soon and "139****1111" in soon and 'class="overdue"' not in soon
    totals = html.split("<tfoot>")[1]
    assert "共 2 笔交易合计" in totals and "¥4,000,000.00" in totals and "¥6,116,600.00" in totals
    for raw in ("installment", "None", "sales_consultant", "True", "False"):
        assert raw not in html.split("<main")[1], raw


def test_a_manager_sees_full_phone_numbers(client, deals):
    _status, html = page(client, deals["u"]["sales_manager"])

    assert "13812341234" in html or "138 1234 1234" in html
    assert "138****1234" not in html


def test_the_project_director_may_open_it_and_a_consultant_is_told_why_not(client, deals):
    assert page(client, deals["u"]["project_director"])[0] == 200

    status, html = page(client, deals["u"]["sales_consultant"])

    assert status == 403
    assert "应收欠款列表供财务、销售经理和项目总监使用" in html and "置业顾问" in html


def test_a_consultant_of_another_project_gets_404_as_for_every_project_page(client, deals):
    from kernel.models import Project

    elsewhere = Project.objects.create(code="S2", name="Elsewhere")
    stranger = make_user("stranger", elsewhere, "sales_consultant", "finance")

    assert page(client, stranger)[0] == 404
    client.force_login(stranger)
    assert client.get(reverse("web:receivables-export", args=["S1"])).status_code == 404


def test_filters_overdue_only_and_due_within_n_days(client, deals):
    d = deals
    fin = d["u"]["finance"]
    left = (d["soon_due"] - today()).days

    assert rows_of(page(client, fin, show="overdue")[1]) == [d["overdue"].parent.reference]
    assert rows_of(page(client, fin, show="soon")[1]) == [d["soon"].parent.reference]  # 7 days: the project's
    assert rows_of(page(client, fin, show="soon", days=str(left - 1))[1]) == []
    _status, html = page(client, fin, show="soon", days=str(left))
    assert rows_of(html) == [d["soon"].parent.reference]
    assert f"{left} 天内到期" in html
    assert "没有符合筛选条件的交易。" in page(client, fin, show="soon", days="0")[1]


def test_the_export_is_a_real_xlsx_with_numbers_dates_and_headers_in_the_users_language(client, deals):
    d = deals
    client.force_login(d["u"]["finance"])

    response = client.get(reverse("web:receivables-export", args=["S1"]), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="receivables-S1-{today():%Y%m%d}.xlsx"'
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    title = cells[0][0]
    assert "S1 Smoke" in title and "北京时间" in title and f"{today().year}年{today().month}月{today().day}日" in title
    assert cells[1] == ["单号", "客户", "电话", "房源", "置业顾问", "应收合计", "实收", "欠款", "逾期金额", "最早逾期日",
                        "逾期天数", "7 天内到期"]
    first = cells[2]
    assert first[:5] == [d["overdue"].parent.reference, "张伟", "138****1234", d["units"][0].code, "Sales_Consultant"]
    assert [Decimal(str(v)) for v in first[5:9]] == [Decimal("3058300"), Decimal("1058300"), Decimal("2000000"),
                                                    Decimal("2000000")]
    assert first[9] == datetime(2020, 4, 10) and first[10] == (today() - date(2020, 4, 10)).days
    assert sheet.cell(row=3, column=6).number_format == "#,##0.00"
    assert sheet.cell(row=3, column=10).is_date
    assert cells[3][0] == d["soon"].parent.reference and cells[3][9] is None and Decimal(str(cells[3][11])) == 2000000
    assert cells[4][0] == "合计" and Decimal(str(cells[4][7])) == Decimal("4000000")
    assert len(cells) == 5


def test_the_export_keeps_the_filters_and_speaks_english(client, deals):
    d = deals
    client.force_login(d["u"]["finance"])

    response = client.get(reverse("web:receivables-export", args=["S1"]), {"show": "overdue"},
                          HTTP_ACCEPT_LANGUAGE="en")

    cells = [[c.value for c in r] for r in load_workbook(BytesIO(b"".join(response.streaming_content))).active.iter_rows()]
    assert "Asia/Shanghai" in cells[0][0]
    assert cells[1][:3] == ["Reference", "Customer", "Phone"] and cells[1][11] == "Due within 7 days"
    assert [r[0] for r in cells[2:]] == [d["overdue"].parent.reference, "Total"]


def test_the_page_speaks_english_too(client, deals):
    _status, html = page(client, deals["u"]["finance"], language="en")

    assert "Receivables due" in html and "Overdue since" in html and "Download as Excel (.xlsx)" in html
    assert "10 Apr 2020" in row(html, deals["overdue"].parent)
    assert "days overdue" in row(html, deals["overdue"].parent)
    assert "Total of 2 deals" in html


def test_the_list_reads_the_same_number_of_queries_for_3_and_30_deals(client, deals):
    d = deals
    p, u = d["p"], d["u"]
    client.force_login(u["finance"])
    extra_units = make_units(p, 30, building_code="5")
    counted = []
    for total in (3, 30):
        made = len(rows_of(page(client, u["finance"])[1]))
        for i in range(made, total):  # more deals, through the kernel's actions on real records
            customer = customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name=f"客户{i}",
                                          phone=f"1390000{i:04d}").customer
            unit = extra_units[i]
            rec = records.start_record(u["sales_consultant"], p, "subscription",
                                       {"customer_id": customer.pk, "unit_id": unit.pk})
            ctx = ActionContext(project_id=p.pk, record_id=rec.pk, reference=rec.reference, flow="subscription",
                                user_id=u["finance"].pk, now=timezone.now(), data={}, lineage=(rec.pk,))
            units.hold(ctx, unit.pk, "subscribed")
            receivables.schedule(ctx, payment_plan="installments", deal_price="1000000.00", deposit="100000.00",
                                 down_payment="300000.00", signed_on="2020-01-01", installments=1, every_months=1)
            payments.record(ctx, "deposit", "100000.00")
        with CaptureQueriesContext(connection) as queries:
            _status, html = page(client, u["finance"])
        assert len(rows_of(html)) == total
        counted.append(len(queries))
    assert counted[0] == counted[1], counted


def test_the_menu_offers_the_list_to_finance_and_managers_only(client, deals):
    link = reverse("web:receivables-due", args=["S1"])
    for role in ("finance", "sales_manager", "project_director"):
        client.force_login(deals["u"][role])
        assert link in client.get(reverse("web:inbox")).content.decode(), role
    client.force_login(deals["u"]["sales_consultant"])
    assert link not in client.get(reverse("web:inbox")).content.decode()


# the inbox's payment reminders


def test_reminders_on_the_day_for_finance_all_and_for_the_consultant_theirs(deals):
    d = deals
    p, u = d["p"], d["u"]
    other = make_user("consultant_b", p, "sales_consultant")
    assert dunning.issue_notices() == 2  # 张伟's overdue installment, 李娜's due soon

    panel = notices_for(u["finance"])
    assert [(r.reference, r.customer, r.kind, r.amount, r.overdue) for r in panel.reminders] == [
        (d["overdue"].parent.reference, "张伟", "分期款", "¥2,000,000.00", True),
        (d["soon"].parent.reference, "李娜", "分期款", "¥2,000,000.00", False)]
    days = (today() - date(2020, 4, 10)).days
    assert panel.reminders[0].when == f"逾期 {days} 天" and panel.reminders[0].due_text == "2020年4月10日"
    assert panel.reminders[1].when == f"{(d['soon_due'] - today()).days} 天后到期"
    assert panel.finance_projects == ["S1"]
    assert len(notices_for(u["sales_consultant"]).reminders) == 2  # both customers are theirs
    assert notices_for(other).reminders == []
    assert notices_for(u["finance"], today() + timedelta(days=1)).reminders == []  # tomorrow's are not written yet


def test_dismissing_takes_the_reminder_off_the_dismissers_side_only(client, deals):
    d = deals
    u = d["u"]
    dunning.issue_notices()
    notice = DunningNotice.objects.get(reference=d["overdue"].parent.reference)
    client.force_login(u["finance"])

    response = client.post(reverse("web:dunning-dismiss", args=[notice.pk]), {"next": "/"},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 302 and response["Location"] == "/"
    assert [r.reference for r in notices_for(u["finance"]).reminders] == [d["soon"].parent.reference]
    assert len(notices_for(u["sales_consultant"]).reminders) == 2
    client.force_login(u["customer_service"])  # a member who is neither: told why, nothing changes
    client.post(reverse("web:dunning-dismiss", args=[notice.pk]), {"next": "http://evil.example/"})
    notice.refresh_from_db()
    assert notice.consultant_dismissed_at is None


def test_the_reminders_box_renders_in_words(client, deals, rf):
    from django.template.loader import render_to_string
    from django.utils import translation

    dunning.issue_notices()
    request = rf.get("/")
    request.user = deals["u"]["finance"]
    with translation.override("zh-hans"):
        html = render_to_string("web/inbox/dunning.html", {"dunning": notices_for(deals["u"]["finance"])},
                                request=request)
    assert "催款提醒" in html and "张伟" in html and "分期款" in html and "¥2,000,000.00" in html and "逾期" in html
    assert reverse("web:record", args=[deals["overdue"].parent_id]) in html
    assert reverse("web:receivables-due", args=["S1"]) in html
    assert "installment" not in html and "None" not in html
    with translation.override("en"):
        html = render_to_string("web/inbox/dunning.html", {"dunning": notices_for(deals["u"]["finance"])},
                                request=request)
    assert "Payment reminders" in html and "Installment ¥2,000,000.00" in html and "days overdue" in html

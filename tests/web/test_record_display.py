"""The record page reads in business words: units, customers, people, money, enums, dates and the
frozen quote through the entity schema, approvals on top with their ¥ impact, never a raw code."""
import html
import re

import pytest

from engine.runtime import records
from tests.flows.conftest import customers, world  # noqa: F401  (fixtures)
from tests.flows.steps import fire
from web.display import money, percent

CJK = re.compile(r"[\u4e00-\u9fff]")


def _text(page: str) -> str:
    main = page.split("<main", 1)[1]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture
def in_manager_review(world, customers):
    p, u, units = world
    sc, buyer = u["sales_consultant"], customers["buyer"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": buyer.pk, "unit_id": units[0].pk})
    sub = fire(sc, sub, "quote", {"unit_id": units[0].pk, "payment_plan": "installments", "discount_rate": "0.03"},
               to="draft")
    return fire(sc, sub, "submit", {"buyers": [{"customer_id": buyer.pk, "share": "1"}], "deposit": "50000.00"},
                to="manager_discount_review")


def test_money_and_rates_read_as_people_write_them():
    assert (money("1234567.5"), money("-1234"), money(None), percent("0.05"), percent("0.015")) == (
        "¥1,234,567.50", "-¥1,234.00", "—", "5%", "1.5%")


def test_the_summary_names_the_unit_customer_and_consultant_and_formats_every_value(client, world, in_manager_review):
    _p, u, units = world
    client.force_login(u["sales_consultant"])

    text = _text(client.get(f"/records/{in_manager_review.pk}/").content.decode())

    assert f"房源 {units[0].code} 128.50 m² · 表价 ¥3,058,300.00" in text
    assert "主购房人 buyer 139****0000" in text  # linked to the customer page, phone masked for the consultant
    assert "置业顾问 Sales_Consultant" in text and "付款方式 分期付款" in text and "定金 ¥50,000.00" in text
    assert "购房人 产权份额 buyer 139****0000 100%" in text  # the buyers as a table
    assert "计价方式 按建筑面积" in text and "成交单价（元/m²） ¥23,086.00" in text  # the frozen quote as a table
    for raw in ("None", "null", "installments", "built_area", "{", "sales_consultant"):
        assert raw not in text, raw


def test_the_approver_sees_the_money_impact_and_the_buttons_first(client, world, in_manager_review):
    _p, u, _units = world
    client.force_login(u["sales_manager"])

    page = client.get(f"/records/{in_manager_review.pk}/").content.decode()
    text = _text(page)

    assert text.index("审批：销售经理审批折扣") < text.index("当前步骤")
    assert ("表价 ¥3,058,300.00 手工折扣 3% 优惠金额 ¥91,749.00 成交价 ¥2,966,551.00 总折扣 3%" in text)
    assert "尚无投票。" in text and page.count('name="decision" value="approve"') == 1
    assert "您目前不能对该记录进行操作" not in text
    assert re.search(r"如到 \d+月\d+日 \d\d:\d\d（北京时间） 仍未处理，将升级给 案场经理/项目总监", text)


def test_the_history_says_what_happened_by_the_flows_titles(client, world, in_manager_review):
    _p, u, _units = world
    client.force_login(u["sales_consultant"])

    text = _text(client.get(f"/records/{in_manager_review.pk}/").content.decode())

    assert "创建记录，进入「草稿」" in text and "提交认购：草稿 → 折扣审批（销售经理）" in text
    assert "定金: — → ¥50,000.00" in text and "价格快照（冻结报价）: — → 已更新" in text


def test_the_english_page_has_no_chinese_words_but_the_data(client, world, in_manager_review):
    _p, u, _units = world
    client.force_login(u["sales_manager"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    text = _text(client.get(f"/records/{in_manager_review.pk}/").content.decode())

    assert "Approval:" in text and "List price ¥3,058,300.00" in text and "Payment plan Installments" in text
    data = {"南"}  # the unit's orientation as entered
    assert set(CJK.findall(text)) <= data, set(CJK.findall(text)) - data

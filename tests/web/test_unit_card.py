"""The unit card 房源卡片 opened from the sale-control chart: facts, live deal, history, next steps."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import versions
from engine.runtime import records, transitions
from kernel.models import Building, Customer, Unit

from .page_text import problems, read


@pytest.fixture
def unit(people):
    versions.publish(people["p1"], "reservation")
    versions.publish(people["p1"], "subscription")
    building = Building.objects.create(project=people["p1"], code="3", name="3号楼")
    return Unit.objects.create(project=people["p1"], building=building, code="3-1502", floor=15, position="02",
                               layout="3室2厅2卫", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               orientation="南", list_price=Decimal("1500000.00"))


@pytest.fixture
def customer(db):
    return Customer.objects.create(name="王小明", phone="+8613812341234")


def _reserve(people, unit, customer):
    record = records.start_record(people["consultant"], people["p1"], "reservation",
                                  {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(people["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    return record


def _card(client, unit, language="zh-hans"):
    client.cookies["django_language"] = language
    return client.get(f"/projects/P1/units/{unit.pk}/")


def test_the_card_shows_the_units_facts_in_words(client, people, unit):
    client.force_login(people["consultant"])

    page = _card(client, unit).content.decode()

    for shown in ("3-1502", "3号楼", "15层", "3室2厅2卫", "98.50 m²", "80.10 m²", "南", "¥1,500,000.00", "可售"):
        assert shown in page, shown
    assert "目前没有交易占用该房源。" in page


def test_the_card_of_a_held_unit_names_its_deal_customer_and_history(client, people, unit, customer):
    # given
    record = _reserve(people, unit, customer)
    people["consultant"].display_name = "李小红"
    people["consultant"].save()
    client.force_login(people["manager"])

    # when
    page = _card(client, unit).content.decode()

    # then: the live deal, linked, by its flow's and state's titles
    deal = page[page.index('data-section="deal"'):page.index('data-section="next-steps"')]
    assert f'href="/records/{record.pk}/"' in deal and record.reference in deal
    assert "预留/小订" in deal and "保留中" in deal
    assert f'href="/customers/{customer.pk}/"' in deal and "王小明" in deal
    assert "（北京时间）" in deal
    # its history: the status change and the hold, by whom, in words
    history = page[page.index('data-section="history"'):]
    assert "销售状态：可售 → 预留" in history
    assert "由预留/小订交易占用" in history and "李小红" in history
    assert "时区：北京时间" in history
    # no new deal on a held unit
    steps = page[page.index('data-section="next-steps"'):page.index('data-section="history"')]
    assert "/start/" not in steps
    assert "该房源恢复可售后才能发起新交易" in steps


def test_a_released_unit_keeps_the_deal_in_its_history_and_offers_new_deals_again(client, people, unit, customer):
    record = _reserve(people, unit, customer)
    transitions.fire(people["consultant"], record.pk, "cancel", {"reason": "客户改变主意"})
    client.force_login(people["consultant"])

    page = _card(client, unit).content.decode()

    history = page[page.index('data-section="history"'):]
    assert "预留/小订交易已释放该房源" in history and "销售状态：预留 → 可售" in history
    assert f'href="/records/{record.pk}/"' in history
    assert "目前没有交易占用该房源。" in page


def test_next_steps_start_a_reservation_or_a_subscription_with_the_unit_chosen(client, people, unit):
    client.force_login(people["consultant"])

    page = _card(client, unit).content.decode()

    assert f'href="/start/P1/reservation/?unit_id={unit.pk}" data-start="reservation"' in page
    assert f'href="/start/P1/subscription/?unit_id={unit.pk}" data-start="subscription"' in page
    assert "发起预留/小订" in page and "发起认购" in page


def test_next_steps_follow_who_may_start_which_flow(client, people, unit):
    # the manager may start reservations only; finance neither
    client.force_login(people["manager"])
    manager = _card(client, unit).content.decode()
    client.force_login(people["fin"])
    finance = _card(client, unit).content.decode()

    assert 'data-start="reservation"' in manager and 'data-start="subscription"' not in manager
    assert "data-start=" not in finance and "您在本项目中不能为该房源发起交易。" in finance


def test_the_card_is_not_found_outside_ones_projects(client, people, unit):
    client.force_login(people["outsider"])
    assert _card(client, unit).status_code == 404
    # nor under another project's code
    client.force_login(people["consultant"])
    assert client.get(f"/projects/P2/units/{unit.pk}/").status_code == 404
    assert client.get("/projects/P1/units/999999/").status_code == 404


def test_the_card_for_the_chart_dialog_is_the_card_without_the_page(client, people, unit):
    client.force_login(people["consultant"])

    fragment = client.get(f"/projects/P1/units/{unit.pk}/?partial=1").content.decode()

    assert fragment.lstrip().startswith("<article") and "<header class=\"top\"" not in fragment
    assert "3-1502" in fragment


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_card_speaks_one_language(client, people, unit, customer, language):
    record = _reserve(people, unit, customer)
    transitions.fire(people["consultant"], record.pk, "cancel", {"reason": "客户改变主意"})
    _reserve(people, unit, customer)
    client.force_login(people["consultant"])

    page = read(_card(client, unit, language).content.decode())

    found = problems(page, chinese=language == "zh-hans", codes={"reserved", "available", "reservation", "held"},
                     data={"3-1502", "3号楼", "3室2厅2卫", "南", "王小明", "P1", "Project one", "consultant",
                           "简体中文", "English"},
                     allowed_words={"m²", "Asia", "Shanghai"})
    assert found == []


def test_the_card_runs_the_same_queries_whatever_its_history(client, people, unit, customer):
    # given: two units, one with one past deal, one with five
    other = Unit.objects.create(project=people["p1"], building=unit.building, code="3-1501", floor=15, position="01",
                                built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                                list_price=Decimal("1500000.00"))
    for target, deals in ((unit, 1), (other, 5)):
        for _ in range(deals):
            record = _reserve(people, target, customer)
            transitions.fire(people["consultant"], record.pk, "cancel", {"reason": "改期"})
        _reserve(people, target, customer)  # and one live deal
    client.force_login(people["consultant"])
    _card(client, unit)  # warm the session and the definitions' cache

    # when
    counts = []
    for target in (unit, other):
        with CaptureQueriesContext(connection) as queries:
            assert _card(client, target).status_code == 200
        counts.append(len(queries))

    # then
    assert counts[0] == counts[1]
    assert counts[0] <= 14


def test_a_colleagues_deal_on_the_card_says_the_unit_is_held_but_not_by_whom(client, people, unit, customer):
    # given: the colleague's reservation, in a project where consultants see only their own work
    record = _reserve(people, unit, customer)
    client.force_login(people["consultant2"])

    # when
    page = _card(client, unit).content.decode()

    # then: the sale status, but neither the customer nor a link into the deal
    assert "已预留" in page or "预留" in page
    assert customer.name not in page and f"/records/{record.pk}/" not in page
    # the consultant who holds it sees both
    client.force_login(people["consultant"])
    page = _card(client, unit).content.decode()
    assert customer.name in page and f"/records/{record.pk}/" in page

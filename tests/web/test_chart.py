"""The sale-control chart: grid, prices, statuses in words, card links, a fixed number of queries."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import versions
from engine.runtime import records, transitions
from kernel.models import Building, Customer, Unit, UnitHold


def _units(project, building, count: int) -> list[Unit]:
    made = []
    for n in range(count):
        floor, position = n // 4 + 1, f"{n % 4 + 1:02d}"
        made.append(Unit.objects.create(
            project=project, building=building, code=f"{building.code}-{floor}{position}", floor=floor,
            position=position, layout="3室2厅", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
            list_price=Decimal("1500000.00") + n))
    return made


@pytest.fixture
def building(people):
    b = Building.objects.create(project=people["p1"], code="3", name="3号楼")
    _units(people["p1"], b, 4)  # 3-101 … 3-104 on floor 1
    return b


def test_each_cell_shows_code_area_price_and_status_in_words_and_opens_the_unit_card(client, people, building):
    # given
    unit = Unit.objects.get(code="3-102")
    Unit.objects.filter(pk=unit.pk).update(status="reserved")
    UnitHold.objects.create(project=people["p1"], unit=unit, record_id=41, reference="RSV-000041", flow="reservation",
                            held_at=unit.project.created_at)
    client.force_login(people["consultant"])

    # when
    page = client.get("/projects/P1/chart/").content.decode()

    # then
    cell = page[page.index('data-unit="3-102"'):page.index('data-unit="3-103"')]
    assert 'data-status="reserved"' in cell
    assert f'href="/projects/P1/units/{unit.pk}/"' in cell
    assert "98.50 m²" in cell and "¥1,500,001.00" in cell and "预留" in cell
    assert "可售" in page[page.index('data-unit="3-101"'):page.index('data-unit="3-102"')]
    assert "1层" in page


def test_a_cell_held_by_a_priced_deal_shows_its_deal_price(client, people, building):
    # given: a subscription has fixed a deal price below the list price
    from engine.models import Record

    unit = Unit.objects.get(code="3-101")
    versions.publish(people["p1"], "reservation")
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    record = records.start_record(people["consultant"], people["p1"], "reservation",
                                  {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(people["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    data = {**Record.objects.get(pk=record.pk).data, "deal_price": "1450000.00"}
    Record.objects.filter(pk=record.pk).update(data=data)
    client.force_login(people["consultant"])

    # when
    page = client.get("/projects/P1/chart/").content.decode()
    units = client.get(f"/projects/P1/chart/data/?building={building.pk}").json()["units"]

    # then
    assert "¥1,450,000.00" in page and "¥1,500,000.00" not in page
    assert units["3-101"] == {"status": "reserved", "status_label": "预留", "record": record.pk,
                              "price": "¥1,450,000.00", "is_deal_price": True}
    assert units["3-102"]["price"] == "¥1,500,001.00" and units["3-102"]["is_deal_price"] is False


def test_the_legend_and_data_count_statuses(client, people, building):
    Unit.objects.filter(code="3-104").update(status="withheld")
    client.force_login(people["consultant"])

    page = client.get("/projects/P1/chart/").content.decode()
    data = client.get(f"/projects/P1/chart/data/?building={building.pk}").json()

    assert data["counts"] == {"available": 3, "reserved": 0, "subscribed": 0, "signed": 0, "filed": 0,
                              "delivered": 0, "withheld": 1}
    assert '<b data-count="withheld">1</b>' in page
    assert "销控" in page and "withheld" not in page.replace('status-withheld', '').replace('"withheld"', '')


def test_the_chart_speaks_english_in_english(client, people, building):
    client.force_login(people["consultant"])
    client.cookies["django_language"] = "en"

    page = client.get("/projects/P1/chart/").content.decode()

    assert "Sale control" in page and "Floor 1" not in page
    # a status standing alone (the legend, a cell, the refreshed data) is written as a title
    assert '<span class="swatch" aria-hidden="true"></span>Available <b data-count="available">4</b>' in page
    assert '<span class="status-text" data-status-text>Available</span>' in page
    data = client.get(f"/projects/P1/chart/data/?building={building.pk}").json()
    assert data["units"]["3-101"]["status_label"] == "Available"
    assert "可售" not in page and "销控图" not in page and "层" not in page


def test_the_chart_is_only_for_project_members(client, people, building):
    client.force_login(people["outsider"])

    assert client.get("/projects/P1/chart/").status_code == 404
    assert client.get("/projects/P1/chart/data/").status_code == 404


@pytest.mark.parametrize("url", ["/projects/P1/chart/", "/projects/P1/chart/data/"])
def test_the_chart_runs_the_same_queries_for_10_units_as_for_60(client, people, url):
    # given: a building of 10 units, every other one held by a deal
    small, large = (Building.objects.create(project=people["p1"], code=c, name=f"{c}号楼") for c in ("1", "2"))
    for building, count in ((small, 10), (large, 60)):
        for n, unit in enumerate(_units(people["p1"], building, count)):
            if n % 2:
                UnitHold.objects.create(project=people["p1"], unit=unit, record_id=1000 + unit.pk,
                                        reference=f"RSV-{unit.pk:06d}", flow="reservation",
                                        held_at=unit.project.created_at)
    client.force_login(people["consultant"])
    client.get(url)  # warm the session

    # when
    counts = []
    for building in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}?building={building.pk}")
        assert response.status_code == 200
        counts.append(len(queries))

    # then
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_a_cell_held_by_a_colleagues_deal_shows_the_list_price_and_names_no_deal(client, people, building):
    # given: consultant's reservation with a deal price, in a project where consultants see only their own work
    from engine.models import Record

    unit = Unit.objects.get(code="3-101")
    versions.publish(people["p1"], "reservation")
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    record = records.start_record(people["consultant"], people["p1"], "reservation",
                                  {"unit_id": unit.pk, "customer_id": customer.pk})
    transitions.fire(people["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    data = {**Record.objects.get(pk=record.pk).data, "deal_price": "1450000.00"}
    Record.objects.filter(pk=record.pk).update(data=data)
    client.force_login(people["consultant2"])

    # when
    page = client.get("/projects/P1/chart/").content.decode()
    units = client.get(f"/projects/P1/chart/data/?building={building.pk}").json()["units"]

    # then: the status, the list price, no deal price and no record
    assert "¥1,450,000.00" not in page and "¥1,500,000.00" in page
    assert units["3-101"] == {"status": "reserved", "status_label": "预留", "record": None,
                              "price": "¥1,500,000.00", "is_deal_price": False}
    # the consultant who holds it, and the sales manager, see the deal price
    for who in ("consultant", "manager"):
        client.force_login(people[who])
        assert client.get(f"/projects/P1/chart/data/?building={building.pk}").json()["units"]["3-101"]["record"] == record.pk

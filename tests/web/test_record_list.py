"""The records list per flow: open and finished records, titles, business columns, search, paging, visibility."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine import versions
from engine.models import Record
from engine.runtime import records
from kernel.models import Building, Customer, Unit
from web.views.record_facts import local_time

GOOD = {"price": "2530307.00", "discount_rate": "0.05"}


@pytest.fixture
def world(engine_flows, people):
    versions.publish(people["p1"], "discount")
    building = Building.objects.create(project=people["p1"], code="3", name="3号楼")
    unit = Unit.objects.create(project=people["p1"], building=building, code="3-1203", floor=12, position="03",
                               built_area=Decimal("89.37"), inner_area=Decimal("70.00"),
                               list_price=Decimal("2530307.00"))
    customer = Customer.objects.create(name="李娜", phone="+8613812341234")
    return {**people, "unit": unit, "customer": customer}


def deal(p, customer=None):
    record = records.start_record(p["consultant"], p["p1"], "discount", {**GOOD, "unit_id": p["unit"].pk})
    if customer is not None:
        Record.objects.filter(pk=record.pk).update(data={**record.data, "customer_id": customer.pk})
    return record


def url(flow="discount", **params):
    return reverse("web:record-list-flow", args=["P1", flow]), params


def rows_of(html: str) -> int:
    return html.count('<tr data-record="')


def test_finished_records_are_listed_with_state_titles_and_business_columns(client, world):
    p = world
    open_one = deal(p, p["customer"])
    finished = deal(p)
    Record.objects.filter(pk=finished.pk).update(state="done", is_closed=True)
    client.force_login(p["consultant"])  # who started them: a colleague would not see them (test_record_visibility)

    html = client.get(*url()).content.decode()

    assert rows_of(html) == 2
    row = html.split(f'<tr data-record="{open_one.pk}"')[1].split("</tr>")[0]
    assert "草稿" in row and "李娜" in row and "3-1203" in row and "¥2,530,307.00" in row
    assert local_time(Record.objects.get(pk=open_one.pk).created_at) in row  # with its zone
    assert "完成" in html.split(f'<tr data-record="{finished.pk}"')[1].split("</tr>")[0]
    assert rows_of(client.get(*url(open="closed")).content.decode()) == 1
    assert rows_of(client.get(*url(state="draft")).content.decode()) == 1
    assert rows_of(client.get(*url(q="李娜")).content.decode()) == 1
    assert rows_of(client.get(*url(q="3-1203")).content.decode()) == 2


def test_the_list_reads_the_same_number_of_queries_for_5_and_50_records(client, world):
    p = world
    client.force_login(p["consultant"])
    counted = []
    for total in (5, 50):
        while Record.objects.count() < total:
            deal(p, p["customer"])
        client.get(*url())
        with CaptureQueriesContext(connection) as queries:
            html = client.get(*url()).content.decode()
        assert rows_of(html) == total
        counted.append(len(queries))
    assert counted[0] == counted[1], counted


def test_the_list_pages_by_fifty_and_keeps_the_filters(client, world):
    p = world
    for _ in range(51):
        deal(p)
    client.force_login(p["consultant"])

    html = client.get(*url(state="draft")).content.decode()

    assert rows_of(html) == 50
    assert 'href="?state=draft&amp;page=2"' in html
    assert rows_of(client.get(*url(state="draft", page=2)).content.decode()) == 1


def test_the_project_link_opens_its_first_flow_and_outsiders_get_404(client, world):
    p = world
    deal(p)
    client.force_login(p["consultant"])
    assert client.get(reverse("web:record-list", args=["P1"]))["Location"] == "/projects/P1/records/discount/"
    assert client.get(*url(flow="nonexistent")).status_code == 404

    client.force_login(p["outsider"])
    assert client.get(*url()).status_code == 404
    assert client.get(reverse("web:record-list", args=["P1"])).status_code == 404


def test_the_list_speaks_english_when_switched(client, world):
    p = world
    deal(p)
    client.force_login(p["consultant"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get(*url()).content.decode()

    assert ">Draft<" in html and "Discount approval" in html and "1 record" in html and "草稿" not in html


def test_the_project_link_opens_the_first_flow_that_has_records_not_an_empty_one(client, world, engine_flows):
    from engine.versions import publish

    p = world
    publish(p["p1"], "area_settlement")  # its name comes first, and it has no records
    deal(p)
    client.force_login(p["consultant"])

    assert client.get(reverse("web:record-list", args=["P1"]))["Location"] == "/projects/P1/records/discount/"

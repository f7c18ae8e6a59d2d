"""The start page: pickers instead of ids, values carried from a link, a refusal that keeps what was typed."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import versions
from engine.models import Record
from tests.forms.conftest import world  # noqa: F401  (the fixture)


@pytest.fixture
def published(world, flows_dir):
    versions.publish(world["p1"], "reservation")
    return world


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_start_form_asks_for_a_unit_code_and_a_customer_never_an_id(client, published):
    html = page(client, published["consultant"], "/start/F1/reservation/")

    assert 'data-picker="unit"' in html and 'data-lookup="/lookups/F1/units/?free=1"' in html
    assert 'data-picker="customer"' in html
    assert 'type="number"' not in html
    assert "¥" in html  # the deposit is money


def test_a_link_from_the_chart_starts_with_the_unit_chosen_shown_by_its_code(client, published):
    unit = published["units"][2]

    html = page(client, published["consultant"], f"/start/F1/reservation/?unit_id={unit.pk}")

    assert f'value="{unit.code}"' in html
    assert f'value="{unit.pk}"' not in html


def test_a_unit_code_in_the_link_works_too(client, published):
    unit = published["units"][1]

    html = page(client, published["consultant"], f"/start/F1/reservation/?unit={unit.code}&customer_id={published['zhang'].pk}")

    assert f'value="{unit.code}"' in html
    assert 'value="张伟 138****1234"' in html


def test_a_refused_start_keeps_every_typed_value_and_says_why_at_the_field(client, published):
    client.force_login(published["consultant"])
    unit = published["units"][0]

    response = client.post("/start/F1/reservation/", {"unit_id": unit.code, "customer_id": "99999",
                                                     "deposit": "20,000", "note": "看过样板间"})

    html = response.content.decode()
    assert response.status_code == 400
    assert not Record.objects.exists()
    assert f'value="{unit.code}"' in html and 'value="99999"' in html and 'value="20,000"' in html
    assert "看过样板间" in html
    customer_block = html.split('data-field="customer_id"')[1].split('data-field="deposit"')[0]
    assert "客户不存在" in customer_block


def test_typing_the_code_and_the_name_starts_the_record_with_their_keys(client, published):
    client.force_login(published["consultant"])
    unit, li = published["units"][0], published["li"]

    response = client.post("/start/F1/reservation/", {"unit_id": unit.code, "customer_id": "李娜",
                                                     "deposit": "20,000"})

    record = Record.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/records/{record.pk}/"
    assert (record.data["unit_id"], record.data["customer_id"], record.data["deposit"]) == (unit.pk, li.pk,
                                                                                           "20000.00")


def test_the_start_page_in_english_has_no_chinese_but_the_data(client, published):
    client.force_login(published["consultant"])
    client.cookies["django_language"] = "en"

    html = client.get("/start/F1/reservation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Unit code, e.g. 3-1203" in html and "Name or phone" in html


def test_the_start_page_costs_the_same_queries_whatever_the_number_of_units(client, published):
    from tests.kernel.conftest import make_units
    client.force_login(published["consultant"])
    url = f"/start/F1/reservation/?unit_id={published['units'][0].pk}"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    make_units(published["p1"], 30, building_code="7")
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_the_start_pages_heading_names_the_project_not_its_code(client, published):
    html = page(client, published["consultant"], "/start/F1/reservation/")

    heading = html[html.index("<h1"):html.index("</h1>")]
    assert f"<small>{published['p1'].name}</small>" in heading and "F1" not in heading

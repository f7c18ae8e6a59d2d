"""Units (filterable sale status), customers (masked per role, search, create from a visit), payments."""
import pytest

from kernel import customers as kernel_customers
from kernel.models import Customer, Unit
from tests.kernel.conftest import make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_units_filter_by_status_building_and_floor(world):
    p, u, units = world
    Unit.objects.filter(pk=units[0].pk).update(status="reserved")
    client = client_for(u["sales_consultant"])

    all_units = client.get("/api/v1/projects/S1/units/").json()["results"]
    assert len(all_units) == 12 and all_units[0]["list_price"] == "3058300.00"
    reserved = client.get("/api/v1/projects/S1/units/", {"status": "reserved"}).json()["results"]
    assert [x["code"] for x in reserved] == [units[0].code] and reserved[0]["status_title"]
    assert len(client.get("/api/v1/projects/S1/units/", {"floor": "15", "building": "3"}).json()["results"]) == 4
    bad = client.get("/api/v1/projects/S1/units/", {"status": "gone"})
    assert bad.status_code == 400 and "available" in bad.json()["detail"]
    buildings = client.get("/api/v1/projects/S1/buildings/").json()
    assert buildings[0]["units"] == 12 and buildings[0]["by_status"]["reserved"] == 1


def test_pages_follow_the_cursor(world):
    p, u, units = world
    client = client_for(u["sales_consultant"])
    first = client.get("/api/v1/projects/S1/units/", {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    codes = [x["code"] for page in (first, second, third) for x in page["results"]]
    assert len(codes) == 12 == len(set(codes)) and third["next"] is None


def test_customers_are_masked_as_the_pages_mask_them_and_searchable(world):
    p, u, units = world
    other_consultant = make_user("c2", p, "sales_consultant")
    kernel_customers.register(project_id=p.pk, consultant_id=other_consultant.pk, name="王小明",
                              phone="13812341234")
    consultant, manager = client_for(u["sales_consultant"]), client_for(u["sales_manager"])

    seen = consultant.get("/api/v1/projects/S1/customers/", {"q": "王小明"}).json()["results"]
    assert [(c["name"], c["phone_masked"]) for c in seen] == [("王小明", True)]
    assert seen[0]["phone"].endswith("138****1234")
    full = manager.get("/api/v1/projects/S1/customers/", {"q": "1234"}).json()["results"]
    assert full[0]["phone_masked"] is False and full[0]["phone"].endswith("13812341234")
    assert consultant.get("/api/v1/projects/S1/customers/", {"q": "nobody"}).json()["results"] == []


def test_a_visit_creates_the_customer_once_for_a_retried_request(world):
    p, u, units = world
    consultant = client_for(u["sales_consultant"])
    body = {"kind": "visit", "name": "李四", "phone": "13900001111"}

    made = consultant.post("/api/v1/projects/S1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v1")
    again = consultant.post("/api/v1/projects/S1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="v1")
    assert made.status_code == again.status_code == 201, made.content
    assert made.json() == again.json() and made.json()["customer"]["phone_masked"] is False
    assert Customer.objects.filter(name="李四").count() == 1
    chinese = client_for(u["sales_consultant"], language="zh-hans")
    bad = chinese.post("/api/v1/projects/S1/visits/", {"kind": "visit", "name": "x", "phone": "12"}, format="json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "phone"
    assert "电话" in bad.json()["detail"]


def test_payments_of_the_records_one_sees(world, customers):
    from engine.runtime import records, transitions

    p, u, units = world
    record = records.start_record(u["sales_consultant"], p, "subscription",
                                  {"unit_id": units[0].pk, "customer_id": customers["buyer"].pk})
    transitions.fire(u["sales_consultant"], record.pk, "quote", {"unit_id": units[0].pk, "payment_plan": "full"})
    transitions.fire(u["sales_consultant"], record.pk, "submit",
                     {"buyers": [{"customer_id": customers["buyer"].pk}], "deposit": "30000.00"})

    paid = client_for(u["finance"]).get("/api/v1/projects/S1/payments/").json()["results"]
    assert [(x["reference"], x["kind"], x["amount"]) for x in paid] == [(record.reference, "deposit", "30000.00")]
    assert paid[0]["kind_title"]
    assert client_for(u["leasing_agent"]).get("/api/v1/projects/S1/payments/").json()["results"] == []

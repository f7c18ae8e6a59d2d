"""The pickers' search endpoints: scoped to the project, phones masked per viewer, a fixed number of queries."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel import customers
from kernel.models import SaleStatus, Unit
from tests.forms.conftest import world  # noqa: F401  (the fixture)
from tests.kernel.conftest import NOW, make_units


def results(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["results"]


def test_units_are_searched_by_code_within_the_project_with_area_price_and_status(client, world):
    unit = world["units"][0]

    found = results(client, world["consultant"], f"/lookups/F1/units/?q={unit.code}")

    assert found == [{"value": unit.code, "text": f"{unit.code} · 128.50 m² · ¥3,058,300.00 · 可售",
                      "code": unit.code, "area": "128.50", "price": "¥3,058,300.00", "status": "可售"}]


def test_free_only_leaves_out_units_that_are_taken(client, world):
    taken = world["units"][0]
    Unit.objects.filter(pk=taken.pk).update(status=SaleStatus.SUBSCRIBED)

    codes = [r["value"] for r in results(client, world["consultant"], "/lookups/F1/units/?free=1")]

    assert taken.code not in codes and len(codes) == 3


def test_another_projects_units_are_never_offered(client, world):
    codes = [r["value"] for r in results(client, world["consultant"], "/lookups/F1/units/?q=3-")]

    assert codes == sorted(u.code for u in world["units"])


def test_a_non_member_gets_nothing_about_the_project(client, world):
    from accounts.models import User
    client.force_login(User.objects.get(username="outsider"))

    assert client.get("/lookups/F1/units/").status_code == 404
    assert client.get("/lookups/F1/customers/?q=张").status_code == 404


def test_customers_are_searched_by_name_with_phones_masked_for_a_consultant_not_theirs(client, world):
    found = results(client, world["consultant"], "/lookups/F1/customers/?q=张")

    assert found == [{"value": f"@{world['zhang'].pk}", "text": "张伟 138****1234", "name": "张伟",
                      "phone": "138****1234"}]


def test_the_registered_consultant_sees_the_full_phone(client, world):
    found = results(client, world["other"], "/lookups/F1/customers/?q=张")

    assert [r["phone"] for r in found] == ["13812341234"]


def test_customers_are_found_by_seven_digits_of_their_phone_but_not_by_fewer(client, world):
    assert [r["name"] for r in results(client, world["consultant"], "/lookups/F1/customers/?q=1381234")] == ["张伟"]
    assert results(client, world["consultant"], "/lookups/F1/customers/?q=1234") == []


def test_a_name_registered_only_elsewhere_is_not_found_but_the_full_phone_finds_them(client, world):
    assert results(client, world["consultant"], "/lookups/F1/customers/?q=王芳") == []
    assert [r["name"] for r in results(client, world["consultant"], "/lookups/F1/customers/?q=13700002222")] == ["王芳"]


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_lookups_cost_the_same_queries_for_two_rows_or_twenty(client, world):
    client.force_login(world["consultant"])
    few_units, few_customers = _count(client, "/lookups/F1/units/"), _count(client, "/lookups/F1/customers/?q=张")
    make_units(world["p1"], 16, building_code="5")
    for i in range(20):
        customers.register(project_id=world["p1"].pk, consultant_id=world["other"].pk, name=f"客户{i}",
                           phone=f"1360000{i:04d}", now=NOW)

    assert _count(client, "/lookups/F1/units/") == few_units
    assert _count(client, "/lookups/F1/customers/?q=客户") == few_customers
    assert len(results(client, world["consultant"], "/lookups/F1/customers/?q=客户")) == 20


@pytest.mark.parametrize("url", ["/lookups/F1/units/", "/lookups/F1/customers/?q=x"])
def test_lookups_need_a_login(client, world, url):
    assert client.get(url).status_code == 302

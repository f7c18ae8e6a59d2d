"""Every list reads a fixed number of queries whatever its rows: the same for 5 rows as for 50."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.runtime import records
from kernel.models import Customer
from tests.kernel.conftest import make_units

from .conftest import client_for

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/projects/S1/records/?page_size=100", "/api/v1/projects/S1/units/?page_size=100",
         "/api/v1/projects/S1/customers/?page_size=100", "/api/v1/tasks/?page_size=100",
         "/api/v1/projects/S1/payments/?page_size=100", "/api/v1/projects/S1/buildings/",
         "/api/v1/projects/S1/members/", "/api/v1/projects/"]


def _grow(world, upto: int) -> None:
    from kernel import customers as kernel_customers

    p, u, units = world
    have = Customer.objects.count()
    for i in range(have, upto):
        registration = kernel_customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk,
                                                 name=f"客户{i}", phone=f"+86137{i:08d}")
        records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": registration.customer_id})
    make_units(p, max(0, upto - len(units)), building_code=f"B{upto}")


def _counts(client) -> dict[str, int]:
    out = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        # the token's last use is written at most once a minute, whichever request that falls on
        out[url] = len([q for q in queries.captured_queries if not q["sql"].startswith('UPDATE "api_apitoken"')])
    return out


@pytest.mark.parametrize("role", ["sales_manager", "sales_consultant"])
def test_each_list_costs_the_same_queries_for_5_rows_as_for_50(world, role):
    p, u, units = world
    client = client_for(u[role])
    _grow(world, 5)
    few = _counts(client)
    _grow(world, 50)
    many = _counts(client)

    assert many == few
    assert len(client.get(LISTS[0]).json()["results"]) == 50
    assert max(many.values()) <= 12

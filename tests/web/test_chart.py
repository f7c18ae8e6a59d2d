"""The sale-control chart: grid, legend counts, links, a fixed number of queries."""
from decimal import Decimal

import pytest

from accounts.models import Membership
from kernel.models import Building, Unit, UnitHold


@pytest.fixture
def building(people):
    b = Building.objects.create(project=people["p1"], code="3", name="3号楼")
    for floor in (1, 2):
        for position in ("01", "02"):
            Unit.objects.create(project=people["p1"], building=b, code=f"3-{floor}{position}", floor=floor,
                                position=position, layout="3室2厅", built_area=Decimal("98.50"),
                                inner_area=Decimal("80.10"), list_price=Decimal("1500000.00"))
    return b


def test_the_chart_shows_floors_statuses_counts_and_deal_links(client, people, building, django_assert_max_num_queries):
    Unit.objects.filter(code="3-201").update(status="reserved")
    unit = Unit.objects.get(code="3-201")
    UnitHold.objects.create(project=people["p1"], unit=unit, record_id=41, reference="RSV-000041", flow="reservation",
                            held_at=unit.project.created_at)
    client.force_login(people["consultant"])

    page = client.get("/projects/P1/chart/").content.decode()
    data = client.get(f"/projects/P1/chart/data/?building={building.pk}").json()

    assert page.index("3-201") < page.index("3-101")  # top floor first
    assert 'data-unit="3-201" data-status="reserved"' in page
    assert 'href="/records/41/"' in page
    assert 'href="/start/?project=P1&amp;unit_id=' in page
    assert data["counts"] == {"available": 3, "reserved": 1, "subscribed": 0, "signed": 0, "filed": 0,
                              "delivered": 0, "withheld": 0}
    assert data["units"]["3-201"] == {"status": "reserved", "record": 41}
    with django_assert_max_num_queries(8):
        client.get("/projects/P1/chart/data/")


def test_the_chart_is_only_for_project_members(client, people, building):
    client.force_login(people["outsider"])

    assert client.get("/projects/P1/chart/").status_code == 404
    assert client.get("/projects/P1/chart/data/").status_code == 404

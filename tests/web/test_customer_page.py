"""The customer page: masked where the role requires, deals and payments, only for the viewer's projects."""
import pytest

from engine import versions
from engine.runtime import records
from kernel import customers


@pytest.fixture
def customer(engine_flows, people):
    versions.publish(people["p1"], "discount")
    registration = customers.register(project_id=people["p1"].pk, consultant_id=people["consultant"].pk,
                                      name="王小明", phone="13812341234")
    return registration.customer


def test_a_consultant_of_another_customer_sees_the_phone_masked(client, people, customer):
    client.force_login(people["consultant2"])

    page = client.get(f"/customers/{customer.pk}/").content.decode()

    assert "<small data-phone>138****1234</small>" in page


def test_the_manager_sees_the_full_phone_the_deals_and_the_open_tasks(client, people, customer):
    record = records.start_record(people["consultant"], people["p1"], "discount",
                                  {"unit_id": 7, "note": "x"})
    from engine.models import Record
    Record.objects.filter(pk=record.pk).update(data={"unit_id": 7, "customer_id": customer.pk})
    client.force_login(people["manager"])

    page = client.get(f"/customers/{customer.pk}/").content.decode()

    assert "<small data-phone>13812341234</small>" in page  # a Chinese number as people write it
    # the flow's and state's titles, not their codes; the unit's code and the amount in their columns
    assert f'href="/records/{record.pk}/">DSC-000001</a> · Project one · 折扣审批</td>' in page
    assert '<td data-label="状态">草稿</td>' in page
    assert "准备" in page  # the open task


def test_an_outsider_cannot_open_the_customer(client, people, customer):
    client.force_login(people["outsider"])

    assert client.get(f"/customers/{customer.pk}/").status_code == 404


def test_the_customer_page_shows_points_per_project_with_the_level_by_its_title(client, people, customer):
    from extensions.rulesets import publish_rules
    from plugins.points.models import PointsAccount

    publish_rules(people["p1"], "points", {"purchase": {"yuan_per_point": "100.00"}, "levels": [
        {"code": "member", "title": "普通会员", "from": 0}, {"code": "gold", "title": "金卡", "from": 1000}]})
    PointsAccount.objects.create(project=people["p1"], customer=customer, balance=1200, points_ever_earned=1500,
                                 level="gold")
    client.force_login(people["manager"])

    page = client.get(f"/customers/{customer.pk}/").content.decode()

    assert '<li data-plugin="points" data-project="P1">Project one · 1200 积分 · 金卡</li>' in page

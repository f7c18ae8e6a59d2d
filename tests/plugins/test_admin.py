"""The plugins' and rule sets' admin lists: they render, read-only, without a query per row."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from extensions import registry
from extensions.rulesets import publish_rules
from kernel.admin import ReadOnlyAdmin
from kernel.models import Project

from .conftest import NOW, example_rules, make_ctx, make_customer

implementations = registry.implementations()
PAGES = ["extensions_ruleset", "commission_commissiondeal", "commission_commissionentry", "points_pointsaccount",
         "points_pointslot", "points_pointsentry"]


def add_rows(project, first: int, count: int) -> None:
    """`count` more rows on every page: deals by their own consultants, members with points, rule sets."""
    for i in range(first, first + count):
        consultant = User.objects.create_user(f"consultant{i}", password="x")
        ctx = make_ctx(project, now=NOW + timedelta(minutes=i))
        implementations["commission.accrue"](ctx, contract_amount="1000000.00", consultant=consultant.pk,
                                             channel="agency_a")
        member = make_customer(name=f"会员{i}", phone=f"+86138000000{i:02d}")
        implementations["points.award"](ctx, rule="purchase", customer=member.pk, amount="100000.00")
        other = Project.objects.create(code=f"P{i}", name=f"Project {i}")
        publish_rules(other, "points", example_rules("points"), user=consultant)


def queries(client, page: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"admin:{page}_changelist"))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_a_list_page_takes_as_many_queries_for_many_rows_as_for_one(client, commission_rules, points_rules, project,
                                                                       page):
    client.force_login(User.objects.create_superuser("root", password="x"))
    add_rows(project, 1, 1)
    one = queries(client, page)

    add_rows(project, 2, 4)

    assert queries(client, page) == one


def test_the_ledgers_admin_pages_are_read_only():
    from django.contrib import admin

    from plugins.commission.models import CommissionDeal, CommissionEntry
    from plugins.points.models import PointsAccount, PointsEntry, PointsLot

    for model in (CommissionDeal, CommissionEntry, PointsAccount, PointsLot, PointsEntry):
        assert isinstance(admin.site._registry[model], ReadOnlyAdmin), model

"""Ledgers under simultaneous requests, on PostgreSQL with one real connection per worker.

SQLite has one writer at a time, so these races cannot happen there; they are skipped
on SQLite and run in CI against PostgreSQL.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction

from accounts.models import User
from extensions import registry
from plugins.commission.models import CommissionEntry
from plugins.points.errors import PointsInsufficient
from plugins.points.models import PointsAccount, PointsEntry, PointsLot
from tests.kernel.parallel import needs_postgresql, race

from .conftest import NOW, make_ctx, make_customer

implementations = registry.implementations()


@pytest.mark.django_db(transaction=True)
def test_parallel_redemptions_never_overdraw(points_rules, project):
    # given: 1 000 points; eight requests of 300 arrive at once
    needs_postgresql()
    member = make_customer()
    implementations["points.award"](make_ctx(project, now=NOW - timedelta(days=5)), rule="purchase",
                                    customer=member.pk, amount="100000.00")

    def spend(worker: int):
        with transaction.atomic():
            implementations["points.redeem"](make_ctx(project, record_id=8000 + worker), customer=member.pk, points=300)
        return "redeemed"

    # when
    results = race(8, spend)

    # then: three fit, five are refused, 100 points remain and the journal adds up
    assert results.count("redeemed") == 3
    assert sum(isinstance(r, PointsInsufficient) for r in results) == 5
    account = PointsAccount.objects.get()
    assert account.balance == 100
    assert sum(PointsLot.objects.values_list("remaining", flat=True)) == 100
    assert sorted(PointsEntry.objects.values_list("balance_after", flat=True)) == [100, 400, 700, 1000]


@pytest.mark.django_db(transaction=True)
def test_one_event_awarded_by_parallel_requests_awards_once(points_rules, project):
    needs_postgresql()
    member = make_customer()
    deal = make_ctx(project)

    def award(worker: int):
        ctx = make_ctx(project, record_id=deal.record_id)
        with transaction.atomic():
            implementations["points.award"](ctx, rule="purchase", customer=member.pk, amount="1500000.00")
        return "done"

    results = race(10, award)

    assert results == ["done"] * 10
    assert (PointsLot.objects.count(), PointsAccount.objects.get().balance) == (1, 15000)


@pytest.mark.django_db(transaction=True)
def test_a_consultants_deals_signed_at_once_all_get_the_months_tier(commission_rules, project):
    # given: one consultant signs seven deals of 2 000 000.00 at the same moment (whole bracket)
    needs_postgresql()
    consultant = User.objects.create_user("zhang.wei", password="x")

    def sign(worker: int):
        ctx = make_ctx(project, record_id=8100 + worker, now=NOW + timedelta(seconds=worker))
        with transaction.atomic():
            implementations["commission.accrue"](ctx, contract_amount="2000000.00", consultant=consultant.pk)
        return ctx.reference

    # when
    results = race(7, sign)

    # then: seven deals in May at 0.4 % = 8 000.00 each, whatever order they committed in
    assert all(isinstance(r, str) for r in results), results
    totals: dict[int, D] = {}
    for deal_id, amount in CommissionEntry.objects.values_list("deal_id", "amount"):
        totals[deal_id] = totals.get(deal_id, D("0")) + amount
    assert sorted(totals.values()) == [D("8000.00")] * 7

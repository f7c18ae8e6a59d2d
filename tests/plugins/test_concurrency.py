"""Ledgers under simultaneous requests, on PostgreSQL with one real connection per worker.

SQLite has one writer at a time, so these races cannot happen there; they are skipped
on SQLite and run in CI against PostgreSQL.
"""
import threading
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import transaction

from accounts.models import User
from extensions import registry
from kernel import payments
from plugins.commission import ledger
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
    assert commission_per_deal(CommissionEntry.objects.all()) == [D("8000.00")] * 7


def commission_per_deal(entries) -> list[D]:
    """Each deal's commission, its `entries` added up, smallest first."""
    totals: dict[int, D] = defaultdict(D)
    for deal_id, amount in entries.values_list("deal_id", "amount"):
        totals[deal_id] += amount
    return sorted(totals.values())


def _five_deals_and_one_ready_to_release(project, consultant):
    """Five deals of one consultant in May (0.3 % each); the first has 30 % collected, so filing releases it."""
    deals = [make_ctx(project, now=NOW + timedelta(days=day)) for day in range(5)]
    for ctx in deals:
        implementations["commission.accrue"](ctx, contract_amount="2000000.00", consultant=consultant.pk)
    payments.record(deals[0], "down_payment", "600000.00")
    return deals


@pytest.mark.django_db(transaction=True)
def test_a_release_and_a_retier_at_once_leave_no_accrued_entry_on_the_released_deal(commission_rules, project):
    # given: five deals at 0.3 %; the first is about to be filed and released
    needs_postgresql()
    consultant = User.objects.create_user("wang.lei", password="x")
    first = _five_deals_and_one_ready_to_release(project, consultant)[0]

    def work(worker: int):
        if worker == 0:  # files the first deal, and keeps its transaction open a moment
            with transaction.atomic():
                implementations["commission.release"](make_ctx(project, record_id=first.record_id), filed=True)
                time.sleep(0.6)
            return "released"
        time.sleep(0.2)  # the sixth deal lifts the month to 0.4 %, adjusting the first while it is being released
        with transaction.atomic():
            implementations["commission.accrue"](make_ctx(project, now=NOW + timedelta(days=6)),
                                                 contract_amount="2000000.00", consultant=consultant.pk)
        return "signed"

    # when
    results = race(2, work)

    # then: the first deal's adjustment was written after its release, so it is payable too
    assert results == ["released", "signed"], results
    assert set(CommissionEntry.objects.filter(deal__record_id=first.record_id).values_list("status", flat=True)) \
        == {"payable"}
    assert sorted(CommissionEntry.objects.filter(deal__record_id=first.record_id).values_list("amount", flat=True)) \
        == [D("2000.00"), D("6000.00")]


@pytest.mark.django_db(transaction=True)
def test_a_cancellation_and_a_signing_in_one_month_at_once_do_not_deadlock(commission_rules, project, monkeypatch):
    # given: five deals at 0.3 %; cancelling one and signing a sixth both rework the month
    needs_postgresql()
    consultant = User.objects.create_user("zhao.min", password="x")
    first = _five_deals_and_one_ready_to_release(project, consultant)[0]
    canceller = threading.local()
    real_rules = ledger.revision_rules

    def slow_rules(project_id, revision):
        # The cancellation pauses after taking its first locks (re-tiering reads each deal's frozen rules),
        # so the signing reaches for them meanwhile.
        if getattr(canceller, "slow", False):
            time.sleep(0.6)
        return real_rules(project_id, revision)

    monkeypatch.setattr(ledger, "revision_rules", slow_rules)

    def work(worker: int):
        if worker == 0:
            canceller.slow = True
            with transaction.atomic():
                implementations["commission.claw_back"](make_ctx(project, record_id=first.record_id), reason="退房")
            return "cancelled"
        time.sleep(0.2)
        with transaction.atomic():
            implementations["commission.accrue"](make_ctx(project, now=NOW + timedelta(days=6)),
                                                 contract_amount="2000000.00", consultant=consultant.pk)
        return "signed"

    # when
    results = race(2, work)

    # then: both went through, one after the other; five live deals in May at 0.3 % = 6 000.00 each
    assert results == ["cancelled", "signed"], results
    live = CommissionEntry.objects.exclude(status="reversed").filter(deal__cancelled_at__isnull=True)
    assert commission_per_deal(live) == [D("6000.00")] * 5


@pytest.mark.django_db(transaction=True)
def test_two_admins_publishing_a_projects_first_rules_at_once_get_consecutive_revisions(project):
    # given: the project has no points rules yet; two admins publish at the same moment
    needs_postgresql()
    from extensions.models import RuleSet
    from extensions.rulesets import publish_rules

    from .conftest import example_rules

    def publish(worker: int):
        config = example_rules("points")
        config["expiry_days"] = 100 + worker
        return publish_rules(project, "points", config).revision

    # when
    results = race(2, publish)

    # then: both stored, one after the other, on one rule set
    assert sorted(results) == [1, 2], results
    stored = RuleSet.objects.get(project=project, plugin="points")
    assert stored.revision == 2 and stored.history.count() == 2

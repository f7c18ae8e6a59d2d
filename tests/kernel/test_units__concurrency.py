"""A launch-day rush 开盘 on PostgreSQL: many buyers, few units, real parallel connections."""
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count

from kernel import units
from kernel.errors import UnitUnavailable
from kernel.models import SaleStatus, Unit, UnitHold

from .conftest import make_ctx, make_units
from .parallel import needs_postgresql, race


@pytest.mark.django_db(transaction=True)
def test_fifty_workers_racing_for_ten_units_get_exactly_ten_holds(project):
    # given: ten units, five buyers after each of them
    needs_postgresql()
    ten = make_units(project, 10)

    def buy(worker: int):
        ctx = make_ctx(project, record_id=5000 + worker, reference=f"RSV-{5000 + worker:06d}")
        with transaction.atomic():
            return units.hold(ctx, ten[worker % 10].pk).record_id

    # when
    results = race(50, buy)

    # then
    holds = [r for r in results if isinstance(r, int)]
    refusals = [r for r in results if isinstance(r, UnitUnavailable)]
    assert (len(holds), len(refusals), len(results)) == (10, 40, 50)
    assert all(r.message_en.startswith("unit 3-") and "is no longer available (held by RSV-" in r.message_en
               for r in refusals)
    winners = dict(UnitHold.objects.values_list("unit_id", "record_id"))
    assert sorted(winners.values()) == sorted(holds)
    assert Counter(Unit.objects.filter(project=project).values_list("status", flat=True)) == {
        SaleStatus.RESERVED: 10}
    assert UnitHold.objects.count() == 10
    assert not UnitHold.objects.values("unit").annotate(n=Count("id")).filter(n__gt=1).exists()
    for refusal in refusals:  # each loser was told who won its unit
        assert refusal.params["holder"] == f"RSV-{winners[Unit.objects.get(code=refusal.params['unit']).pk]:06d}"


@pytest.mark.django_db(transaction=True)
def test_holds_and_releases_racing_on_one_unit_never_leave_two_live_holds(project):
    # given: one unit; half the workers hold and release it again, half just try to hold it
    needs_postgresql()
    unit, = make_units(project, 1)

    def churn(worker: int):
        ctx = make_ctx(project, record_id=6000 + worker)
        for _ in range(5):
            try:
                with transaction.atomic():
                    units.hold(ctx, unit.pk)
                if worker % 2 == 0:
                    with transaction.atomic():
                        units.release(ctx, unit.pk)
            except UnitUnavailable:
                pass
        return worker

    # when
    race(20, churn)

    # then
    live = UnitHold.objects.filter(unit=unit, released_at__isnull=True)
    unit.refresh_from_db()
    assert live.count() <= 1
    assert unit.status == (SaleStatus.RESERVED if live.exists() else SaleStatus.AVAILABLE)
    assert UnitHold.objects.filter(released_at__isnull=False).count() == UnitHold.objects.count() - live.count()

"""Concurrency on PostgreSQL with real parallel connections (one per thread)."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from engine import versions
from engine.models import HistoryEntry, Record, Task
from engine.runtime import EngineError, RecordChanged, records, transitions
from engine.runtime.timers import fire_due_timers

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrency is proven on PostgreSQL; CI runs these there"),
]


def parallel(n, fn):
    """Run fn(i) in n threads that start together; return results or exceptions in order."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            return fn(i)
        except Exception as exc:  # collected and asserted by the test
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def published(engine_flows, people):
    versions.publish(people["p1"], "discount")
    close_old_connections()
    return people


def test_two_users_firing_on_the_same_record_one_wins_the_other_hears_record_changed(published):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    users = [p["consultant"], p["consultant2"]]

    results = parallel(2, lambda i: transitions.fire(users[i], record.pk, "submit", {**GOOD, "note": f"by {i}"},
                                                     expected_revision=1))

    winners = [r for r in results if isinstance(r, Record)]
    losers = [r for r in results if isinstance(r, EngineError)]
    assert (len(winners), len(losers)) == (1, 1)
    assert isinstance(losers[0], RecordChanged)
    assert losers[0].message() == "DSC-000001 was changed by someone else meanwhile; reload it and try again"
    record.refresh_from_db()
    assert (record.state, record.revision) == ("review", 2)
    assert record.history.filter(kind="transition").count() == 1
    assert record.data["note"] == winners[0].data["note"]  # the winner's write, not a mix
    assert Task.objects.filter(record=record, status="open").count() == 2  # one countersign opened once


def test_without_a_revision_the_second_fire_finds_the_record_moved(published):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)

    results = parallel(2, lambda i: transitions.fire([p["consultant"], p["consultant2"]][i], record.pk, "submit", GOOD))

    assert sorted(type(r).__name__ for r in results) == ["Record", "TransitionNotAvailable"]
    assert record.history.filter(kind="transition").count() == 1


def test_a_double_submitted_transition_acts_once(published):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)

    results = parallel(4, lambda i: transitions.fire(p["consultant"], record.pk, "submit", GOOD,
                                                     idempotency_key="form-123"))

    assert [type(r).__name__ for r in results] == ["Record"] * 4
    assert HistoryEntry.objects.filter(record=record, kind="transition").count() == 1
    assert Task.objects.filter(record=record, name="countersign").count() == 2


def test_parallel_starts_are_numbered_without_gaps_and_a_repeated_start_makes_one_record(published):
    p = published

    results = parallel(12, lambda i: records.start_record(p["consultant"], p["p1"], "discount", GOOD))
    again = parallel(4, lambda i: records.start_record(p["consultant"], p["p1"], "discount", GOOD,
                                                       idempotency_key="start-1"))

    assert sorted(r.number for r in results) == list(range(1, 13))
    assert len({r.pk for r in again}) == 1
    assert Record.objects.count() == 13


def test_two_timer_workers_fire_each_due_timer_exactly_once(published):
    p = published
    made = [records.start_record(p["consultant"], p["p1"], "discount", GOOD) for _ in range(10)]
    for record in made:
        transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    later = timezone.now() + timedelta(hours=25)

    counts = parallel(2, lambda i: fire_due_timers(later))

    assert sum(counts) == 20  # 10 records x 2 countersign slots, each escalated once
    assert HistoryEntry.objects.filter(kind="escalate").count() == 20
    assert fire_due_timers(later) == 0

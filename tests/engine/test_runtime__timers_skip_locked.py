"""Timer consumers on PostgreSQL claim records with SKIP LOCKED: none waits for another, none fires a timer twice.

Real parallel connections (one per thread, as tests/engine/test_runtime__concurrency.py).
"""
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from engine import versions
from engine.models import HistoryEntry, Record, Timer, TimerStatus
from engine.runtime import records, transitions
from engine.runtime.timers import fire_due_timers

from .test_runtime__concurrency import parallel

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time, nothing to skip"),
]


@pytest.fixture
def due(engine_flows, people):
    """12 records in review, each with two countersign deadlines (24 timers), and a moment when all are due."""
    versions.publish(people["p1"], "discount")
    made = [records.start_record(people["consultant"], people["p1"], "discount", GOOD) for _ in range(12)]
    for record in made:
        transitions.fire(people["consultant"], record.pk, "submit", GOOD)
    close_old_connections()
    assert Timer.objects.filter(status=TimerStatus.PENDING).count() == 24
    return made, timezone.now() + timedelta(hours=25)


def test_four_consumers_at_once_fire_every_due_timer_exactly_once(due):
    made, later = due

    counts = parallel(4, lambda i: fire_due_timers(later))

    assert all(isinstance(c, int) for c in counts), counts
    assert sum(counts) == 24
    assert Timer.objects.filter(status=TimerStatus.PENDING).count() == 0
    assert Timer.objects.filter(status=TimerStatus.FIRED).count() == 24
    # one escalation per timer: each record's two slots, neither twice
    per_record = [HistoryEntry.objects.filter(record=r, kind="escalate").count() for r in made]
    assert per_record == [2] * 12
    assert fire_due_timers(later) == 0


def test_a_consumer_passes_over_a_record_someone_holds_instead_of_waiting_for_it(due):
    made, later = due
    busy = made[0]
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():  # a person's step (or another consumer) holding the record
                list(Record.objects.select_for_update().filter(pk=busy.pk))
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    answers: list = []

    def consume() -> None:
        try:
            started = time.monotonic()
            answers.append((fire_due_timers(later), time.monotonic() - started))
        except Exception as exc:  # asserted below
            answers.append(exc)
        finally:
            connections.close_all()

    consumer = threading.Thread(target=consume)
    consumer.start()
    # every other record's timers fire while the busy record is still held (the second pass then waits for it)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Timer.objects.filter(status=TimerStatus.PENDING).count() > 2:
        time.sleep(0.05)
    assert set(Timer.objects.filter(status=TimerStatus.PENDING).values_list("record_id", flat=True)) == {busy.pk}
    assert consumer.is_alive()  # waiting only for the held record, at the end
    release.set()
    holder.join(10)
    consumer.join(20)

    assert answers and answers[0][0] == 24, answers
    assert Timer.objects.filter(status=TimerStatus.PENDING).count() == 0

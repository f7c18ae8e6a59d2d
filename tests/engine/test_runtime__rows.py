"""The engine's hand-written statements (engine/runtime/rows.py): what the database keeps."""
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from engine import versions
from engine.models import HistoryEntry, Task
from engine.runtime import records, rows, transitions


@pytest.fixture
def record(engine_flows, people):
    versions.publish(people["p1"], "discount")
    return records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7})


def test_history_stays_append_only_after_the_index_migration(record):
    # 0007 rebuilds the history table on SQLite; its trigger must be back
    entry = HistoryEntry.objects.filter(record=record).first()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        HistoryEntry.objects.filter(pk=entry.pk).update(comment="rewritten")
    entry.refresh_from_db()
    assert entry.comment == ""


def test_a_batch_that_raises_sends_nothing(record):
    # held-back writes are all or nothing: the block raised, so the task stays open
    task = Task.objects.get(record=record, status="open")
    with pytest.raises(RuntimeError), transaction.atomic():
        with rows.together():
            rows.update(Task, {"id": task.pk}, {"status": "cancelled"})
            if connection.vendor != "postgresql":
                raise RuntimeError("SQLite runs each statement at once; the transaction undoes it")
            raise RuntimeError("nothing was sent")
    task.refresh_from_db()
    assert task.status == "open"


def test_a_repeated_idempotency_key_acts_once(record, people):
    # the lock's batch of reads says whether the key was used (racing copies: test_runtime__concurrency)
    form = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
    fired = transitions.fire(people["consultant"], record.pk, "submit", form, idempotency_key="k-1")
    again = transitions.fire(people["consultant"], record.pk, "submit", form, idempotency_key="k-1")
    assert again.revision == fired.revision
    assert HistoryEntry.objects.filter(record=record, idempotency_key="k-1").count() == 1


def test_the_action_catalogue_says_which_actions_a_send_back_may_cross():
    # send back (moves.send_back) refuses to cross the others; tests/flows shows the refusals
    from engine.environment import action_catalogue

    catalogue = action_catalogue()
    assert catalogue.get("record.set").repeatable and catalogue.get("unit.hold").repeatable
    assert not catalogue.get("payment.record").repeatable and not catalogue.get("queue.issue").repeatable
    assert not catalogue.get("record.start_linked").repeatable


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_hot_statements_are_prepared_and_the_orms_are_not(record, people):
    form = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
    transitions.fire(people["consultant"], record.pk, "submit", form)
    prepared = _prepared()
    assert any("FOR UPDATE OF r" in sql for sql in prepared)  # the lock
    assert any(sql.startswith("WITH s0 AS (") for sql in prepared)  # the move's writes
    assert not any('"engine_task"."id"' in sql or "django_" in sql for sql in prepared)  # ORM-compiled SQL


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_with_prepared_statements_off_the_engine_still_runs(record, people):
    # PLATFORM_PREPARED_STATEMENTS=0 leaves Django's prepare_threshold None: nothing is prepared
    raw = connection.connection
    before, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        known = set(_prepared())
        form = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
        moved = transitions.fire(people["consultant"], record.pk, "submit", form)
        assert moved.state != record.state
        assert set(_prepared()) == known
    finally:
        raw.prepare_threshold = before

"""The engine's hand-written statements (engine/runtime/rows.py): what the database keeps."""
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engine import versions
from engine.models import HistoryEntry, Record, Task
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


def test_a_batch_holds_its_writes_until_flushed_on_both_databases(record):
    # The same on SQLite and PostgreSQL (only the transport differs): nothing is sent before
    # flush(), reads in between see the rows as they were, and flush() sends all of it.
    task = Task.objects.get(record=record, status="open")
    with transaction.atomic():
        batch = rows.Batch()
        with CaptureQueriesContext(connection) as held:
            batch.update(Task, {"id": task.pk}, {"outcome": "one"})
            batch.update(Record, {"id": record.pk}, {"updated_at": task.opened_at})  # one row once each
        assert len(held.captured_queries) == 0 and len(batch) == 2
        assert Task.objects.get(pk=task.pk).outcome == ""  # not sent yet
        batch.flush()
        assert len(batch) == 0
        assert Task.objects.get(pk=task.pk).outcome == "one"
        assert Record.objects.get(pk=record.pk).updated_at == task.opened_at


def test_a_batch_never_flushed_sends_nothing(record):
    # a step that raises before its flush leaves its held writes unsent: the task stays open
    task = Task.objects.get(record=record, status="open")
    with pytest.raises(RuntimeError), transaction.atomic():
        batch = rows.Batch()
        batch.update(Task, {"id": task.pk}, {"status": "cancelled"})
        raise RuntimeError("the step was refused")
    task.refresh_from_db()
    assert task.status == "open"


def test_a_write_returning_rows_sends_what_came_before_it_first(record):
    # a task's id is needed at once (states.enter): the batch's earlier writes go first, in order
    task = Task.objects.get(record=record, status="open")
    with transaction.atomic():
        batch = rows.Batch()
        batch.update(Task, {"id": task.pk}, {"outcome": "before"})
        made = batch.insert(HistoryEntry, [{
            "record_id": record.pk, "seq": record.last_seq + 1, "kind": "comment", "at": timezone.now(),
            "actor_id": None, "transition": "", "from_state": "", "to_state": "", "comment": "",
            "changes": {}, "details": {}, "idempotency_key": None}], returning=True)
        (entry_id,) = made.fetchone()
        assert len(batch) == 0 and Task.objects.get(pk=task.pk).outcome == "before"
        assert HistoryEntry.objects.filter(pk=entry_id).exists()


def test_a_move_sends_its_writes_as_one_statement_on_postgresql_and_the_same_statements_on_sqlite(record, people):
    # the batch's statements (close the task, open the next, history, the record) are the same on both
    form = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
    sent: list[str] = []

    def watch(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        transitions.fire(people["consultant"], record.pk, "submit", form)
    writes = [sql for sql in sent if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "WITH"))]
    if connection.vendor == "postgresql":
        combined = [sql for sql in writes if sql.startswith("WITH s0 AS (")]
        assert len(combined) == 1 and '"engine_historyentry"' in combined[0] and '"engine_record"' in combined[0]
    else:
        assert any('"engine_historyentry"' in sql for sql in writes)
        assert writes[-1].startswith('UPDATE "engine_record"')  # the record row last, as in the combined one


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

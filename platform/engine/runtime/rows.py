"""The statements every transition makes, written once and sent together.

Django's ORM compiles each query anew on every call and waits for each result before
it sends the next statement; on a transition that was most of the engine's time. The
few statements a transition always makes (lock the record, read its open tasks,
close and open tasks, append history, write the record) are written here as plain
SQL over the models' own columns, with the fields' own conversions for parameters
and results, and reach PostgreSQL in two round trips before the commit:

- `lock()` sends its reads in one psycopg pipeline (BEGIN, the locking SELECT, the
  open tasks, ...) and waits once;
- the writes of a step go into its `Batch` (engine.runtime.step.Step.batch) and are
  sent by `flush()` as ONE statement (`WITH s0 AS (UPDATE ...), s1 AS (INSERT ...)
  UPDATE ...`). A batch that is never flushed sends nothing (its step raised: the
  transaction is rolled back anyway). Statements in one batch must not touch the same
  row twice, and reads made before the flush do not see the held-back writes.

On PostgreSQL these statements are also bound and prepared on the server, once per
connection (`cursor()`): parsing and planning them anew took PostgreSQL longer than
running them. On SQLite the batch holds and flushes the same way and sends the same
statements, one after another (SQLite has no data-modifying WITH, and runs in-process:
there are no round trips to save), so the default test run exercises what production does.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import cast

from django.db import connection
from django.db.models import Field, Model

from accounts.models import Membership
from kernel.models import Project

from ..models import FlowVersion, HistoryEntry, Record, Task, Vote
from .access import parse_roles


def _field(model: type[Model], name: str) -> Field:
    """A concrete field of `model` by attribute name (the batch writes columns, never reverse relations)."""
    return cast(Field, model._meta.get_field(name))


def _column(field: Field) -> str:
    return connection.ops.quote_name(cast(str, field.column))


class Batch:
    """The writes of one step, held back and sent together by `flush()`.

    It behaves the same on both databases: a write is held until `flush()`, or until a
    write that returns rows (`insert(..., returning=True)`), which sends what came before
    first and then runs at once; reads made meanwhile do not see the held writes. Only the
    transport differs: PostgreSQL gets the held writes as ONE statement
    (`WITH s0 AS (UPDATE ...), s1 AS (INSERT ...) UPDATE ...`, one round trip); SQLite,
    which has no data-modifying WITH and runs in-process, gets the same statements one
    after another, in order. Statements in one batch must not touch the same row twice.
    A step that raises is rolled back with its transaction, so what it held is dropped.
    """

    def __init__(self) -> None:
        self._held: list[tuple[str, list]] = []

    def __len__(self) -> int:
        return len(self._held)

    def insert(self, model: type[Model], rows: Sequence[dict], *, returning: bool = False):
        """INSERT the rows (dicts of attribute names, the same keys in each); with `returning`, a cursor
        to fetch their ids from (sent at once, after whatever the batch holds)."""
        names = list(rows[0])
        fields = [_field(model, name) for name in names]
        placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
        params = [field.get_db_prep_save(row[name], connection) for row in rows for name, field in zip(names, fields)]
        sql = (f"INSERT INTO {_table(model)} ({', '.join(_column(f) for f in fields)}) "
               f"VALUES {', '.join([placeholders] * len(rows))}")
        if not returning:
            self._held.append((sql, params))
            return None
        self.flush()  # what came before must be written first
        made = cursor()
        made.execute(sql + " RETURNING id", params)
        return made

    def update(self, model: type[Model], where: dict, values: dict, *, cases: dict | None = None) -> None:
        """UPDATE the rows matching `where` (attribute: value, or a list of values).

        `cases` sets a column to one value on the row with one id, and another on the rest.
        """
        sets: list[str] = []
        params: list = []
        conditions: list[str] = []
        where_params: list = []
        for name, value in values.items():
            field = _field(model, name)
            sets.append(f"{_column(field)} = %s")
            params.append(field.get_db_prep_save(value, connection))
        for name, (special_id, special, other) in (cases or {}).items():
            field = _field(model, name)
            case = "CASE WHEN id = %s THEN %s ELSE %s END"
            if connection.vendor == "postgresql":  # two NULLs would make the CASE text
                case = f"CAST({case} AS {field.cast_db_type(connection)})"
            sets.append(f"{_column(field)} = {case}")
            params += [special_id, field.get_db_prep_save(special, connection),
                       field.get_db_prep_save(other, connection)]
        for name, value in where.items():
            column = _column(_field(model, name))
            if isinstance(value, (list, tuple, set, frozenset)):
                value = list(value)
                conditions.append(f"{column} IN ({', '.join(['%s'] * len(value))})")
                where_params += value
            else:
                conditions.append(f"{column} = %s")
                where_params.append(value)
        self._held.append((f"UPDATE {_table(model)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}",
                           params + where_params))

    def flush(self) -> None:
        """Send what the batch holds: one statement on PostgreSQL, the statements in order on SQLite."""
        held, self._held = self._held, []
        if not held:
            return
        if connection.vendor != "postgresql":
            with cursor() as made:
                for sql, params in held:
                    made.execute(sql, params)
            return
        *first, (last_sql, _) = held
        sql = ("WITH " + ", ".join(f"s{i} AS ({s})" for i, (s, _) in enumerate(first)) + " " + last_sql
               if first else last_sql)
        with cursor() as made:
            made.execute(sql, [p for _, ps in held for p in ps])


def cursor():
    """A cursor for the statements every transition makes.

    On PostgreSQL its statements are bound on the server and prepared: the first
    execution of a statement's text on a connection parses and plans it, later ones
    only bind. The ORM's statements stay unprepared (config/settings.py sets a
    threshold no statement reaches); with PLATFORM_PREPARED_STATEMENTS=0 nothing is
    prepared and this cursor binds on the server without preparing.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()  # as Django's own cursor() does, before connecting
    connection.ensure_connection()
    # Django's own wrapping of a driver cursor (debug logging, error translation) for the prepared one
    return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))  # type: ignore[attr-defined]


@cache
def _prepared_cursor_class():
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor


@contextmanager
def _pipelined() -> Iterator[None]:
    """Statements executed inside go out without waiting; the first fetch waits for all of them."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


class Columns:
    """A model's columns in a fixed order: the SQL to select them and the instances they make."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.fields: list[Field] = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{_column(f)}" for f in self.fields)
        self.converters = []
        for i, field in enumerate(self.fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, col, found))

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values: Sequence) -> Model:
        values = list(values)
        for i, col, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


_columns: dict[tuple[str, type[Model], str], Columns] = {}


def columns(model: type[Model], alias: str) -> Columns:
    key = (connection.vendor, model, alias)
    found = _columns.get(key)
    if found is None:
        found = _columns[key] = Columns(model, alias)
    return found


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# -- reading under the record's lock

@dataclass
class Locked:
    """A record locked for this transaction, the user's roles in its project, its open tasks."""

    record: Record
    roles: frozenset[str]
    open_tasks: list[Task]
    key_used: bool = False  # a history entry already carries the request's idempotency key
    voted: bool = False  # the voter already voted on the task's approval


def lock(user_id: int | None, *, record_id: int | None = None, task_id: int | None = None,
         idempotency_key: str | None = None, voter_id: int | None = None) -> Locked | None:
    """Lock the record (by id, or the record of a task) and read what every move needs; None if there is none.

    The open tasks are read by a second statement, after the lock is granted: a
    statement's snapshot is taken when it starts, so reading them in the locking
    statement could miss what the previous holder of the lock committed. With an
    idempotency key, whether a history entry already carries it; with a voter (and a
    task), whether they already voted on that task's approval.
    """
    r, p = columns(Record, "r"), columns(Project, "p")
    t = columns(Task, "t")
    joined = "STRING_AGG(m.role, ',')" if connection.vendor == "postgresql" else "GROUP_CONCAT(m.role)"
    roles = (f"(SELECT {joined} FROM {_table(Membership)} m WHERE m.user_id = %s AND m.project_id = r.project_id)")
    if task_id is None:
        where, key = "r.id = %s", record_id
        tasks_of = "%s"
    else:
        where, key = f"r.id = (SELECT record_id FROM {_table(Task)} WHERE id = %s)", task_id
        tasks_of = f"(SELECT record_id FROM {_table(Task)} WHERE id = %s)"
    for_update = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
    queries: list[tuple[str, list[object]]] = [
        (f"SELECT {r.sql}, {p.sql}, v.content_hash, {roles} FROM {_table(Record)} r "
         f"JOIN {_table(Project)} p ON p.id = r.project_id JOIN {_table(FlowVersion)} v ON v.id = r.version_id "
         f"WHERE {where}{for_update}", [user_id, key]),
        (f"SELECT {t.sql} FROM {_table(Task)} t WHERE t.record_id = {tasks_of} AND t.status = 'open' "
         f"ORDER BY t.id", [key]),
    ]
    if idempotency_key:
        queries.append((f"SELECT 1 FROM {_table(HistoryEntry)} WHERE record_id = {tasks_of} "
                        f"AND idempotency_key = %s", [key, idempotency_key]))
    if voter_id is not None:
        queries.append((f"SELECT 1 FROM {_table(Vote)} v JOIN {_table(Task)} t ON t.id = v.task_id "
                        f"JOIN {_table(Task)} me ON me.id = %s WHERE v.record_id = me.record_id "
                        f"AND t.name = me.name AND t.visit = me.visit AND v.user_id = %s", [task_id, voter_id]))
    with _pipelined():
        cursors = [cursor() for _ in queries]
        for made, (sql, params) in zip(cursors, queries):
            made.execute(sql, params)
        results = [made.fetchall() for made in cursors]  # the first fetch waits for them all
    for made in cursors:
        made.close()
    row = results[0][0] if results[0] else None
    task_rows, checks = results[1], iter(results[2:])
    key_used = bool(idempotency_key) and bool(next(checks))
    voted = voter_id is not None and bool(next(checks))
    if row is None:
        return None
    record = cast(Record, r.instance(row[:len(r)]))
    record.project = cast(Project, p.instance(row[len(r):len(r) + len(p)]))
    record.version_hash = row[-2]  # type: ignore[attr-defined]  # as visible_record's annotation sets it
    tasks = [cast(Task, t.instance(values)) for values in task_rows]
    for task in tasks:
        task.record = record
    return Locked(record, parse_roles(row[-1]), tasks, key_used, voted)


# -- writing

def values_of(instance: Model) -> dict:
    """An unsaved model instance as a row for `Batch.insert` (every column but the key)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}

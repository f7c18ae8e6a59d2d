"""The statements every transition makes, written once and sent together.

Django's ORM compiles each query anew on every call and waits for each result before
it sends the next statement; on a transition that was most of the engine's time. The
few statements a transition always makes (lock the record, read its open tasks,
close and open tasks, append history, write the record) are written here as plain
SQL over the models' own columns, with the fields' own conversions for parameters
and results, and reach PostgreSQL in two round trips before the commit:

- `lock()` sends its reads in one psycopg pipeline (BEGIN, the locking SELECT, the
  open tasks, ...) and waits once;
- the writes made inside `together()` are held back and sent at its end as ONE
  statement (`WITH s0 AS (UPDATE ...), s1 AS (INSERT ...) UPDATE ...`). A batch is
  all or nothing: if the block raises, nothing in it is sent (the transaction is
  rolled back anyway). Statements in one batch must not touch the same row twice,
  and reads inside the block do not see the held-back writes.

On PostgreSQL these statements are also bound and prepared on the server, once per
connection (`cursor()`): parsing and planning them anew took PostgreSQL longer than
running them. On SQLite, which runs in-process and has no round trips to
save, every statement runs when it is made.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Model

from accounts.models import Membership
from kernel.models import Project

from ..models import FlowVersion, HistoryEntry, Record, Task, Vote
from .access import parse_roles


@contextmanager
def together() -> Iterator[None]:
    """Hold back the writes made inside and send them as one statement at the end (PostgreSQL)."""
    if connection.vendor != "postgresql" or getattr(connection, "_engine_batch", None) is not None:
        yield  # SQLite, or already inside a batch: the outer one sends
        return
    batch: list[tuple[str, list]] = []
    connection._engine_batch = batch
    try:
        yield
    finally:
        connection._engine_batch = None
    _send(batch)  # only when the block did not raise


def _write(sql: str, params: list, *, returning: bool = False):
    """Run a write now, or hold it back in the current batch; a cursor when `returning`."""
    batch = getattr(connection, "_engine_batch", None)
    if batch is not None and not returning:
        batch.append((sql, params))
        return None
    if batch:
        _send(batch)  # what came before must be written first
    made = cursor()
    made.execute(sql, params)
    return made


def _send(batch: list[tuple[str, list]]) -> None:
    if not batch:
        return
    *first, (last_sql, _) = batch
    sql = "WITH " + ", ".join(f"s{i} AS ({s})" for i, (s, _) in enumerate(first)) + " " + last_sql if first else last_sql
    params = [p for _, ps in batch for p in ps]
    batch.clear()
    with cursor() as made:
        made.execute(sql, params)


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
    return connection._prepare_cursor(_prepared_cursor_class()(connection.connection))


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
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in self.fields)
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

    record: Record | None
    roles: frozenset[str]
    open_tasks: list[Task]
    key_used: bool = False  # a history entry already carries the request's idempotency key
    voted: bool = False  # the voter already voted on the task's approval


def lock(user_id: int | None, *, record_id: int | None = None, task_id: int | None = None,
         idempotency_key: str | None = None, voter_id: int | None = None) -> Locked:
    """Lock the record (by id, or the record of a task) and read what every move needs.

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
    queries = [
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
        return Locked(None, frozenset(), [])
    record = r.instance(row[:len(r)])
    record.project = p.instance(row[len(r):len(r) + len(p)])
    record.version_hash = row[-2]
    tasks = [t.instance(values) for values in task_rows]
    for task in tasks:
        task.record = record
    return Locked(record, parse_roles(row[-1]), tasks, key_used, voted)


# -- writing

def values_of(instance: Model) -> dict:
    """An unsaved model instance as a row for `insert` (every column but the key)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields if not f.primary_key}


def insert(model: type[Model], rows: Sequence[dict], *, returning: bool = False):
    """INSERT the rows (dicts of attribute names, the same keys in each); with `returning`, a cursor
    to fetch their ids from (sent at once, after whatever the batch holds)."""
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    params = [field.get_db_prep_save(row[name], connection) for row in rows for name, field in zip(names, fields)]
    sql = (f"INSERT INTO {_table(model)} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
           f"VALUES {', '.join([placeholders] * len(rows))}")
    if returning:
        sql += " RETURNING id"
    return _write(sql, params, returning=returning)


def update(model: type[Model], where: dict, values: dict, *, cases: dict | None = None) -> None:
    """UPDATE the rows matching `where` (attribute: value, or a list of values).

    `cases` sets a column to one value on the row with one id, and another on the rest.
    """
    sets, params, conditions, where_params = [], [], [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        sets.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    for name, (special_id, special, other) in (cases or {}).items():
        field = model._meta.get_field(name)
        case = "CASE WHEN id = %s THEN %s ELSE %s END"
        if connection.vendor == "postgresql":  # two NULLs would make the CASE text
            case = f"CAST({case} AS {field.cast_db_type(connection)})"
        sets.append(f"{connection.ops.quote_name(field.column)} = {case}")
        params += [special_id, field.get_db_prep_save(special, connection), field.get_db_prep_save(other, connection)]
    for name, value in where.items():
        column = connection.ops.quote_name(model._meta.get_field(name).column)
        if isinstance(value, (list, tuple, set, frozenset)):
            value = list(value)
            conditions.append(f"{column} IN ({', '.join(['%s'] * len(value))})")
            where_params += value
        else:
            conditions.append(f"{column} = %s")
            where_params.append(value)
    _write(f"UPDATE {_table(model)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}", params + where_params)

"""The statements every transition makes, written once and sent together.

Django's ORM compiles each query anew on every call and waits for each result before
it sends the next statement; on a transition that was most of the engine's time. The
few statements a transition always makes (lock the record, read its open tasks,
close and open tasks, append history, write the record) are written here as plain
SQL over the models' own columns, with the fields' own conversions for parameters
and results, and sent in at most two round trips: `together()` puts them in one
psycopg pipeline on PostgreSQL. On SQLite, which runs in-process, they simply run
one after another.

A pipeline sends statements without waiting, so nothing inside `together()` may
depend on a result it has not fetched (Django's ORM reads row counts right after
executing, which is why ORM calls stay outside).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model

from accounts.models import Membership
from kernel.models import Project

from ..models import FlowVersion, HistoryEntry, Record, Task, Vote


@contextmanager
def together() -> Iterator[None]:
    """Send the statements executed inside in one round trip (PostgreSQL); errors surface on exit."""
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
    roles: str | None
    open_tasks: list[Task]
    key_used: bool = False
    voted: bool = False


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
    with (together(), connection.cursor() as first, connection.cursor() as second,
          connection.cursor() as third, connection.cursor() as fourth):
        first.execute(
            f"SELECT {r.sql}, {p.sql}, v.content_hash, {roles} FROM {_table(Record)} r "
            f"JOIN {_table(Project)} p ON p.id = r.project_id JOIN {_table(FlowVersion)} v ON v.id = r.version_id "
            f"WHERE {where}{for_update}", [user_id, key])
        second.execute(f"SELECT {t.sql} FROM {_table(Task)} t WHERE t.record_id = {tasks_of} AND t.status = 'open' "
                       f"ORDER BY t.id", [key])
        if idempotency_key:
            third.execute(f"SELECT 1 FROM {_table(HistoryEntry)} WHERE record_id = {tasks_of} "
                          f"AND idempotency_key = %s", [key, idempotency_key])
        if voter_id is not None:
            fourth.execute(f"SELECT 1 FROM {_table(Vote)} v JOIN {_table(Task)} t ON t.id = v.task_id "
                           f"JOIN {_table(Task)} me ON me.id = %s WHERE v.record_id = me.record_id "
                           f"AND t.name = me.name AND t.visit = me.visit AND v.user_id = %s", [task_id, voter_id])
        row = first.fetchone()
        task_rows = second.fetchall()
        key_used = bool(idempotency_key) and third.fetchone() is not None
        voted = voter_id is not None and fourth.fetchone() is not None
    if row is None:
        return Locked(None, None, [])
    record = r.instance(row[:len(r)])
    record.project = p.instance(row[len(r):len(r) + len(p)])
    record.version_hash = row[-2]
    tasks = [t.instance(values) for values in task_rows]
    for task in tasks:
        task.record = record
    return Locked(record, row[-1], tasks, key_used, voted)


# -- writing

def insert(model: type[Model], rows: Sequence[dict], *, returning: bool = False):
    """INSERT the rows (dicts of attribute names, the same keys in each); a cursor to fetch ids from."""
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    params = [field.get_db_prep_save(row[name], connection) for row in rows for name, field in zip(names, fields)]
    sql = (f"INSERT INTO {_table(model)} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
           f"VALUES {', '.join([placeholders] * len(rows))}")
    if returning:
        sql += " RETURNING id"
    cursor = connection.cursor()
    cursor.execute(sql, params)
    return cursor


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
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table(model)} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}",
                       params + where_params)

"""The benchmark's throw-away database, counting what reaches it, and the options every entry point shares.

`bench_database()` creates a fresh database with Django's test-database machinery
(`test_<NAME>` on PostgreSQL, a SQLite file under var/bench/ otherwise), migrates it,
and drops it afterwards unless `keep` is set. Worker processes reach it through
BENCH_DB_NAME (see bench.settings).
"""
from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection


def parser(name: str, doc: str) -> argparse.ArgumentParser:
    """`python -m bench NAME`'s options: the module's first docstring line, and --keep."""
    made = argparse.ArgumentParser(prog=f"python -m bench {name}", description=doc.split("\n")[0])
    made.add_argument("--keep", action="store_true", help="keep the benchmark database")
    return made


def needs_postgres(name: str, why: str) -> bool:
    """True, after saying so, when the benchmark database is not PostgreSQL (the benchmark then stops)."""
    if connection.vendor == "postgresql":
        return False
    print(f"{name}: needs PostgreSQL (set DATABASE_URL=postgres://...): {why}")
    return True


def setup_django() -> None:
    import bench  # noqa: F401 - puts platform/ on sys.path

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


@contextmanager
def bench_database(keep: bool = False) -> Iterator[str]:
    """Create, migrate and (unless `keep`) drop the benchmark database; yields its name."""
    started = time.perf_counter()
    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    os.environ["BENCH_DB_NAME"] = str(name)
    print(f"# database: {connection.vendor} {describe_server()}, {name} "
          f"(created and migrated in {time.perf_counter() - started:.1f} s)", flush=True)
    try:
        yield str(name)
    finally:
        os.environ.pop("BENCH_DB_NAME", None)
        if keep:
            print(f"# kept database {name}")
        else:
            creation.destroy_test_db(old_name, verbosity=0)


def vacuum() -> None:
    """VACUUM ANALYZE the benchmark database (PostgreSQL), as autovacuum does on a production server.

    Called between runs. Some development servers run with autovacuum off; without it
    dead row versions pile up run after run, and an engine that keeps more indexed
    rows (ours: tasks and history) slows down most, so later runs would look worse.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def describe_server() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('server_version'), current_setting('autovacuum'), "
                           "current_setting('synchronous_commit')")
            version, autovacuum, synchronous_commit = cursor.fetchone()
            return f"PostgreSQL {version}, autovacuum {autovacuum}, synchronous_commit {synchronous_commit}"
        cursor.execute("select sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]} (WAL)"


@dataclass
class Counter:
    """Statements sent through Django, and transactions committed or rolled back.

    BEGIN and COMMIT are not statements Django executes (the driver sends them), so
    they are counted as transactions: each one is a BEGIN plus a COMMIT (or ROLLBACK).
    Savepoints are executed statements and are in `statements`.
    """

    statements: int = 0
    transactions: int = 0
    db_seconds: float = 0.0  # time spent waiting for the database driver to execute statements
    sql: list[str] | None = None
    _active: bool = field(default=False, repr=False)

    @property
    def with_begin_commit(self) -> int:
        return self.statements + 2 * self.transactions


class _Counting:
    """One per connection: an execute wrapper and commit/rollback hooks feeding `current`."""

    def __init__(self) -> None:
        self.current: Counter | None = None

    def __call__(self, execute, sql, params, many, context):
        current = self.current
        if current is None:
            return execute(sql, params, many, context)
        if sql.startswith("BEGIN"):
            # SQLite's BEGIN IMMEDIATE goes through a cursor; it is counted with the transaction
            return execute(sql, params, many, context)
        current.statements += 1
        if current.sql is not None:
            current.sql.append(_render(sql, params, many))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            current.db_seconds += time.perf_counter() - started


def _render(sql: str, params, many: bool) -> str:
    if not params or many:
        return sql
    try:
        return sql % tuple(_short(p) for p in params)
    except (TypeError, ValueError):
        return sql


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_counting = _Counting()
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    connection.execute_wrappers.append(_counting)
    for name in ("_commit", "_rollback"):
        original = getattr(connection, name)

        def hooked(original=original):
            if _counting.current is not None and connection.connection is not None:
                _counting.current.transactions += 1
            return original()

        setattr(connection, name, hooked)
    _installed = True


@contextmanager
def counting(counter: Counter) -> Iterator[Counter]:
    """Count into `counter` while the block runs (nested blocks are not supported)."""
    _install()
    previous, _counting.current = _counting.current, counter
    try:
        yield counter
    finally:
        _counting.current = previous

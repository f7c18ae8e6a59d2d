"""The benchmark's throw-away database, counting what reaches it, and the options every entry point shares.

`bench_database()` creates a fresh database with Django's test-database machinery
(`test_<NAME>` on PostgreSQL, a SQLite file under var/bench/ otherwise), migrates it,
and drops it afterwards unless `keep` is set. Worker processes reach it through
BENCH_DB_NAME (see bench.settings).

With BENCH_TEMPLATE (a database `python -m bench template` migrated: a PostgreSQL database's
name or a SQLite file's path) the fresh database is a copy of it instead, and `migrate` then
finds nothing to apply: the bench smoke tests start six benchmarks at once, and six migrations
from nothing on a 2-core machine took most of their minute and a half.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, connection


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
    template = os.environ.get("BENCH_TEMPLATE")
    if template:
        _copy(template, str(creation._get_test_db_name()))  # type: ignore[attr-defined]
    # keepdb: the copy is kept as it is, and `migrate` still runs on it (it must find nothing to apply)
    name = creation.create_test_db(verbosity=0, autoclobber=True, keepdb=bool(template), serialize=False)
    os.environ["BENCH_DB_NAME"] = str(name)
    how = f"copied from {template}" if template else "created and migrated"
    print(f"# database: {connection.vendor} {describe_server()}, {name} "
          f"({how} in {time.perf_counter() - started:.1f} s)", flush=True)
    try:
        yield str(name)
    finally:
        os.environ.pop("BENCH_DB_NAME", None)
        if keep:
            print(f"# kept database {name}")
        else:
            creation.destroy_test_db(old_name, verbosity=0)


def _copy(template: str, name: str) -> None:
    """`name` made a copy of the migrated `template` (PostgreSQL: CREATE DATABASE ... TEMPLATE; SQLite: a backup)."""
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
        return
    if os.path.exists(name):
        os.remove(name)
    # sqlite3's backup, not a file copy: it reads what the template's write-ahead log still holds
    with sqlite3.connect(template) as source, sqlite3.connect(name) as target:
        source.backup(target)
    source.close()
    target.close()


TEMPLATE_PREFIX = "bench_template_"


def migrations_hash() -> str:
    """What a migrated benchmark database depends on: every migration file, the pins, the benchmark's apps."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in [root / "requirements.txt", root / "bench" / "settings.py",
                 *sorted((root / "platform").glob("*/migrations/*.py")), *sorted((root / "bench").glob("migrations/*.py"))]:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def make_template() -> str:
    """The migrated benchmark database of these migrations, made once and kept; its name (BENCH_TEMPLATE).

    Kept between runs (as tests/deploy keeps its own): a PostgreSQL database `bench_template_<hash>`
    on the server, or var/bench/bench_template_<hash>.sqlite3 of the repository. A change to a
    migration or a pin changes the hash: the next run migrates anew and drops the older templates.
    """
    os.environ.pop("BENCH_TEMPLATE", None)
    kept = TEMPLATE_PREFIX + migrations_hash()
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [kept])
            if cursor.fetchone():
                return kept
        with bench_database(keep=True) as made:
            pass
        connection.close()
        with connection._nodb_cursor() as cursor:
            try:
                cursor.execute(f"ALTER DATABASE {quote(made)} RENAME TO {quote(kept)}")
            except DatabaseError:  # another run saved it first: keep theirs
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(made)}")
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                           [TEMPLATE_PREFIX.replace("_", r"\_") + "%", kept])
            for (stale,) in cursor.fetchall():
                try:
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)}")
                except DatabaseError:
                    pass  # being copied right now by an older checkout's run: the next run drops it
        return kept
    folder = Path(__file__).resolve().parents[1] / "var" / "bench"
    path = folder / f"{kept}.sqlite3"
    if path.exists():
        return str(path)
    with bench_database(keep=True) as made:
        pass
    connection.close()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{kept}.{os.getpid()}.partial"
    _copy(made, str(partial))
    os.remove(made)
    os.replace(partial, path)  # whole or not at all, for a run reading it at the same time
    for stale in folder.glob(f"{TEMPLATE_PREFIX}*.sqlite3"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return str(path)


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

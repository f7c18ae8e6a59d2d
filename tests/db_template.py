"""The suite's test database made as a copy of a migrated one kept between runs, instead of 80 migrations each run.

Migrating from nothing took about 25 s of CPU per `bin/test` run (minutes of wall time on the shared
machine), paid again by every folder run alone and twice in CI. The first run of a set of migrations
migrates as before and then keeps its freshly migrated database: on PostgreSQL a database
`tests_template_<hash>` on the server (the test database is then created with TEST TEMPLATE), on SQLite
a file var/test-templates/tests_template_<hash>.sqlite3 (restored into the in-memory test database on
its first connection). `<hash>` is that of every migration file and of requirements.txt (the pinned
packages' migrations). `migrate` still runs on the copy, as it does with `--reuse-db`: whatever the
copy lacks is applied, so an added migration or app is never missed; a changed migration file changes
the hash. PLATFORM_TEST_TEMPLATE=0 migrates from nothing and keeps nothing.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "tests_template_"
FOLDER = ROOT / "var" / "test-templates"


def enabled() -> bool:
    return os.environ.get("PLATFORM_TEST_TEMPLATE", "1") != "0"


def migrations_hash() -> str:
    digest = hashlib.sha256()
    for path in [ROOT / "requirements.txt", *sorted((ROOT / "platform").glob("*/migrations/*.py"))]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _name() -> str:
    return PREFIX + migrations_hash()


def _sqlite_path() -> Path:
    return FOLDER / f"{_name()}.sqlite3"


def _server(connection):
    """A connection to the server's maintenance database (CREATE and DROP DATABASE cannot run in the test one)."""
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                           password=s["PASSWORD"] or None, dbname="postgres", autocommit=True, connect_timeout=10)


def before_setup() -> None:
    """Point the test database's creation at the kept template, if there is one for these migrations."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    if not enabled():
        return
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with _server(connection) as server:
            if server.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_name(),)).fetchone():
                connection.settings_dict["TEST"]["TEMPLATE"] = _name()
    elif connection.vendor == "sqlite" and _sqlite_path().exists():
        connection_created.connect(_restore, dispatch_uid="tests.db_template")


def _restore(sender, connection, **kwargs) -> None:
    """On the first connection to the in-memory test database, before `migrate` reads it: the template's pages."""
    from django.db.backends.signals import connection_created

    if connection.alias != "default" or not connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):
        return
    connection_created.disconnect(dispatch_uid="tests.db_template")
    with sqlite3.connect(_sqlite_path()) as source:
        source.backup(connection.connection)
    source.close()


def after_setup() -> None:
    """Keep the freshly migrated test database as the template of the next runs, unless it came from one."""
    from django.db import connections

    if not enabled():
        return
    connection = connections["default"]
    if connection.vendor == "postgresql":
        if connection.settings_dict["TEST"].get("TEMPLATE"):
            return
        test_name = connection.settings_dict["NAME"]
        connection.close()  # nothing may be connected to the database copied
        partial = f"{_name()}_{os.getpid()}"
        with _server(connection) as server:
            try:
                server.execute(f'CREATE DATABASE "{partial}" TEMPLATE "{test_name}"')
                server.execute(f'ALTER DATABASE "{partial}" RENAME TO "{_name()}"')
            except Exception:  # another run kept it first, or something was connected: the next run tries again
                server.execute(f'DROP DATABASE IF EXISTS "{partial}"')
            stale = server.execute("SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                                   (PREFIX.replace("_", r"\_") + "%", _name())).fetchall()
            for (name,) in stale:
                try:
                    server.execute(f'DROP DATABASE IF EXISTS "{name}"')
                except Exception:
                    pass  # being copied right now by a run of other migrations: a later run drops it
    elif connection.vendor == "sqlite" and not _sqlite_path().exists():
        if not connection.creation.is_in_memory_db(connection.settings_dict["NAME"]):  # type: ignore[attr-defined]
            return
        FOLDER.mkdir(parents=True, exist_ok=True)
        written = FOLDER / f"{_name()}.{os.getpid()}.partial"
        connection.ensure_connection()
        with sqlite3.connect(written) as target:
            connection.connection.backup(target)
        target.close()
        os.replace(written, _sqlite_path())  # whole or not at all, for a run reading it at the same time
        for old in FOLDER.glob(f"{PREFIX}*.sqlite3"):
            if old != _sqlite_path():
                old.unlink(missing_ok=True)

"""Raw SQL per database vendor, for migrations that install triggers."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def run_by_vendor(statements: Mapping[str, Sequence[str]]):
    """A RunPython function executing the statements written for the current database."""

    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


# History is append-only on SQLite (0004). Rebuilding the table (0007) drops the
# trigger, so the migrations that rebuild it install it again from here.
HISTORY_APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER engine_historyentry_append_only BEFORE UPDATE ON engine_historyentry
       BEGIN SELECT RAISE(ABORT, 'history is append-only'); END"""]
HISTORY_APPEND_ONLY_SQLITE_DROP = ["DROP TRIGGER IF EXISTS engine_historyentry_append_only"]

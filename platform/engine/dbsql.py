"""Raw SQL per database vendor, for migrations that install triggers."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def run_by_vendor(statements: Mapping[str, Sequence[str]]):
    """A RunPython function executing the statements written for the current database."""

    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run

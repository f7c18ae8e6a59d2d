"""History is append-only: the database refuses to change an entry (and, on PostgreSQL,
to delete one). See 0002 for why SQLite still allows DELETE."""
from django.db import migrations

from engine.dbsql import HISTORY_APPEND_ONLY_SQLITE as _SQLITE
from engine.dbsql import HISTORY_APPEND_ONLY_SQLITE_DROP as _SQLITE_DROP
from engine.dbsql import run_by_vendor

_POSTGRES = [
    """CREATE FUNCTION engine_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'history is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$""",
    """CREATE TRIGGER engine_historyentry_append_only BEFORE UPDATE OR DELETE ON engine_historyentry
       FOR EACH ROW EXECUTE FUNCTION engine_history_append_only()""",
]
_POSTGRES_DROP = ["DROP TRIGGER IF EXISTS engine_historyentry_append_only ON engine_historyentry",
                  "DROP FUNCTION IF EXISTS engine_history_append_only()"]


class Migration(migrations.Migration):
    dependencies = [("engine", "0003_runtime")]
    operations = [migrations.RunPython(run_by_vendor({"sqlite": _SQLITE, "postgresql": _POSTGRES}),
                                       run_by_vendor({"sqlite": _SQLITE_DROP, "postgresql": _POSTGRES_DROP}))]

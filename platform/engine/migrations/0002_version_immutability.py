"""Database triggers: a flow version that left draft can never change or disappear.

`FlowVersion.save()` and `.delete()` already refuse; the triggers make the guarantee
hold for any code path, including raw SQL and `QuerySet.update()`.

On SQLite only updates are refused in the database: Django empties test databases
with DELETE there (TRUNCATE on PostgreSQL, which row triggers do not see), and an
SQLite installation is the single-machine demo. PostgreSQL refuses deletes as well.
"""
from django.db import migrations

from engine.dbsql import run_by_vendor

_SQLITE = [
    """CREATE TRIGGER engine_flowversion_frozen_update
       BEFORE UPDATE OF content, content_hash, number, flow, project_id, overrides ON engine_flowversion
       WHEN OLD.status <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'published flow versions are immutable'); END""",
    """CREATE TRIGGER engine_flowversion_no_unretire
       BEFORE UPDATE OF status ON engine_flowversion
       WHEN (OLD.status = 'retired' AND NEW.status <> 'retired')
         OR (OLD.status = 'published' AND NEW.status = 'draft')
       BEGIN SELECT RAISE(ABORT, 'a flow version never goes back in its lifecycle'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS engine_flowversion_frozen_update",
    "DROP TRIGGER IF EXISTS engine_flowversion_no_unretire",
]
_POSTGRES = [
    """CREATE FUNCTION engine_flowversion_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN
           IF OLD.status <> 'draft' THEN
             RAISE EXCEPTION 'published flow versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
           END IF;
           RETURN OLD;
         END IF;
         IF OLD.status <> 'draft' AND (
              NEW.content IS DISTINCT FROM OLD.content OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
              OR NEW.number IS DISTINCT FROM OLD.number OR NEW.flow IS DISTINCT FROM OLD.flow
              OR NEW.project_id IS DISTINCT FROM OLD.project_id OR NEW.overrides IS DISTINCT FROM OLD.overrides) THEN
           RAISE EXCEPTION 'published flow versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
         END IF;
         IF (OLD.status = 'retired' AND NEW.status <> 'retired')
            OR (OLD.status = 'published' AND NEW.status = 'draft') THEN
           RAISE EXCEPTION 'a flow version never goes back in its lifecycle' USING ERRCODE = 'integrity_constraint_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER engine_flowversion_frozen BEFORE UPDATE OR DELETE ON engine_flowversion
       FOR EACH ROW EXECUTE FUNCTION engine_flowversion_frozen()""",
]
_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS engine_flowversion_frozen ON engine_flowversion",
    "DROP FUNCTION IF EXISTS engine_flowversion_frozen()",
]



class Migration(migrations.Migration):
    dependencies = [("engine", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_by_vendor({"sqlite": _SQLITE, "postgresql": _POSTGRES}),
            run_by_vendor({"sqlite": _SQLITE_DROP, "postgresql": _POSTGRES_DROP}),
        ),
    ]

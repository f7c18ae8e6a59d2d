"""Client flow templates in the database; the overrides' text as written, on bindings and versions.

A version's `overrides_text` is frozen like the rest of it: the immutability triggers of
0002 are installed again with the new column in their list.
"""
from django.db import migrations, models

from engine.dbsql import run_by_vendor

_SQLITE_FROZEN = """CREATE TRIGGER engine_flowversion_frozen_update
       BEFORE UPDATE OF content, content_hash, number, flow, project_id, overrides{extra} ON engine_flowversion
       WHEN OLD.status <> 'draft'
       BEGIN SELECT RAISE(ABORT, 'published flow versions are immutable'); END"""
_POSTGRES_FROZEN = """CREATE OR REPLACE FUNCTION engine_flowversion_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
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
              OR NEW.project_id IS DISTINCT FROM OLD.project_id OR NEW.overrides IS DISTINCT FROM OLD.overrides{extra}) THEN
           RAISE EXCEPTION 'published flow versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
         END IF;
         IF (OLD.status = 'retired' AND NEW.status <> 'retired')
            OR (OLD.status = 'published' AND NEW.status = 'draft') THEN
           RAISE EXCEPTION 'a flow version never goes back in its lifecycle' USING ERRCODE = 'integrity_constraint_violation';
         END IF;
         RETURN NEW;
       END $$"""
_DROP_SQLITE = "DROP TRIGGER IF EXISTS engine_flowversion_frozen_update"

FREEZE_TEXT = {
    "sqlite": [_DROP_SQLITE, _SQLITE_FROZEN.format(extra=", overrides_text")],
    "postgresql": [_POSTGRES_FROZEN.format(extra=" OR NEW.overrides_text IS DISTINCT FROM OLD.overrides_text")],
}
FREEZE_WITHOUT_TEXT = {
    "sqlite": [_DROP_SQLITE, _SQLITE_FROZEN.format(extra="")],
    "postgresql": [_POSTGRES_FROZEN.format(extra="")],
}


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0008_record_search_keys'),
        ('kernel', '0002_units_queue_customers_payments'),
    ]

    operations = [
        migrations.AddField(
            model_name='flowbinding',
            name='overrides_text',
            field=models.TextField(blank=True, null=True, verbose_name='overrides as written'),
        ),
        migrations.AddField(
            model_name='flowversion',
            name='overrides_text',
            field=models.TextField(blank=True, null=True, verbose_name='overrides as written'),
        ),
        migrations.RunPython(run_by_vendor(FREEZE_TEXT), run_by_vendor(FREEZE_WITHOUT_TEXT)),
        migrations.CreateModel(
            name='ClientTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.SlugField(max_length=63, verbose_name='flow')),
                ('flow_text', models.TextField(verbose_name='flow template')),
                ('schema_texts', models.JSONField(blank=True, default=dict, verbose_name='entity schemas')),
                ('content_hash', models.CharField(max_length=64, verbose_name='content hash')),
                ('source', models.CharField(max_length=200, verbose_name='source')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='loaded at')),
                ('projects', models.ManyToManyField(blank=True, related_name='client_templates', to='kernel.project', verbose_name='projects')),
            ],
            options={
                'verbose_name': 'client flow template',
                'verbose_name_plural': 'client flow templates',
                'ordering': ['name', 'created_at'],
                'constraints': [models.UniqueConstraint(fields=('name', 'content_hash'), name='client_template_unique')],
            },
        ),
    ]

"""Fewer indexes to keep up on every transition.

SlugField indexes itself by default, and so does every foreign key: the task table
had twenty indexes and the history table eleven, each written on every insert and,
because a task's status is in partial-index conditions, on every close too. What
queries use is kept: the inbox's partial indexes, (record, status), (record, seq),
the unique constraints (which cover their leading columns). What goes was never
read by a query: single-column indexes on names, states and roles, and foreign keys
to users (deleting a user, which the platform does not do, would scan instead).

On SQLite, altering a field rebuilds the table, which drops its triggers: the
history's append-only trigger is installed again after (and, going back, before).
"""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from engine.dbsql import HISTORY_APPEND_ONLY_SQLITE, HISTORY_APPEND_ONLY_SQLITE_DROP, run_by_vendor

_history_trigger = run_by_vendor({"sqlite": HISTORY_APPEND_ONLY_SQLITE_DROP + HISTORY_APPEND_ONLY_SQLITE})


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0006_exact_override_numbers'),
        ('kernel', '0002_units_queue_customers_payments'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _history_trigger),
        migrations.AlterField(
            model_name='historyentry',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='historyentry',
            name='from_state',
            field=models.SlugField(blank=True, db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='historyentry',
            name='record',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='history', to='engine.record'),
        ),
        migrations.AlterField(
            model_name='historyentry',
            name='to_state',
            field=models.SlugField(blank=True, db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='historyentry',
            name='transition',
            field=models.SlugField(blank=True, db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='record',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='record',
            name='flow',
            field=models.SlugField(db_index=False, max_length=63, verbose_name='flow'),
        ),
        migrations.AlterField(
            model_name='record',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='kernel.project'),
        ),
        migrations.AlterField(
            model_name='record',
            name='state',
            field=models.SlugField(db_index=False, max_length=63, verbose_name='state'),
        ),
        migrations.AlterField(
            model_name='recordcounter',
            name='flow',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='recordcounter',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='kernel.project'),
        ),
        migrations.AlterField(
            model_name='task',
            name='added_by',
            field=models.ForeignKey(blank=True, db_index=False, help_text='Set on approver slots added to a running approval.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='assignee',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_tasks', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='closed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='delegate',
            field=models.ForeignKey(blank=True, db_index=False, help_text='Acts for the assignee, then hands the task back.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='delegated_tasks', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='flow',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='task',
            name='name',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='task',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='kernel.project'),
        ),
        migrations.AlterField(
            model_name='task',
            name='record',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='engine.record'),
        ),
        migrations.AlterField(
            model_name='task',
            name='role',
            field=models.SlugField(blank=True, db_index=False, help_text='The one role that may claim it. Tasks several roles may claim, and escalated ones, list their roles in TaskCandidate instead.', max_length=63),
        ),
        migrations.AlterField(
            model_name='task',
            name='state',
            field=models.SlugField(db_index=False, help_text='The record state that opened the task.', max_length=63),
        ),
        migrations.AlterField(
            model_name='taskcandidate',
            name='project',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='kernel.project'),
        ),
        migrations.AlterField(
            model_name='taskcandidate',
            name='role',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='taskcandidate',
            name='task',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='candidates', to='engine.task'),
        ),
        migrations.AlterField(
            model_name='timer',
            name='name',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='timer',
            name='state',
            field=models.SlugField(db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='timer',
            name='transition',
            field=models.SlugField(blank=True, db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='vote',
            name='role',
            field=models.SlugField(blank=True, db_index=False, max_length=63),
        ),
        migrations.AlterField(
            model_name='vote',
            name='task',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='votes', to='engine.task'),
        ),
        migrations.AlterField(
            model_name='vote',
            name='user',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(_history_trigger, migrations.RunPython.noop),
    ]

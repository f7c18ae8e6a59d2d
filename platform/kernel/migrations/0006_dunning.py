"""Dunning 催款 (issue 15): one payment reminder per receivable line (schedule, kind, due date) and project day."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kernel', '0005_queue_number_customer'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DunningNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('sincerity_deposit', 'sincerity deposit'), ('reservation_deposit', 'reservation deposit'), ('deposit', 'deposit'), ('down_payment', 'down payment'), ('installment', 'installment'), ('bank_loan', 'bank loan'), ('provident_fund_loan', 'provident-fund loan'), ('area_difference', 'area difference'), ('rent', 'rent'), ('security_deposit', 'security deposit'), ('fee', 'fees collected'), ('refund', 'refund')], max_length=24, verbose_name='kind')),
                ('due_on', models.DateField(verbose_name='due on')),
                ('day', models.DateField(help_text="The project's day the reminder is for (its time zone).", verbose_name='day')),
                ('overdue', models.BooleanField(help_text="Off: due within the project's dunning days ahead.", verbose_name='overdue')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='amount still due')),
                ('reference', models.CharField(max_length=32, verbose_name='reference')),
                ('deal_id', models.BigIntegerField(help_text='The engine record that first scheduled the deal.', verbose_name='deal')),
                ('created_at', models.DateTimeField(verbose_name='written at')),
                ('finance_dismissed_at', models.DateTimeField(blank=True, null=True, verbose_name='dismissed by finance at')),
                ('consultant_dismissed_at', models.DateTimeField(blank=True, null=True, verbose_name='dismissed by the consultant at')),
                ('consultant', models.ForeignKey(blank=True, help_text="The customer's registration consultant then.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='dunning_notices', to='kernel.customer')),
                ('finance_dismissed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='dunning_notices', to='kernel.project')),
                ('schedule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dunning_notices', to='kernel.receivableschedule')),
            ],
            options={
                'verbose_name': 'payment reminder',
                'verbose_name_plural': 'payment reminders',
                'ordering': ['day', '-overdue', 'due_on', 'reference'],
                'indexes': [models.Index(fields=['project', 'day'], name='dunning_notice_project_day'), models.Index(fields=['consultant', 'day'], name='dunning_notice_consultant_day')],
                'constraints': [models.UniqueConstraint(fields=('schedule', 'kind', 'due_on', 'day'), name='dunning_notice_line_day'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='dunning_notice_amount_positive'), models.CheckConstraint(condition=models.Q(('kind__in', ['sincerity_deposit', 'reservation_deposit', 'deposit', 'down_payment', 'installment', 'bank_loan', 'provident_fund_loan', 'area_difference', 'rent', 'security_deposit', 'fee', 'refund']), models.Q(('kind', 'refund'), _negated=True)), name='dunning_notice_kind_known')],
            },
        ),
    ]

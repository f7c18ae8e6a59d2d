"""A queue number remembers its customer, so a project can limit the live numbers one customer holds in a
batch (setting queue_numbers_per_customer; issue 15). Numbers issued before stay without one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kernel', '0004_payment_kinds_receivables'),
    ]

    operations = [
        migrations.AddField(
            model_name='queuenumber',
            name='customer',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='queue_numbers', to='kernel.customer', verbose_name='customer'),
        ),
    ]

"""Two consumers running the same notification job at once on PostgreSQL deliver each event once.

Real parallel connections, one per thread (as tests/engine/test_runtime__concurrency.py).
"""
from datetime import timedelta

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from engine import versions
from engine.runtime import records, transitions
from engine.runtime.timers import fire_due_timers
from notifications.models import Delivery, Kind, Notification
from notifications.tasks import notify_now
from tests.engine.test_runtime__concurrency import parallel

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="two writers at once need PostgreSQL; SQLite has one writer at a time"),
]


def test_two_consumers_at_once_notify_and_email_each_person_once(engine_flows, people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people["manager"].email = "manager@example.com"
    people["manager"].save(update_fields=["email"])
    versions.publish(people["p1"], "discount")
    record = records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    transitions.fire(people["consultant"], record.pk, "submit", GOOD)
    fire_due_timers(timezone.now() + timedelta(hours=25))
    close_old_connections()

    results = parallel(2, lambda i: notify_now(record.pk))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Notification.objects.filter(kind=Kind.TASK_ESCALATED, recipient=people["manager"]).count() == 2
    offered = Notification.objects.filter(kind=Kind.TASK_OFFERED, record=record, params__task_en="countersign")
    assert sorted(offered.values_list("recipient__username", flat=True)) == ["director", "fin", "fin2"]
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com"] * 2
    assert Delivery.objects.filter(channel="email", status=Delivery.Status.SENT, attempts=1).count() == 2

"""Timers live in the database: a fresh process (a restarted consumer) fires what another scheduled."""
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from engine import versions
from engine.models import HistoryEntry, Timer
from engine.runtime import records, transitions

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="a second process needs a shared server database; CI runs this on PostgreSQL"),
]


def test_a_new_process_fires_the_timers_an_earlier_one_scheduled(engine_flows, people):
    p = people
    versions.publish(p["p1"], "discount")
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    assert Timer.objects.filter(record=record, status="pending").count() == 2
    when = (timezone.now() + timedelta(hours=25)).isoformat()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"

    # a separate Python process, sharing nothing with this one but the database
    result = subprocess.run(
        [sys.executable, "-c",
         "import django, datetime; django.setup();"
         "from engine.runtime.timers import fire_due_timers;"
         f"print(fire_due_timers(datetime.datetime.fromisoformat({when!r})))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
             "DJANGO_SETTINGS_MODULE": "config.settings", "PLATFORM_FLOWS_DIR": str(engine_flows)},
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "2"
    assert HistoryEntry.objects.filter(record=record, kind="escalate").count() == 2
    assert Timer.objects.filter(record=record, status="pending").count() == 0


"""The huey consumer fires due timers every minute."""
from datetime import UTC, datetime

from huey.contrib.djhuey import HUEY

from engine.tasks import fire_due_timers_every_minute


def test_the_timer_job_is_due_every_minute():
    for minute in (0, 1, 59):
        due = HUEY.read_periodic(datetime(2026, 11, 23, 10, minute, tzinfo=UTC))
        assert "fire_due_timers_every_minute" in [task.name for task in due]


def test_the_timer_job_fires_through_the_engine(db):
    assert fire_due_timers_every_minute.call_local() == 0  # nothing due in an empty database

"""huey jobs of the engine."""
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .runtime.timers import fire_due_timers


@db_periodic_task(crontab(minute="*"))
@lock_task("engine-fire-due-timers")
def fire_due_timers_every_minute() -> int:
    """Fire due timers and escalations. Safe with several consumers: see runtime/timers."""
    return fire_due_timers()

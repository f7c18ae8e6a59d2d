"""Telling django-simple-history who made a change and when, for changes made outside a request."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models


def stamp(instance: models.Model, user_id: int | None, when: datetime) -> None:
    """Attribute the next history row of `instance` to `user_id` at `when`.

    Kernel operations run inside the engine's transaction, not a request, so the
    history middleware cannot know the user; and the transition's own `now` is used so
    the history and the deal's records agree to the microsecond. A user built from
    its id only is enough for the foreign key and saves a query per change.
    """
    tracked: Any = instance  # simple_history reads these two attributes when it writes the row
    tracked._history_user = get_user_model()(pk=user_id) if user_id is not None else None
    tracked._history_date = when

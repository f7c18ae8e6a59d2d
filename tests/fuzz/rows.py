"""Row counts of every table, to show that a refusal wrote nothing."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import transaction

# Written by every request or login attempt whatever its outcome: not the business's data.
NOT_DATA = {"axes", "sessions", "admin", "contenttypes", "auth"}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if model._meta.app_label not in NOT_DATA and model._meta.managed}


class _Undo(Exception):
    pass


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and undo whatever it wrote, so each example starts from the same rows."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass

"""Row counts of every table, to show that a refusal wrote nothing."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction

# Written by every request or login attempt whatever its outcome: not the business's data.
NOT_DATA = {"axes", "sessions", "admin", "contenttypes", "auth"}


def row_counts() -> dict[str, int]:
    """Rows per model of our data, counted in one statement: it is read before and after every example
    (some 400 in the web forms' fuzz), and a COUNT per table was some 120 statements each time."""
    models = [model for model in apps.get_models() if model._meta.app_label not in NOT_DATA
              and model._meta.managed and not model._meta.proxy]  # a proxy's rows are its concrete model's
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)})"
                                             for model in models))
        counts = cursor.fetchone()
    return {model._meta.label: count for model, count in zip(models, counts, strict=True)}


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

"""Row locks on rows that may not exist yet: a counter, a balance, a month's tally."""
from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked_row(model: type[M], **keys) -> M:
    """The row of `model` with `keys` (unique together), created if missing, locked until the transaction ends.

    Call it inside a transaction. Two first callers racing are safe: the loser's insert
    fails on the unique constraint inside `get_or_create`'s savepoint and it reads the
    winner's row; then both queue on the row's lock (`SELECT … FOR UPDATE`), and each
    reads the row as the one before it left it.
    """
    row, _ = model.objects.get_or_create(**keys)
    return model.objects.select_for_update().get(pk=row.pk)

"""Row locks on rows that may not exist yet: a counter, a balance, a month's tally."""
from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def locked_row(model: type[M], **keys) -> M:
    """The row of `model` with `keys` (unique together), created if missing, locked until the transaction ends.

    Call it inside a transaction. One query when the row exists (`SELECT … FOR UPDATE`).
    A row this transaction inserts is its own until commit. Two first callers racing are
    safe: the loser's insert waits on the unique constraint, fails inside
    `get_or_create`'s savepoint once the winner commits, and its second `SELECT … FOR
    UPDATE` queues on the winner's row; each reads the row as the one before it left it.
    """
    return model._default_manager.select_for_update().get_or_create(**keys)[0]

"""Reading django-simple-history rows as field changes: who, when, which field, old and new."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

from .models.customers import Customer
from .phones import mask_phone
from .visibility import PhoneVisibility


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any
    user_id: int | None
    at: datetime


def changes_of(instance: models.Model, fields: Iterable[str] | None = None,
               shown: Callable[[str, Any], Any] = lambda field, value: value) -> list[FieldChange]:
    """Every change to `instance`'s tracked fields after it was created, oldest first.

    `shown(field, value)` turns a stored value into what the viewer may see, so a
    masked phone stays masked in the history too.
    """
    # Insertion order, not history_date: a change stamped with an earlier transition time
    # (a timer catching up) must still read as coming after the one before it.
    tracked: Any = instance  # simple_history adds `history` to the models it tracks
    rows = list(tracked.history.order_by("history_id"))
    wanted = set(fields) if fields is not None else None
    out: list[FieldChange] = []
    for before, after in zip(rows, rows[1:]):
        for change in after.diff_against(before).changes:
            if wanted is not None and change.field not in wanted:
                continue
            out.append(FieldChange(change.field, shown(change.field, change.old), shown(change.field, change.new),
                                   after.history_user_id, after.history_date))
    return out


def customer_changes(customer: Customer, visibility: PhoneVisibility) -> list[FieldChange]:
    """A customer's history as `visibility`'s viewer may see it: phones masked unless they see full numbers."""
    full = visibility.sees_full(customer)

    def shown(field: str, value: Any) -> Any:
        return mask_phone(value) if field == "phone" and not full and value else value

    return changes_of(customer, ("name", "phone", "extra"), shown)

"""The unit and customer a record's data names, as indexed expressions for search.

Records keep `unit_id` and `customer_id` inside their JSON data. Expression indexes
on those two keys (Record.Meta) let a search find the records of a customer or a unit
without reading every record's JSON, and without a second copy of the ids that every
write would have to keep in step.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models.fields.json import KT

UNIT_KEY = KT("data__unit_id")
CUSTOMER_KEY = KT("data__customer_id")


def key_values(ids: Iterable[int]) -> list:
    """Ids as the key expressions compare them: text on PostgreSQL (->>), numbers on SQLite (JSON_EXTRACT)."""
    return [str(i) for i in ids] if connection.vendor == "postgresql" else [int(i) for i in ids]

"""The engine's part of merging two customers (kernel.merge): records whose data names the duplicate.

A record names a customer wherever its entity schema puts `x-ref: customer`
(`customer_id`, `owner_customer_id`, `buyer_customer_id`, `referrer_id`,
`buyers[].customer_id`, …); records of versions published before `x-ref` are read by
those keys. Every such value is rewritten to the survivor, in the data in place; the
record's flow, state and history are untouched (the merge itself is written down once,
as the kernel's `CustomerMerge`, which names the records it changed).

A merge is refused when both customers are in live deals (records not in a final
state) owned by different consultants: the deal's `consultant_id`, else whoever
started it. Merging would make one customer two consultants' live sale.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.db.models import F

from kernel.errors import MergeLiveDeals

from .models import Record
from .versions import definition_for

_CUSTOMER_KEYS = frozenset({"customer_id", "owner_customer_id", "buyer_customer_id", "referrer_id"})


def _names_customer(key: str, schema: Mapping) -> bool:
    if schema.get("x-ref") is not None:
        return schema.get("x-ref") == "customer"
    return key in _CUSTOMER_KEYS and schema.get("type") in ("integer", None)


def replaced(schema: Mapping, value: object, old: int, new: int, key: str = "") -> tuple[object, int]:
    """`value` with every customer reference `old` made `new` (walking objects and arrays by the schema)."""
    if isinstance(value, Mapping):
        properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        out, count = {}, 0
        for name, item in value.items():
            out[name], n = replaced(properties.get(name, {}), item, old, new, name)
            count += n
        return out, count
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {}
        pairs = [replaced(items, item, old, new, key) for item in value]
        return [p[0] for p in pairs], sum(p[1] for p in pairs)
    if isinstance(value, int) and not isinstance(value, bool) and value == old and _names_customer(key, schema):
        return new, 1
    return value, 0


def records_naming(customer_id: int, *, lock: bool = False, live: bool | None = None,
                   project_ids=None) -> list[Record]:
    """Records whose data names the customer: a text pre-filter in the database (a key ending in
    `customer_id` or `referrer_id` with this number), then the schema's walk decides."""
    return records_naming_any([customer_id], lock=lock, live=live, project_ids=project_ids)[customer_id]


def records_naming_any(customer_ids, *, lock: bool = False, live: bool | None = None,
                       project_ids=None) -> dict[int, list[Record]]:
    """`records_naming` for several customers in one scan: customer id -> the records naming them."""
    ids = sorted({int(i) for i in customer_ids})
    pattern = rf'(customer_id|referrer_id)": ?({"|".join(map(str, ids))})[,}}\]]'
    rows = (Record.objects.filter(data__regex=pattern).annotate(version_hash=F("version__content_hash"))
            .order_by("pk"))
    if project_ids is not None:
        rows = rows.filter(project_id__in=list(project_ids))
    if live is not None:
        rows = rows.filter(is_closed=not live)
    if lock:
        rows = rows.select_for_update(of=("self",))
    found: dict[int, list[Record]] = {i: [] for i in ids}
    for record in rows:
        schema = definition_for(record).entity.schema
        for i in ids:
            if replaced(schema, record.data, i, -1)[1]:
                found[i].append(record)
    return found


def owner_of(record: Record) -> int | None:
    consultant = (record.data or {}).get("consultant_id")
    return consultant if isinstance(consultant, int) and not isinstance(consultant, bool) else record.created_by_id


def count(survivor_id: int, duplicate_id: int) -> dict[str, int]:
    """The merge part's count (kernel.merge): the duplicate's records that would name the survivor."""
    return {"records": len(records_naming(duplicate_id))}


def check(survivor, duplicate, now: datetime) -> None:
    live = records_naming_any([survivor.pk, duplicate.pk], live=True)
    ours, theirs = live[survivor.pk], live[duplicate.pk]
    owners = {owner_of(r) for r in ours} | {owner_of(r) for r in theirs}
    if not ours or not theirs or len(owners) <= 1:
        return
    from accounts.models import User

    names: dict[int | None, str] = {u.pk: str(u) for u in User.objects.filter(pk__in=[o for o in owners if o])}
    mine, other = ours[0], next((r for r in theirs if owner_of(r) != owner_of(ours[0])), theirs[0])
    raise MergeLiveDeals(survivor=survivor.name, duplicate=duplicate.name,
                         survivor_deals="、".join(r.reference for r in ours[:3]),
                         duplicate_deals="、".join(r.reference for r in theirs[:3]),
                         survivor_consultant=names.get(owner_of(mine), "—"),
                         duplicate_consultant=names.get(owner_of(other), "—"))


def move(survivor, duplicate, now: datetime, by_user_id: int) -> dict[str, int]:
    moved = 0
    for record in records_naming(duplicate.pk, lock=True):
        data, changed = replaced(definition_for(record).entity.schema, record.data, duplicate.pk, survivor.pk)
        if changed:
            Record.objects.filter(pk=record.pk).update(data=data)
            moved += 1
    return {"records": moved}


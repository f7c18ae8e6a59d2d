"""What a list row says about a record: its customer, unit and amount, read for a whole page at once.

Records name their unit and customer by id inside their data; a page resolves them
with one query for all its units and one for all its customers, whatever the rows.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import ngettext

from definitions.model import FlowDefinition
from engine.models import Record
from kernel.models import Customer, Unit
from web.display import moment, money

# deal_price is the amount a deal is about; flows without one show their first money field
MAIN_AMOUNT = "deal_price"


@dataclass(frozen=True)
class Facts:
    customer: str
    unit: str
    amount: str


def _ref_key(schema, kind: str) -> str:
    """The data key naming the record's unit or customer: `<kind>_id`, else the first `x-ref: kind` field."""
    properties = schema.get("properties", {})
    plain = f"{kind}_id"
    if plain in properties:
        return plain
    return next((k for k, p in properties.items() if p.get("x-ref") == kind), plain)


def _amount_key(schema, data) -> str | None:
    properties = schema.get("properties", {})
    if data.get(MAIN_AMOUNT) not in (None, ""):
        return MAIN_AMOUNT
    return next((k for k, p in properties.items() if p.get("format") == "money" and data.get(k) not in (None, "")),
                None)


def facts_for(rows: Iterable[tuple[Record, FlowDefinition]]) -> dict[int, Facts]:
    """record id -> Facts, for (record, definition) pairs: two queries at most, whatever the rows."""
    wanted = []
    for record, definition in rows:
        schema = definition.entity.schema
        unit_id = record.data.get(_ref_key(schema, "unit"))
        customer_id = record.data.get(_ref_key(schema, "customer"))
        wanted.append((record, schema, unit_id if isinstance(unit_id, int) else None,
                       customer_id if isinstance(customer_id, int) else None))
    unit_ids = {u for _, _, u, _ in wanted if u is not None}
    customer_ids = {c for _, _, _, c in wanted if c is not None}
    units = dict(Unit.objects.filter(pk__in=unit_ids).order_by().values_list("pk", "code")) if unit_ids else {}
    customers = (dict(Customer.objects.filter(pk__in=customer_ids).order_by().values_list("pk", "name"))
                 if customer_ids else {})
    out = {}
    for record, schema, unit_id, customer_id in wanted:
        key = _amount_key(schema, record.data)
        out[record.pk] = Facts(customer=customers.get(customer_id, "") if customer_id is not None else "",
                               unit=units.get(unit_id, "") if unit_id is not None else "",
                               amount=money(record.data.get(key)) if key else "")
    return out


def local_time(at: datetime | None) -> str:
    """A moment in the current time zone, labelled with it, as the record page shows moments (web.display)."""
    if at is None:
        return ""
    return moment(at, ZoneInfo(timezone.get_current_timezone_name()))


def due_in_words(due: datetime | None, now: datetime) -> str:
    """How far a due time is, the way people say it: 2 天后到期 / 已超期 3 小时."""
    if due is None:
        return ""
    seconds = (due - now).total_seconds()
    span = abs(seconds)
    if span >= 86400:
        n = int(span // 86400)
        ahead = ngettext("due in %(n)d day", "due in %(n)d days", n)
        behind = ngettext("overdue by %(n)d day", "overdue by %(n)d days", n)
    elif span >= 3600:
        n = int(span // 3600)
        ahead = ngettext("due in %(n)d hour", "due in %(n)d hours", n)
        behind = ngettext("overdue by %(n)d hour", "overdue by %(n)d hours", n)
    else:
        n = max(1, int(span // 60))
        ahead = ngettext("due in %(n)d minute", "due in %(n)d minutes", n)
        behind = ngettext("overdue by %(n)d minute", "overdue by %(n)d minutes", n)
    return (behind if seconds < 0 else ahead) % {"n": n}


def published_definitions(project_ids: Iterable[int]):
    """(project id, definition) of every published flow in these projects, in one query."""
    from engine.models import FlowVersion, VersionStatus
    from engine.versions import definition_by_id

    versions = (FlowVersion.objects.filter(project_id__in=list(project_ids), status=VersionStatus.PUBLISHED)
                .order_by("project_id", "flow").values_list("pk", "project_id", "content_hash"))
    return [(project_id, definition_by_id(pk, content_hash)) for pk, project_id, content_hash in versions]


__all__ = ["Facts", "due_in_words", "facts_for", "local_time", "published_definitions"]

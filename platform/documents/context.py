"""What a document template sees: plain dicts built from the record, never model instances.

A template reaches only these keys (checking.ROOTS lists them): the record's own fields by
their schema names under `data`, and `record`, `customer`, `buyers`, `unit`, `quote`,
`payments`, `payment` (a receipt's), `project`, `document`. Dicts, lists, strings (money
as decimal strings, as in the record's JSON), numbers and dates only, so `{{ customer.save }}`
or `{{ unit.project.delete }}` find nothing: the
template language's attribute lookup has no model to walk through.

Five queries for a record (customers, unit, lineage, payments, company); the record and
its project are the caller's.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from definitions.model import thaw
from engine.models import Record
from engine.runtime.records import lineage
from engine.versions import definition_for
from kernel.models import Customer, Payment, PaymentKind, Unit
from kernel.models.companies import Company

ZERO = Decimal("0.00")


def _customer(c: Customer | None) -> dict:
    if c is None:
        return {"name": "", "phone": "", "id_number": ""}
    phone = c.phone[3:] if c.phone.startswith("+86") else c.phone
    extra = c.extra if isinstance(c.extra, dict) else {}
    return {"name": c.name, "phone": phone, "id_number": str(extra.get("id_number") or "")}


def _unit(u: Unit | None) -> dict:
    if u is None:
        return {k: "" for k in ("code", "building", "floor", "layout", "built_area", "inner_area", "orientation",
                                "list_price")}
    return {"code": u.code, "building": u.building.name, "floor": u.floor, "layout": u.layout,
            "built_area": str(u.built_area), "inner_area": str(u.inner_area), "orientation": u.orientation,
            "list_price": str(u.list_price)}


def payment_dict(p: Payment, zone) -> dict:
    at = timezone.localtime(p.received_at, zone)
    return {"kind": str(PaymentKind(p.kind).label), "amount": str(p.amount), "received_on": at.date(),
            "received_at": f"{at:%Y-%m-%d %H:%M}（{zone.key}）", "note": p.note, "reference": p.reference,
            "refund": p.kind in (PaymentKind.REFUND, PaymentKind.DEPOSIT_REFUND)}


def _ids(value: object) -> list[int]:
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def build(record: Record, *, payment: Payment | None = None, now: datetime | None = None) -> dict:
    """The context for `record` (its project loaded); `payment` for a receipt."""
    from django.utils.translation import override

    project = record.project
    zone = project.zone
    data = thaw(record.data or {})
    definition = definition_for(record)
    buyer_ids = [b.get("customer_id") for b in data.get("buyers") or [] if isinstance(b, dict)]
    wanted = {*_ids(data.get("customer_id")), *(i for i in buyer_ids if isinstance(i, int))}
    people = {c.pk: c for c in Customer.objects.filter(pk__in=wanted)} if wanted else {}
    unit = (Unit.objects.select_related("building").filter(pk=data["unit_id"]).first()
            if _ids(data.get("unit_id")) else None)
    chain = lineage(record)
    ancestors = {r["pk"]: r for r in Record.objects.filter(pk__in=chain[1:]).values("pk", "data")} if chain[1:] else {}
    quote: dict = {}
    for rid in chain:
        source = data if rid == record.pk else ((ancestors[rid]["data"] if rid in ancestors else None) or {})
        if isinstance(source.get("price_snapshot"), dict):
            quote = thaw(source["price_snapshot"])
            break
    with override("zh-hans"):  # the buyer's paper is in Chinese, whoever prints it
        paid = [payment_dict(p, zone) for p in Payment.objects.filter(project_id=record.project_id,
                                                                         record_id__in=chain).order_by("received_at", "pk")]
        this = payment_dict(payment, zone) if payment is not None else None
        flow_title = definition.title.get("zh") if definition.title else record.flow
        state = definition.state(record.state)
        state_title = state.title.get("zh") if state.title else record.state
    received = sum((Decimal(p["amount"]) for p in paid if not p["refund"]), ZERO)
    refunded = sum((Decimal(p["amount"]) for p in paid if p["refund"]), ZERO)
    company = Company.objects.filter(pk=project.company_id).values_list("name", flat=True).first() \
        if project.company_id else None
    today = timezone.localtime(now or timezone.now(), zone).date()
    main = people.get(data.get("customer_id"))
    shares = {b.get("customer_id"): b.get("share") for b in data.get("buyers") or [] if isinstance(b, dict)}
    return {
        "project": {"code": project.code, "name": project.name, "company": company or "",
                    "header": " · ".join(x for x in (company, project.name) if x)},
        "record": {"reference": record.reference, "flow": flow_title, "state": state_title,
                   "started_on": timezone.localtime(record.created_at, zone).date() if record.created_at else today},
        "data": data,
        "customer": _customer(main),
        "buyers": [{**_customer(people.get(i)), "share": shares.get(i) or ""} for i in buyer_ids if i in people]
        or ([{**_customer(main), "share": ""}] if main else []),
        "unit": _unit(unit),
        "quote": quote,
        "payments": {"list": paid, "received": str(received), "refunded": str(refunded),
                     "net": str(received - refunded)},
        "payment": this or {},
        "today": today,
    }

"""History in bulk: customers, registrations, visits, deals (subscriptions and their contracts, with history) and
payments spread over past months, written with bulk_create. The demo's months of figures (figures.demo) and the
benchmark's million rows (bench/figures.py) both come from here.

The rows are what the engine and the kernel would have written for deals that ran
their course (a subscription contracted, its contract filed; some cancelled and
refunded), dated in the past: the history entries the figures read carry those dates.
Deals finished here leave no open task behind, so the inbox is unchanged.
"""
from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from engine.models import FlowVersion, HistoryEntry, Record, RecordCounter
from kernel.models import (
    Customer,
    CustomerRegistration,
    PaymentKind,
    Project,
    SaleStatus,
    Unit,
    UnitHold,
    Visit,
    VisitKind,
)
from kernel.models.payments import Payment

BATCH = 5000


@dataclass
class Sizes:
    customers: int
    visits: int
    deals: int
    payments: int
    days: int  # how far back the history goes
    cancel_share: float = 0.06
    holds: bool = True  # live deals hold their units (the demo); the bench reuses units and holds none


@contextlib.contextmanager
def dated(model, field: str):
    """Let bulk_create keep the given dates in an auto_now_add column (history entries are stamped when written)."""
    f = model._meta.get_field(field)
    before = f.auto_now_add
    f.auto_now_add = False
    try:
        yield
    finally:
        f.auto_now_add = before


def _moment(rng: random.Random, day: date, zone) -> datetime:
    return datetime.combine(day, time(rng.randint(9, 20), rng.randint(0, 59), rng.randint(0, 59)), zone)


@transaction.atomic
def fill(project: Project, sizes: Sizes, *, consultants: list[int], agents: list[int], seed: int = 19,
         today: date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    zone = project.zone
    today = today or timezone.now().astimezone(zone).date()
    first_day = today - timedelta(days=sizes.days)
    days = [first_day + timedelta(days=i) for i in range(sizes.days)]
    # more traffic as the launch approaches and on weekends, so the charts have shape
    weights = [(1 + i / len(days)) * (1.6 if d.weekday() >= 5 else 1.0) for i, d in enumerate(days)]
    sources = [s["code"] for s in project.setting("source_types") or []] or ["walk_in"]
    stages = [s["code"] for s in project.setting("opportunity_stages") or []]

    # customers and their registrations
    start = (Customer.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    prefix = 17000000000 + project.pk * 10_000_000 + start
    customers = [Customer(name=f"客户{start + i}", phone=f"+86{prefix + i}",
                          created_at=_moment(rng, rng.choices(days, weights)[0], zone)) for i in range(sizes.customers)]
    Customer.objects.bulk_create(customers, batch_size=BATCH)
    customers = list(Customer.objects.filter(pk__gte=start).order_by("pk"))  # this call made every one of them
    owner = {}
    regs = []
    for c in customers:
        consultant = rng.choice(agents) if agents and rng.random() < 0.15 else rng.choice(consultants)
        owner[c.pk] = consultant
        at = c.created_at
        regs.append(CustomerRegistration(project=project, customer=c, consultant_id=consultant, registered_at=at,
                                         protected_until=at + timedelta(days=30), stage=rng.choice(stages) if stages else "",
                                         last_contact_at=at))
    CustomerRegistration.objects.bulk_create(regs, batch_size=BATCH)

    # visits: the first of each customer is new, the rest returning
    visits, seen = [], set()
    token = f"fill-{project.pk}-{seed}-{start}"

    for n in range(sizes.visits):
        c = customers[n] if n < len(customers) else rng.choice(customers)
        at = c.created_at + timedelta(minutes=5) if c.pk not in seen else c.created_at + timedelta(
            days=rng.randint(1, max(1, (today - c.created_at.date()).days or 1)), minutes=rng.randint(0, 600))
        if at.date() >= today:
            at = c.created_at + timedelta(minutes=30 + n % 300)
        source = "channel" if owner[c.pk] in agents and "channel" in sources else rng.choice(sources)
        visits.append(Visit(project=project, customer=c, kind=VisitKind.VISIT if rng.random() < 0.9 else VisitKind.CALL,
                            returning=c.pk in seen, source_type=source, received_by_id=owner[c.pk], at=at,
                            token=f"{token}-{n}"))
        seen.add(c.pk)
        if len(visits) >= BATCH:
            Visit.objects.bulk_create(visits)
            visits = []
    Visit.objects.bulk_create(visits)

    made = _deals(project, sizes, rng, customers, owner, today, zone)
    return {"customers": len(customers), "visits": sizes.visits, **made}


def _deals(project, sizes: Sizes, rng, customers, owner, today, zone) -> dict[str, int]:
    sub_version = FlowVersion.objects.get(project=project, flow="subscription", status="published")
    con_version = FlowVersion.objects.get(project=project, flow="contract", status="published")
    units = list(Unit.objects.filter(project=project, status=SaleStatus.AVAILABLE).order_by("?")
                 .values_list("pk", "list_price"))
    if not units:
        return {"deals": 0, "payments": 0}
    count = min(sizes.deals, len(units)) if sizes.holds else sizes.deals
    numbers = {flow: RecordCounter.objects.get_or_create(project=project, flow=flow)[0] for flow in ("subscription", "contract")}
    buyers = rng.sample(customers, min(count, len(customers))) if count <= len(customers) else [
        rng.choice(customers) for _ in range(count)]
    subs, plans = [], []
    for i in range(count):
        unit_id, price = units[i % len(units)]
        customer = buyers[i % len(buyers)]
        start_at = max(customer.created_at + timedelta(days=rng.randint(1, 20)), customer.created_at)
        if start_at.date() >= today:
            start_at = customer.created_at + timedelta(hours=2)
        deal_price = (price * Decimal("0.97")).quantize(Decimal("1.00"))
        signs = (start_at + timedelta(days=rng.randint(1, 7)))
        signed = signs.date() < today and rng.random() < 0.85
        cancelled = rng.random() < sizes.cancel_share
        number = numbers["subscription"].last + i + 1
        subs.append(Record(project=project, version=sub_version, flow="subscription", number=number,
                           reference=f"SUB-{number:05d}", state="contracted" if signed else "awaiting_contract",
                           data={"unit_id": unit_id, "customer_id": customer.pk, "consultant_id": owner[customer.pk],
                                 "buyers": [{"customer_id": customer.pk}], "payment_plan": "commercial_mortgage",
                                 "deal_price": str(deal_price), "deposit": "50000.00"},
                           is_closed=signed, last_seq=0, entered_state_at=start_at))
        plans.append((unit_id, customer.pk, deal_price, start_at, signs, signed, cancelled))
    Record.objects.bulk_create(subs, batch_size=BATCH)
    subs = list(Record.objects.filter(project=project, flow="subscription", number__gt=numbers["subscription"].last)
                .order_by("number"))
    contracts, history, payments, holds, statuses = [], [], [], [], {}
    for sub, (unit_id, customer_id, price, start_at, signs, signed, cancelled) in zip(subs, plans):
        history += [HistoryEntry(record=sub, seq=1, kind="start", to_state="draft", at=start_at - timedelta(hours=1)),
                    HistoryEntry(record=sub, seq=2, kind="transition", transition="submit", from_state="draft",
                                 to_state="awaiting_contract", at=start_at)]
        payments.append(Payment(project=project, record_id=sub.pk, reference=sub.reference, kind=PaymentKind.DEPOSIT,
                                amount=Decimal("50000.00"), received_at=start_at))
        if not signed and cancelled:
            cancel_at = start_at + timedelta(days=2)
            sub.state, sub.is_closed, sub.last_seq = "cancelled", True, 5
            history += [HistoryEntry(record=sub, seq=3, kind="transition", transition="request_cancel",
                                     from_state="awaiting_contract", to_state="cancel_review", at=cancel_at),
                        HistoryEntry(record=sub, seq=4, kind="transition", transition="approve_cancel",
                                     from_state="cancel_review", to_state="refund_pending", at=cancel_at),
                        HistoryEntry(record=sub, seq=5, kind="transition", transition="refund",
                                     from_state="refund_pending", to_state="cancelled", at=cancel_at)]
            payments.append(Payment(project=project, record_id=sub.pk, reference=sub.reference, kind=PaymentKind.REFUND,
                                    amount=Decimal("50000.00"), received_at=cancel_at))
            continue
        if not signed:
            sub.last_seq = 2
            statuses[unit_id] = SaleStatus.SUBSCRIBED
            holds.append((unit_id, sub, start_at))
            continue
        sub.last_seq = 3
        history.append(HistoryEntry(record=sub, seq=3, kind="transition", transition="sign",
                                    from_state="awaiting_contract", to_state="contracted", at=signs))
        contracts.append((sub, unit_id, customer_id, price, signs, cancelled))
    Record.objects.bulk_update(subs, ["state", "is_closed", "last_seq"], batch_size=BATCH)
    con_rows = []
    last = numbers["contract"].last
    for i, (sub, unit_id, customer_id, price, signs, _cancelled) in enumerate(contracts, 1):
        con_rows.append(Record(project=project, version=con_version, flow="contract", number=last + i,
                               reference=f"CON-{last + i:05d}", parent=sub, state="filed", data={
                                   "unit_id": unit_id, "customer_id": customer_id, "consultant_id": sub.data["consultant_id"],
                                   "deal_price": str(price), "deposit": "50000.00", "payment_plan": "commercial_mortgage",
                                   "signed_on": signs.astimezone(sub.project.zone).date().isoformat(),
                                   "down_payment": str((price * Decimal("0.3")).quantize(Decimal("1.00")))},
                               last_seq=4, entered_state_at=signs))
    Record.objects.bulk_create(con_rows, batch_size=BATCH)
    con_rows = list(Record.objects.filter(project=project, flow="contract", number__gt=last).order_by("number"))
    for con, (_sub, unit_id, _customer_id, price, signs, cancelled) in zip(con_rows, contracts):
        down = Decimal(con.data["down_payment"])
        history += [HistoryEntry(record=con, seq=1, kind="start", to_state="drafting", at=signs - timedelta(hours=2)),
                    HistoryEntry(record=con, seq=2, kind="transition", transition="approve_contract",
                                 from_state="review", to_state="ready_to_sign", at=signs - timedelta(hours=1)),
                    HistoryEntry(record=con, seq=3, kind="transition", transition="sign", from_state="ready_to_sign",
                                 to_state="signed", at=signs),
                    HistoryEntry(record=con, seq=4, kind="transition", transition="approve_filing",
                                 from_state="filing_submitted", to_state="filed", at=signs + timedelta(days=3))]
        payments.append(Payment(project=con.project, record_id=con.pk, reference=con.reference,
                                kind=PaymentKind.DOWN_PAYMENT, amount=down, received_at=signs))
        loan = price - down - Decimal("50000.00")
        loan_at = signs + timedelta(days=25)
        if cancelled:
            cancel_at = signs + timedelta(days=10)
            con.state, con.is_closed, con.last_seq = "cancelled", True, 7
            history += [HistoryEntry(record=con, seq=5, kind="transition", transition="request_cancel",
                                     from_state="filed", to_state="cancel_review", at=cancel_at),
                        HistoryEntry(record=con, seq=6, kind="transition", transition="approve_cancel",
                                     from_state="cancel_review", to_state="refund_pending", at=cancel_at),
                        HistoryEntry(record=con, seq=7, kind="transition", transition="refund",
                                     from_state="refund_pending", to_state="cancelled", at=cancel_at)]
            payments.append(Payment(project=con.project, record_id=con.pk, reference=con.reference,
                                    kind=PaymentKind.REFUND, amount=down, received_at=cancel_at))
        else:
            statuses[unit_id] = SaleStatus.FILED
            holds.append((unit_id, con, signs))
            if loan_at.date() < today and loan > 0:
                payments.append(Payment(project=con.project, record_id=con.pk, reference=con.reference,
                                        kind=PaymentKind.BANK_LOAN, amount=loan, received_at=loan_at))
    Record.objects.bulk_update(con_rows, ["state", "is_closed", "last_seq"], batch_size=BATCH)
    # extra receipts up to the payments asked for: installments on signed deals
    live = [c for c in con_rows if c.state == "filed"]
    while live and len(payments) < sizes.payments:
        con = rng.choice(live)
        at = con.entered_state_at + timedelta(days=rng.randint(1, 60))
        if at.date() >= today:
            continue
        payments.append(Payment(project=con.project, record_id=con.pk, reference=con.reference,
                                kind=PaymentKind.INSTALLMENT, amount=Decimal(rng.randint(1000, 20000)), received_at=at))
    with dated(HistoryEntry, "at"):
        HistoryEntry.objects.bulk_create(history, batch_size=BATCH)
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    RecordCounter.objects.filter(pk=numbers["subscription"].pk).update(last=numbers["subscription"].last + len(subs))
    RecordCounter.objects.filter(pk=numbers["contract"].pk).update(last=last + len(con_rows))
    if sizes.holds:
        UnitHold.objects.bulk_create([UnitHold(project=project, unit_id=u, record_id=r.pk, reference=r.reference,
                                               flow=r.flow, held_at=at) for u, r, at in holds], batch_size=BATCH)
    for status in (SaleStatus.SUBSCRIBED, SaleStatus.FILED):
        ids = [u for u, s in statuses.items() if s == status]
        for i in range(0, len(ids), BATCH):
            Unit.objects.filter(pk__in=ids[i:i + BATCH]).update(status=status)
    return {"deals": len(subs), "contracts": len(con_rows), "payments": len(payments)}

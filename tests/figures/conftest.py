"""A small fixed world whose figures are computed by hand in the tests (docs/figures.md's worked examples).

Project P1 (Asia/Shanghai), March and April 2026; times are Beijing time.
- D1 (c1): subscribed 03-10 10:00 at 1 000 000.00, signed 03-20; deposit 50 000 (03-10), down 300 000 (03-20),
  bank loan 600 000 (04-05).
- D2 (c1): subscribed 03-31 23:30 at 2 000 000.00, signed 04-01 00:10 (across the month boundary, at midnight);
  deposit 50 000 (03-31 23:30), down 500 000 (04-01 00:10).
- D3 (c2): subscribed 03-15 at 1 500 000.00, cancelled 04-03; deposit 50 000 (03-15), refund 50 000 (04-03).
- D4: subscribed by c1 03-05 at 800 000.00, signed 03-06 by c2, to whom the deal was handed (change of consultant).
- Visits: K1 (c1) new 03-01 10:00 via campaign Spring, returning 03-08; K2 (c2) new 03-31 23:59; K3 (agency) new
  04-01 00:01; K4 (c1) a call 03-02 (calls are no visits).
- Registrations: K1 03-01, K4 03-02, K2 03-31 23:59 (c2), K3 04-01 00:01 (the channel agent).
- Units U1..U5 at 1 000 000.00: filed, signed, available, available, withheld.
- P2 in the same company: D5 subscribed 03-12 at 500 000.00.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Membership, User
from engine import versions
from engine.models import HistoryEntry, Record
from figures.fill import dated
from figures.models import Target
from kernel.models import (
    Building,
    Campaign,
    Company,
    Customer,
    CustomerRegistration,
    Payment,
    Project,
    Region,
    Unit,
    Visit,
)

SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


class World:
    def __init__(self):
        self.numbers = {}
        self.tokens = 0

    def record(self, project, flow, data, state, parent=None):
        n = self.numbers[(project.pk, flow)] = self.numbers.get((project.pk, flow), 0) + 1
        version = versions.published_version(project, flow)
        return Record.objects.create(project=project, version=version, flow=flow, number=n,
                                     reference=f"{flow[:3].upper()}-{project.code}-{n}", state=state, data=data,
                                     parent=parent, entered_state_at=at(3, 1))

    def history(self, record, *steps):
        with dated(HistoryEntry, "at"):
            HistoryEntry.objects.bulk_create([HistoryEntry(record=record, seq=i, kind="transition", to_state=state,
                                                           at=when) for i, (state, when) in enumerate(steps, 1)])

    def pay(self, record, kind, amount, when):
        Payment.objects.create(project=record.project, record_id=record.pk, reference=record.reference, kind=kind,
                               amount=Decimal(amount), received_at=when)

    def deal(self, project, consultant, customer, price, subscribed, signed=None, cancelled=None, signer=None):
        sub = self.record(project, "subscription", {"consultant_id": consultant.pk, "customer_id": customer.pk,
                                                    "deal_price": price}, "awaiting_contract")
        steps = [("draft", subscribed.replace(hour=8)), ("awaiting_contract", subscribed)]
        if cancelled and not signed:
            steps += [("cancel_review", cancelled), ("refund_pending", cancelled), ("cancelled", cancelled)]
        self.history(sub, *steps)
        con = None
        if signed:
            con = self.record(project, "contract", {"consultant_id": (signer or consultant).pk,
                                                    "customer_id": customer.pk, "deal_price": price}, "signed", sub)
            self.history(con, ("drafting", signed), ("signed", signed))
        return sub, con

    def visit(self, project, customer, when, *, returning=False, source="walk_in", kind="visit", campaign=None, by):
        self.tokens += 1
        return Visit.objects.create(project=project, customer=customer, kind=kind, returning=returning,
                                    source_type=source, received_by=by, at=when, campaign=campaign,
                                    token=f"t{self.tokens}")


@pytest.fixture
def fixed(db):
    w = World()
    company = Company.objects.create(code="grp", name="Group")
    region = Region.objects.create(company=company, code="east", name="East")
    p1 = Project.objects.create(code="P1", name="One", company=company, region=region,
                                settings={"time_zone": "Asia/Shanghai"})
    p2 = Project.objects.create(code="P2", name="Two", company=company, settings={"time_zone": "Asia/Shanghai"})
    for p in (p1, p2):
        versions.publish(p, "subscription")
        versions.publish(p, "contract")
    people = {}
    for name, role, project in (("c1", "sales_consultant", p1), ("c2", "sales_consultant", p1),
                                ("agent", "channel_agent", p1), ("director", "project_director", p1),
                                ("manager", "sales_manager", p1), ("fin", "finance", p1),
                                ("c9", "sales_consultant", p2), ("stranger", "sales_consultant", p2)):
        user = User.objects.create_user(name, password="x", display_name=f"{name} name")
        Membership.objects.create(user=user, project=project, role=role)
        people[name] = user
    c1, c2, agent = people["c1"], people["c2"], people["agent"]
    k = {n: Customer.objects.create(name=n, phone=f"+8613900000{i:03d}") for i, n in enumerate(("K1", "K2", "K3", "K4"))}
    for name, consultant, when, stage in (("K1", c1, at(3, 1), "visited"), ("K4", c1, at(3, 2), ""),
                                          ("K2", c2, at(3, 31, 23, 59), "intention"),
                                          ("K3", agent, at(4, 1, 0, 1), "negotiating")):
        CustomerRegistration.objects.create(project=p1, customer=k[name], consultant=consultant, registered_at=when,
                                            protected_until=when + timedelta(days=30), stage=stage)
    spring = Campaign.objects.create(project=p1, name="Spring", source_type="walk_in", starts_on=date(2026, 3, 1),
                                     ends_on=date(2026, 3, 31), cost=Decimal("10000.00"))
    w.visit(p1, k["K1"], at(3, 1), campaign=spring, by=c1)
    w.visit(p1, k["K1"], at(3, 8), returning=True, by=c1)
    w.visit(p1, k["K2"], at(3, 31, 23, 59), source="referral", by=c2)
    w.visit(p1, k["K3"], at(4, 1, 0, 1), source="channel", by=agent)
    w.visit(p1, k["K4"], at(3, 2), kind="call", by=c1)
    d1, d1c = w.deal(p1, c1, k["K1"], "1000000.00", at(3, 10), signed=at(3, 20))
    d2, d2c = w.deal(p1, c1, k["K2"], "2000000.00", at(3, 31, 23, 30), signed=at(4, 1, 0, 10))
    d3, _ = w.deal(p1, c2, k["K4"], "1500000.00", at(3, 15), cancelled=at(4, 3))
    d4, d4c = w.deal(p1, c1, k["K1"], "800000.00", at(3, 5), signed=at(3, 6), signer=c2)
    w.pay(d1, "deposit", "50000.00", at(3, 10))
    w.pay(d1c, "down_payment", "300000.00", at(3, 20))
    w.pay(d1c, "bank_loan", "600000.00", at(4, 5))
    w.pay(d2, "deposit", "50000.00", at(3, 31, 23, 30))
    w.pay(d2c, "down_payment", "500000.00", at(4, 1, 0, 10))
    w.pay(d3, "deposit", "50000.00", at(3, 15))
    w.pay(d3, "refund", "50000.00", at(4, 3))
    w.pay(d1c, "rent", "9999.00", at(3, 21))  # not a sales collection
    building = Building.objects.create(project=p1, code="1", name="Building 1")
    for i, status in enumerate(("filed", "signed", "available", "available", "withheld"), 1):
        Unit.objects.create(project=p1, building=building, code=f"1-{i:02d}01", floor=i, position="01",
                            built_area=Decimal("100"), inner_area=Decimal("80"), list_price=Decimal("1000000.00"),
                            status=status)
    Target.objects.create(project=p1, month=date(2026, 3, 1), subscription_count=4,
                          signing_amount=Decimal("2000000.00"), collection_amount=Decimal("500000.00"))
    Target.objects.create(project=p1, month=date(2026, 4, 1), subscription_count=4,
                          signing_amount=Decimal("2000000.00"), collection_amount=Decimal("1000000.00"))
    Target.objects.create(project=p1, month=date(2026, 3, 1), consultant=c1, subscription_count=2,
                          signing_amount=Decimal("1000000.00"))
    c9 = people["c9"]
    k5 = Customer.objects.create(name="K5", phone="+8613900000999")
    w.deal(p2, c9, k5, "500000.00", at(3, 12))
    return {"p1": p1, "p2": p2, "company": company, "region": region, "world": w, "k": k, **people,
            "deals": {"d1": d1, "d2": d2, "d3": d3, "d4": d4}}

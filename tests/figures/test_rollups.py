"""The daily rollups the triggers keep (VisitDay, VisitTotal, RegistrationDay, DealPaid) equal what the facts say,
after random sequences of events: visits added, changed and removed (around local midnight), customers registered,
handed to another consultant and unregistered, payments and refunds on a deal's records, the project's zone changed.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import Membership, User
from engine import versions
from engine.models import HistoryEntry, Record
from figures import collections, rollups, visits
from figures.deals import deals
from figures.fill import dated
from figures.models import DealPaid, RegistrationDay, VisitDay, VisitTotal
from figures.periods import Kind, Period
from figures.rollup_triggers import PLUS, REFUND, trigger_names
from figures.scope import Scope
from kernel.models import Customer, CustomerRegistration, Payment, Project, Visit

ZONES = ["Asia/Shanghai", "America/New_York", "UTC", ""]
KINDS = [*PLUS[:3], "bank_loan", REFUND, "rent"]
UTC = ZoneInfo("UTC")


def expected(project: Project) -> dict[str, dict]:
    """The four rollups computed in Python from the facts, the definition the triggers follow."""
    zone = project.zone

    def day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    registered = {r.customer_id: r.consultant_id for r in CustomerRegistration.objects.filter(project=project)}
    out: dict[str, dict] = {"visitday": {}, "visittotal": {}, "registrationday": {}, "dealpaid": {}}

    def add(table, key, n):
        out[table][key] = out[table].get(key, 0) + n

    for v in Visit.objects.filter(project=project, kind="visit"):
        add("visitday", (day(v.at), registered.get(v.customer_id, 0), v.source_type, v.returning), 1)
        add("visittotal", (day(v.at), v.returning), 1)
    for r in CustomerRegistration.objects.filter(project=project):
        add("registrationday", (day(r.registered_at), r.consultant_id), 1)
    records = {r.pk: r for r in Record.objects.filter(project=project)}
    for p in Payment.objects.filter(project=project, kind__in=(*PLUS, REFUND)):
        chain, r = [], records.get(p.record_id)
        while r is not None and len(chain) < 3:
            chain.append(r)
            r = records.get(r.parent_id)
        deal = next((r.pk for r in chain if r.flow == "subscription"), 0)
        fen = int(p.amount * 100) * (-1 if p.kind == REFUND else 1)
        add("dealpaid", (deal, day(p.received_at)), fen)
    return {t: {k: n for k, n in rows.items() if n} for t, rows in out.items()}


def kept(project: Project) -> tuple[dict[str, dict], set[str]]:
    rows = {
        "visitday": {(r.day, r.consultant_id, r.source_type, r.returning): r for r in VisitDay.objects.filter(
            project_id=project.pk)},
        "visittotal": {(r.day, r.returning): r for r in VisitTotal.objects.filter(project_id=project.pk)},
        "registrationday": {(r.day, r.consultant_id): r for r in RegistrationDay.objects.filter(project_id=project.pk)},
        "dealpaid": {(r.deal_id, r.day): r for r in DealPaid.objects.filter(project_id=project.pk)},
    }
    zones = {r.zone for table in rows.values() for r in table.values() if (getattr(r, "n", None) or
                                                                          getattr(r, "fen", None))}
    return ({t: {k: (r.fen if t == "dealpaid" else r.n) for k, r in table.items()
                 if (r.fen if t == "dealpaid" else r.n)} for t, table in rows.items()}, zones)


class Rollups(RuleBasedStateMachine):
    @initialize()
    def world(self):
        Rollups.runs = getattr(Rollups, "runs", 0) + 1
        n = Rollups.runs
        self.project = Project.objects.create(code=f"V{n}", name="V", settings={"time_zone": "Asia/Shanghai"})
        versions.publish(self.project, "subscription")
        versions.publish(self.project, "contract")
        self.people = [User.objects.create_user(f"v{n}-{i}") for i in range(3)]
        Membership.objects.create(user=self.people[2], project=self.project, role="channel_agent")
        self.customers = [Customer.objects.create(name=f"K{i}", phone=f"+86139{n:04d}{i:04d}") for i in range(4)]
        # a deal's records: the subscription, its contract, a record the contract started; and a record of no deal
        sub = self._record("subscription", None, 1)
        con = self._record("contract", sub, 1)
        self.records = [sub, con, self._record("contract", con, 2), self._record("contract", None, 3)]
        with dated(HistoryEntry, "at"):  # subscribed and signed on 1 March: a deal the collection rate counts
            HistoryEntry.objects.create(record=sub, seq=1, kind="transition", to_state="awaiting_contract",
                                        at=datetime(2026, 3, 1, 2, tzinfo=UTC))
            HistoryEntry.objects.create(record=con, seq=1, kind="transition", to_state="signed",
                                        at=datetime(2026, 3, 1, 3, tzinfo=UTC))
        self.tokens = 0

    def _record(self, flow, parent, number):
        version = versions.published_version(self.project, flow)
        return Record.objects.create(project=self.project, version=version, flow=flow, number=number + (
            10 if parent is not None and parent.flow == "contract" else 0), reference=f"{flow}-{number}-{id(parent)}",
            state="draft", data={}, parent=parent, entered_state_at=datetime(2026, 3, 1, tzinfo=UTC))

    @staticmethod
    def _moment(day, minutes):
        # around local midnight in Beijing (16:00 UTC) and in New York (04:00/05:00 UTC)
        return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day, minutes=minutes)

    @rule(c=st.integers(0, 3), day=st.integers(0, 3), minutes=st.sampled_from([239, 241, 300, 959, 961]),
          returning=st.booleans(), source=st.sampled_from(["walk_in", "referral"]),
          kind=st.sampled_from(["visit", "visit", "call"]))
    def add_visit(self, c, day, minutes, returning, source, kind):
        self.tokens += 1
        Visit.objects.create(project=self.project, customer=self.customers[c], kind=kind, returning=returning,
                             source_type=source, received_by=self.people[0], at=self._moment(day, minutes),
                             token=f"{self.project.code}-{self.tokens}")

    @precondition(lambda self: Visit.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 20), c=st.integers(0, 3), shift=st.sampled_from([0, 2, -2, 60 * 12]),
          returning=st.booleans(), kind=st.sampled_from(["visit", "call"]))
    def change_visit(self, i, c, shift, returning, kind):
        found = list(Visit.objects.filter(project=self.project).order_by("pk"))
        v = found[i % len(found)]
        Visit.objects.filter(pk=v.pk).update(customer=self.customers[c], at=v.at + timedelta(minutes=shift),
                                             returning=returning, kind=kind)

    @precondition(lambda self: Visit.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 20))
    def remove_visit(self, i):
        found = list(Visit.objects.filter(project=self.project).order_by("pk"))
        found[i % len(found)].delete()

    @rule(c=st.integers(0, 3), who=st.integers(0, 2), day=st.integers(0, 3),
          minutes=st.sampled_from([239, 241, 959, 961]))
    def register(self, c, who, day, minutes):
        if CustomerRegistration.objects.filter(project=self.project, customer=self.customers[c]).exists():
            return
        when = self._moment(day, minutes)
        CustomerRegistration.objects.create(project=self.project, customer=self.customers[c],
                                            consultant=self.people[who], registered_at=when,
                                            protected_until=when + timedelta(days=30))

    @precondition(lambda self: CustomerRegistration.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 3), who=st.integers(0, 2), shift=st.sampled_from([0, 2, 60 * 24]))
    def hand_over(self, i, who, shift):
        found = list(CustomerRegistration.objects.filter(project=self.project).order_by("pk"))
        r = found[i % len(found)]
        r.consultant = self.people[who]
        r.registered_at += timedelta(minutes=shift)
        r.protected_until = r.registered_at + timedelta(days=30)
        r.save()

    @precondition(lambda self: CustomerRegistration.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 3))
    def unregister(self, i):
        found = list(CustomerRegistration.objects.filter(project=self.project).order_by("pk"))
        CustomerRegistration.objects.filter(pk=found[i % len(found)].pk).delete()

    @rule(r=st.integers(0, 3), kind=st.sampled_from(KINDS), cents=st.integers(1, 10**9), day=st.integers(0, 3),
          minutes=st.sampled_from([239, 241, 959, 961]))
    def pay(self, r, kind, cents, day, minutes):
        record = self.records[r]
        Payment.objects.create(project=self.project, record_id=record.pk, reference=record.reference, kind=kind,
                               amount=Decimal(cents) / 100, received_at=self._moment(day, minutes))

    @precondition(lambda self: Payment.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 20), kind=st.sampled_from(KINDS), cents=st.integers(1, 10**9), shift=st.sampled_from([0, 2]))
    def change_payment(self, i, kind, cents, shift):
        found = list(Payment.objects.filter(project=self.project).order_by("pk"))
        p = found[i % len(found)]
        Payment.objects.filter(pk=p.pk).update(kind=kind, amount=Decimal(cents) / 100,
                                               received_at=p.received_at + timedelta(minutes=shift))

    @precondition(lambda self: Payment.objects.filter(project=self.project).exists())
    @rule(i=st.integers(0, 20))
    def remove_payment(self, i):
        found = list(Payment.objects.filter(project=self.project).order_by("pk"))
        Payment.objects.filter(pk=found[i % len(found)].pk).delete()

    @rule(zone=st.sampled_from(ZONES))
    def move_the_project(self, zone):
        self.project.settings = {"time_zone": zone} if zone else {}
        self.project.save()

    @invariant()
    def rollups_equal_the_facts(self):
        if not hasattr(self, "project"):
            return
        self.project.refresh_from_db()
        rows, zones = kept(self.project)
        assert rows == expected(self.project)
        assert zones <= {self.project.zone.key}
        # and the readers give what the live counts give
        scope = Scope.of_project(self.project)
        span = Period(Kind.RANGE, date(2026, 2, 27), date(2026, 3, 7))
        assert rollups.visit_days(scope, span) == {k: n for k, n in visits.live_visit_days(scope, span).items() if n}
        assert rollups.registration_days(scope, span, visits.agents(scope)) == visits.live_registration_days(scope, span)
        own = Scope.of_project(self.project, self.people[1].pk)
        assert rollups.visit_days(own, span) == {k: n for k, n in visits.live_visit_days(own, span).items() if n}
        assert collections.net(scope, span) == collections.live_net(scope, span)
        for after in (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5)):
            until = Period(Kind.RANGE, after, after).bounds(scope.zone)[0]
            signed = deals(scope).filter(signed_at__lt=until, cancelled_at__isnull=True).values("pk")
            live = collections._net(Payment.objects.filter(project=self.project, received_at__lt=until,
                                                           record_id__in=collections.deal_records(signed)))
            assert collections.collection_rate(scope, after)[0] == live


@pytest.mark.django_db
def test_the_rollups_equal_the_facts_after_random_events():
    run_state_machine_as_test(Rollups, settings=settings(max_examples=20, stateful_step_count=30, deadline=None,
                                                         suppress_health_check=[HealthCheck.too_slow]))


@pytest.mark.django_db
def test_a_reading_in_another_zone_falls_back_to_the_facts(fixed):
    # a group of projects in two zones is read in the installation's: the rows (Beijing days) are not used
    p1 = fixed["p1"]
    span = Period(Kind.RANGE, date(2026, 3, 1), date(2026, 4, 2))
    beijing = Scope.of_project(p1)
    elsewhere = Scope((p1.pk,), ZoneInfo("America/New_York"))
    assert rollups.visit_days(beijing, span) is not None
    assert rollups.visit_days(elsewhere, span) is None
    # K2's visit at 23:59 on 31 March Beijing time is 11:59 on the 31st in New York; K3's at 00:01 on 1 April, 12:01
    # on 31 March there
    got = visits.totals(elsewhere, Period(Kind.RANGE, date(2026, 3, 31), date(2026, 4, 1)))
    assert got["new_visits"] == 2


@pytest.mark.django_db
def test_the_rollup_triggers_are_installed():
    """A table rebuild (SQLite migrations do that) would drop them silently: this says so."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT tgname FROM pg_trigger WHERE tgname LIKE 'figures_rollup%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'figures_rollup%'")
        assert sorted(r[0] for r in cursor.fetchall()) == trigger_names(connection.vendor)

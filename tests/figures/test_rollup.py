"""The deal rows the triggers keep (DealFact) equal the live computation from the history, after random sequences
of events: subscribing, repricing, handing a deal to another consultant, signing, cancelling either record."""
from datetime import datetime, timedelta
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

from accounts.models import User
from engine import versions
from engine.models import HistoryEntry, Record
from figures.deals import deals, live_deals
from figures.fact_triggers import TRIGGER_NAMES
from figures.fill import dated
from figures.scope import Scope
from kernel.models import Project

SH = ZoneInfo("Asia/Shanghai")
FIELDS = ("subscribed_at", "signed_at", "cancelled_at", "sub_amount", "sign_amount", "consultant", "customer_key",
          "contract_id")


def facts(scope):
    def norm(row):
        return {k: (str(v) if k in ("consultant", "customer_key") and v is not None else v) for k, v in row.items()}
    return ({r["pk"]: norm(r) for r in deals(scope).values("pk", *FIELDS)},
            {r["pk"]: norm(r) for r in live_deals(scope).values("pk", *FIELDS)})


class Deals(RuleBasedStateMachine):
    @initialize()
    def world(self):
        Deals.runs = getattr(Deals, "runs", 0) + 1  # every example's world in a project of its own
        self.project = Project.objects.create(code=f"R{Deals.runs}", name="R", settings={"time_zone": "Asia/Shanghai"})
        versions.publish(self.project, "subscription")
        versions.publish(self.project, "contract")
        self.people = [User.objects.create_user(f"u{Deals.runs}-{i}") for i in range(3)]
        self.clock = datetime(2026, 3, 1, 9, tzinfo=SH)
        self.subs, self.contracts, self.n = [], {}, 0

    def _entry(self, record, state):
        self.clock += timedelta(hours=7)
        record.last_seq += 1
        Record.objects.filter(pk=record.pk).update(last_seq=record.last_seq, state=state)
        with dated(HistoryEntry, "at"):
            HistoryEntry.objects.create(record=record, seq=record.last_seq, kind="transition", to_state=state,
                                        at=self.clock)

    def _record(self, flow, data, parent=None):
        self.n += 1
        return Record.objects.create(project=self.project, version=versions.published_version(self.project, flow),
                                     flow=flow, number=self.n, reference=f"R-{self.n}", state="draft", data=data,
                                     parent=parent, entered_state_at=self.clock)

    @rule(price=st.integers(1, 10**9), who=st.integers(0, 2))
    def start(self, price, who):
        sub = self._record("subscription", {"deal_price": f"{price}.00", "consultant_id": self.people[who].pk,
                                            "customer_id": 7})
        self._entry(sub, "draft")
        self.subs.append(sub)

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 50), state=st.sampled_from(["awaiting_contract", "refund_pending", "cancelled",
                                                       "cancel_review", "contracted"]))
    def move(self, i, state):
        self._entry(self.subs[i % len(self.subs)], state)

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 50), price=st.integers(1, 10**9), who=st.integers(0, 2))
    def change(self, i, price, who):
        sub = self.subs[i % len(self.subs)]
        sub.data = {**sub.data, "deal_price": f"{price}.50", "consultant_id": self.people[who].pk}
        sub.save(update_fields=["data"])

    @precondition(lambda self: self.subs)
    @rule(i=st.integers(0, 50), who=st.integers(0, 2))
    def contract(self, i, who):
        sub = self.subs[i % len(self.subs)]
        if sub.pk in self.contracts:
            return
        con = self._record("contract", {"deal_price": sub.data["deal_price"], "consultant_id": self.people[who].pk},
                           parent=sub)
        self.contracts[sub.pk] = con
        self._entry(con, "drafting")

    @precondition(lambda self: self.contracts)
    @rule(i=st.integers(0, 50), state=st.sampled_from(["signed", "filed", "refund_pending", "cancelled",
                                                       "filing_deregistration"]))
    def contract_moves(self, i, state):
        con = list(self.contracts.values())[i % len(self.contracts)]
        self._entry(con, state)

    @invariant()
    def rows_equal_the_live_computation(self):
        if not hasattr(self, "project"):
            return
        kept, live = facts(Scope.of_project(self.project))
        assert kept == live


@pytest.mark.django_db
def test_the_rows_equal_the_live_computation_after_random_events():
    run_state_machine_as_test(Deals, settings=settings(max_examples=25, stateful_step_count=25, deadline=None,
                                                       suppress_health_check=[HealthCheck.too_slow]))


@pytest.mark.django_db
def test_the_triggers_are_installed():
    """A table rebuild (SQLite migrations do that) would drop them silently: this says so."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'figures_deal_fact%%'")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'figures_deal_fact%'")
        assert sorted(r[0] for r in cursor.fetchall()) == sorted(TRIGGER_NAMES[connection.vendor])

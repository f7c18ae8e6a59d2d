"""Steps and checks shared by the flow scenarios.

A step goes through the engine's service API and checks the history entry it wrote:
`fire`, `approve`, `reject`, `complete`, `send_back`, `withdraw`, `run_timers`. After a
step a scenario checks what it left behind with `assert_open_tasks`, `sale` (unit
status and the deal holding it) and `payments` (the kernel's ledger). Everything is
read back from the database, never from the objects the calls returned.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from engine.models import HistoryEntry, Record, Task, Timer
from engine.runtime import approvals, moves, records, tasks, transitions
from engine.runtime.access import roles_in
from engine.runtime.timers import fire_due_timers
from kernel.models import Unit
from kernel.models.payments import Payment
from kernel.units import live_hold
from plugins.commission.models import CommissionEntry

# -- reading -----------------------------------------------------------------------


def open_tasks(record) -> list[tuple]:
    """(name, kind, who) per open task: who is the assignee if any, else its role, or its roles if several."""
    found = Task.objects.filter(record_id=record.pk, status="open").select_related("assignee").order_by("pk")
    return [(t.name, t.kind, t.assignee if t.assignee_id else (t.roles[0] if len(t.roles) == 1 else tuple(t.roles)))
            for t in found]


def assert_open_tasks(record, expected) -> None:
    """The record's open tasks are exactly `expected` (a set or list of (name, kind, who); slots count)."""
    actual = open_tasks(record)
    assert Counter(actual) == Counter(expected), f"{record.reference} has open tasks {actual}"


def history(record, since: int = 0) -> list[HistoryEntry]:
    return list(HistoryEntry.objects.filter(record_id=record.pk, seq__gt=since).order_by("seq"))


def assert_last_history(record, *, kind: str, transition: str = "", from_state: str = "", to_state: str = "",
                        actor=None, comment: str | None = None, details: dict | None = None) -> HistoryEntry:
    """The record's newest history entry says this (actor None: the system, e.g. a timer)."""
    last = history(record)[-1]
    got = (last.kind, last.transition, last.from_state, last.to_state, last.actor_id)
    assert got == (kind, transition, from_state, to_state, getattr(actor, "pk", None)), (
        f"{record.reference}'s last history entry is {got}")
    if comment is not None:
        assert last.comment == comment
    if details is not None:
        assert {k: last.details.get(k) for k in details} == details, last.details
    return last


def state(record) -> str:
    return Record.objects.values_list("state", flat=True).get(pk=record.pk)


def sale(unit) -> tuple[str, str | None]:
    """The unit's sale status and the reference of the deal holding it (None: nobody)."""
    unit = Unit.objects.get(pk=unit.pk)
    hold = live_hold(unit)
    return unit.status, hold.reference if hold else None


def payments(*records) -> list[tuple]:
    """(reference, kind, amount) of the ledger entries of these records, in the order they were entered."""
    found = Payment.objects.filter(record_id__in=[r.pk for r in records]).order_by("id")
    return [(p.reference, p.kind, p.amount) for p in found]


def commission(record=None) -> list[tuple]:
    """(beneficiary kind, amount, status) of the commission entries, of one deal if given."""
    found = CommissionEntry.objects.order_by("id")
    if record is not None:
        found = found.filter(deal__record_id=record.pk)
    return [(e.beneficiary_kind, e.amount, e.status) for e in found]


def pending_timers(record) -> list[tuple]:
    """(name, kind, transition or escalation roles) of the record's pending timers."""
    found = Timer.objects.filter(record_id=record.pk, status="pending").order_by("name")
    return [(t.name, t.kind, t.transition or tuple(t.escalate_to)) for t in found]


def child(record, flow: str):
    """The newest record of `flow` started from `record`."""
    return Record.objects.filter(parent_id=record.pk, flow=flow).order_by("-pk").first()


def _mark(record) -> tuple[str, int]:
    return Record.objects.values_list("state", "last_seq").get(pk=record.pk)


def _trace(entries) -> list[tuple]:
    return [(h.kind, h.transition, h.from_state, h.to_state, h.actor_id) for h in entries]


# -- steps -------------------------------------------------------------------------


def fire(user, record, name: str, form: dict | None = None, *, to: str, comment: str = ""):
    """Fire `name` as `user`: the record is then in `to`, and the step wrote one history entry saying so."""
    was, seq = _mark(record)
    transitions.fire(user, record.pk, name, form or {}, comment=comment)
    written = history(record, seq)
    assert _trace(written) == [("transition", name, was, to, user.pk)], _trace(written)
    assert written[0].comment == comment and state(record) == to
    return Record.objects.get(pk=record.pk)


def refused(error, user, record, name: str, form: dict | None = None):
    """The transition is refused with `error` and leaves nothing behind: state, history, tasks, ledger."""
    def snapshot():
        return (_mark(record), open_tasks(record), Payment.objects.count(), Record.objects.count(),
                list(Unit.objects.filter(project_id=record.project_id).order_by("pk").values_list("status", flat=True)))
    before = snapshot()
    with pytest.raises(error) as info:
        transitions.fire(user, record.pk, name, form or {})
    assert snapshot() == before
    return info.value


def _slot(record, voter) -> Task:
    held = roles_in(voter, record.project_id)
    slots = [t for t in Task.objects.filter(record_id=record.pk, status="open", kind="approval").order_by("pk")
             if held & set(t.roles)]
    assert slots, f"{voter} has no open approval slot on {record.reference} ({open_tasks(record)})"
    return slots[0]


def vote(record, voter):
    """One approving vote that does not decide yet: a `vote` entry, the record stays where it is."""
    was, seq = _mark(record)
    slot = _slot(record, voter)
    approvals.vote(voter, slot.pk, "approve")
    written = history(record, seq)
    assert _trace(written) == [("vote", "", "", "", voter.pk)], f"the approval decided on {voter}'s vote"
    assert (written[0].details["task"], written[0].details["decision"], state(record)) == (slot.name, "approve", was)
    return Record.objects.get(pk=record.pk)


def approve(record, *voters, fires: str, to: str):
    """Each voter approves an open slot their role may take; the last vote decides: `fires` moves it to `to`."""
    *first, last = voters
    for voter in first:
        record = vote(record, voter)
    was, seq = _mark(record)
    slot = _slot(record, last)
    approvals.vote(last, slot.pk, "approve")
    written = history(record, seq)
    assert _trace(written) == [("vote", "", "", "", last.pk), ("transition", fires, was, to, last.pk)], _trace(written)
    assert (written[0].details["task"], written[0].details["decision"]) == (slot.name, "approve")
    return Record.objects.get(pk=record.pk)


def reject(record, voter, *, fires: str, to: str):
    """One rejection decides the approval at once: `fires` moves the record to `to`."""
    was, seq = _mark(record)
    slot = _slot(record, voter)
    approvals.vote(voter, slot.pk, "reject", "no")
    written = history(record, seq)
    assert _trace(written) == [("vote", "", "", "", voter.pk), ("transition", fires, was, to, voter.pk)]
    assert written[0].details["decision"] == "reject"
    return Record.objects.get(pk=record.pk)


def complete(user, record, task_name: str) -> None:
    """Finish an open work task without moving the record (a `complete` history entry)."""
    was, seq = _mark(record)
    task = Task.objects.get(record_id=record.pk, name=task_name, status="open")
    tasks.complete(user, task.pk)
    assert _trace(history(record, seq)) == [("complete", "", "", "", user.pk)] and state(record) == was
    assert Task.objects.get(pk=task.pk).status == "done"


def send_back(user, record, to: str, comment: str):
    """退回 to an earlier state: one `send_back` entry, no transition, no actions."""
    was, seq = _mark(record)
    moves.send_back(user, record.pk, to, comment)
    assert _trace(history(record, seq)) == [("send_back", "", was, to, user.pk)] and state(record) == to
    return Record.objects.get(pk=record.pk)


def withdraw(user, record, *, to: str, comment: str = "taken back"):
    """撤回 the user's last step: one `withdraw` entry back to where it came from."""
    was, seq = _mark(record)
    moves.withdraw(user, record.pk, comment)
    assert _trace(history(record, seq)) == [("withdraw", "", was, to, user.pk)] and state(record) == to
    return Record.objects.get(pk=record.pk)


def run_timers(after: timedelta) -> int:
    """Handle the timers due `after` from now, as the periodic job would then; how many it handled."""
    return fire_due_timers(timezone.now() + after)


def assert_escalated(record, task_name: str, roles) -> None:
    """The open task is escalated and the escalation roles are its candidates (they see it in their inbox)."""
    task = Task.objects.get(record_id=record.pk, name=task_name, status="open")
    assert task.escalated_at is not None, f"{task_name} on {record.reference} is not escalated"
    assert set(task.candidates.filter(is_open=True).values_list("role", flat=True)) >= set(roles)


def review_contract(u, con, terms: dict):
    """The clerk submits the contract's `terms` for review; the sales manager and finance approve it: ready to sign."""
    con = fire(u["contract_clerk"], con, "submit_for_review", terms, to="review")
    return approve(con, u["sales_manager"], u["finance"], fires="approve_contract", to="ready_to_sign")


def file_contract(u, con, filing_number: str):
    """The clerk submits the signed contract for filing (网签备案) and records it filed."""
    con = fire(u["contract_clerk"], con, "submit_filing", {"filing_submitted_on": "2026-06-02"}, to="filing_submitted")
    return fire(u["contract_clerk"], con, "file", {"filing_number": filing_number, "filed_on": "2026-06-05"},
                to="filed")


# -- deals the scenarios of several flows start from (S1's rules, conftest) ----------


def register(p, u, customer, batch="A"):
    """The consultant registers the customer for a queue number (排号) in `batch`."""
    q = records.start_record(u["sales_consultant"], p, "queue_number", {"customer_id": customer.pk, "batch": batch})
    assert_last_history(q, kind="start", to_state="registered", actor=u["sales_consultant"])
    assert_open_tasks(q, {("collect_sincerity_deposit", "work", "sales_consultant")})
    return q


def queued(p, u, customer, batch="A", deposit="20000.00"):
    """Registered, the sincerity deposit submitted and confirmed by finance: a number is issued."""
    q = register(p, u, customer, batch)
    q = fire(u["sales_consultant"], q, "submit_deposit", {"batch": batch, "deposit": deposit, "payment_method": "card"},
             to="awaiting_confirmation")
    return fire(u["finance"], q, "confirm_deposit", to="queued")


def referral_subscription(p, u, unit, customers):
    """S1's referral deal, ready for its contract: 2 992 735.00 for `unit` at a list price of 3 100 000.00
    (combined loan and referral 99 折 each, 1.5 % by hand: no approval), deposit 50 000.00, the spouse
    and the buyer as buyers (the spouse the main one), through agency_a, referred by the referrer."""
    sc = u["sales_consultant"]
    buyer, spouse, referrer = customers["buyer"], customers["spouse"], customers["referrer"]
    Unit.objects.filter(pk=unit.pk).update(list_price=Decimal("3100000.00"))
    sub = records.start_record(sc, p, "subscription", {"customer_id": spouse.pk, "unit_id": unit.pk})
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "combined", "discount_codes": ["referral"],
                                  "discount_rate": "0.015"}, to="draft")
    buyers = [{"customer_id": spouse.pk, "share": "0.5"}, {"customer_id": buyer.pk, "share": "0.5"}]
    sub = fire(sc, sub, "submit", {"buyers": buyers, "deposit": "50000.00",
                                   "channel": "agency_a", "referrer_id": referrer.pk}, to="awaiting_contract")
    assert sub.data["deal_price"] == "2992735.00"
    return sub


def mortgage_contract(p, u, unit, customers):
    """The referral deal's contract, reviewed and signed with 600 000.00 down: its mortgage (combined,
    2 342 735.00 asked for) is started. Returns the contract, signed."""
    sub = fire(u["contract_clerk"], referral_subscription(p, u, unit, customers), "sign", to="contracted")
    con = review_contract(u, child(sub, "contract"), {"contract_no": "HT-1", "area_basis": "built",
                                                      "contract_area": "128.50", "delivery_date": "2027-12-31"})
    return fire(u["contract_clerk"], con, "sign",
                {"signed_on": "2026-06-01", "down_payment": "600000.00"}, to="signed")


def contract_for(p, u, unit, customer, *, plan="installments", deposit="100000.00", channel=None):
    """A subscription at the unit's quote for `plan` (installments: no discount), submitted and
    turned into its contract, which is returned in drafting."""
    sc = u["sales_consultant"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": customer.pk, "unit_id": unit.pk})
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": plan}, to="draft")
    terms = {"buyers": [{"customer_id": customer.pk}], "deposit": deposit}
    sub = fire(sc, sub, "submit", {**terms, **({"channel": channel} if channel else {})}, to="awaiting_contract")
    sub = fire(sc, sub, "sign", to="contracted")
    return child(sub, "contract")


def filed_contract(p, u, unit, customer, *, channel=None):
    """A deal of 2 000 000.00 on 100.00 m² (P = 20 000.00), paid in full and filed. Returns its handover."""
    Unit.objects.filter(pk=unit.pk).update(list_price=Decimal("2000000.00"), built_area=Decimal("100.00"),
                                           inner_area=Decimal("80.00"))
    con = contract_for(p, u, unit, customer, channel=channel)
    sub = con.parent
    assert (sub.data["deal_price"], sub.data["price_snapshot"]["deal_price_per_m2"]) == ("2000000.00", "20000.00")
    con = review_contract(u, con, {"contract_no": "HT-2", "area_basis": "built", "contract_area": "100.00",
                                   "delivery_date": "2027-12-31"})
    con = fire(u["contract_clerk"], con, "sign", {"signed_on": "2026-06-01", "down_payment": "1900000.00"},
               to="signed")
    return child(file_contract(u, con, "F-2"), "handover")


def survey(u, ho, measured: str):
    """The handover's notice starts its area settlement; the clerk enters the measured area. Returns the settlement."""
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2027-11-01"}, to="notified")
    return fire(u["contract_clerk"], child(ho, "area_settlement"), "enter_survey",
                {"measured_area": measured, "survey_report_no": "SV"}, to="review")

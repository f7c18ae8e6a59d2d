"""The flows' loose ends (issue 15, item 6), each as the scenario that showed it.

b. The buyer cancelling at the area settlement beyond the band ends the handover and
   terminates the filed contract (已解约, after the clerk deregisters the filing); a
   filed contract is otherwise closed when its handover delivers the unit.
c. The handover's fees are settled once: a second pass after a dispute does not add them again.

Every check reads the database back (tests/flows/steps.py).
"""
from datetime import date
from decimal import Decimal as D

import pytest

from engine.runtime import GuardFailed, TransitionNotAvailable, moves
from kernel import receivables
from kernel.models import ReceivableSchedule

from .steps import (
    approve, assert_last_history, assert_open_tasks, complete, fire, filed_contract, payments, pending_timers,
    refused, sale, state, survey,
)

DEREGISTER = ("deregister_filing", "work", "contract_clerk")


# -- b. cancelled at the area settlement ---------------------------------------------


def test_the_buyer_cancelling_at_the_area_settlement_terminates_the_filed_contract(world, customers):
    p, u, units = world
    hs, clerk, fin, director = u["handover_staff"], u["contract_clerk"], u["finance"], u["project_director"]
    ho = filed_contract(p, u, units[3], customers["c4"])
    con = ho.parent
    assert state(con) == "filed"
    # a filed contract cannot be terminated by hand: only the area settlement's cancellation does it
    error = refused(GuardFailed, director, con, "terminate", {"cancel_reason": "x"})
    assert "area settlement" in error.message("en")
    ars = survey(u, ho, "95.00")
    ars = approve(ars, fin, director, fires="approve_settlement", to="notifying")
    ars = fire(u["customer_service"], ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")

    ars = fire(director, ars, "buyer_cancels", {"cancel_reason": "5 % smaller"}, to="refund_pending")

    # the handover is closed: no task, no timer, nothing to book, inspect or take fees for
    assert (state(ho), pending_timers(ho)) == ("cancelled", [])
    assert_open_tasks(ho, set())
    refused(TransitionNotAvailable, hs, ho, "book_appointment", {"appointment_at": "2027-11-20T10:00:00+08:00"})
    refused(TransitionNotAvailable, fin, ho, "settle_fees", {"fees_due": "100.00", "fees_amount": "100.00"})
    # the contract no longer says filed: it is terminated once the clerk has the filing deregistered (撤销备案)
    assert state(con) == "filing_deregistration"
    assert_last_history(con, kind="transition", transition="terminate", from_state="filed",
                        to_state="filing_deregistration", actor=director, comment=ars.reference,
                        details={"by": ars.reference})
    assert_open_tasks(con, {DEREGISTER})
    con = fire(clerk, con, "deregister_filing", {"filing_deregistered_on": "2027-11-20"}, to="terminated")
    assert_open_tasks(con, set())
    assert con.is_closed and pending_timers(con) == []
    assert (con.data["cancel_reason"], con.data["filing_deregistered_on"]) == ("5 % smaller", "2027-11-20")
    assert sale(units[3]) == ("available", None)


# -- c. the handover's fees, once ----------------------------------------------------


def test_the_handover_fees_are_settled_once_even_after_a_dispute_and_a_second_inspection(world, customers):
    p, u, units = world
    hs, cs, fin = u["handover_staff"], u["customer_service"], u["finance"]
    ho = filed_contract(p, u, units[2], customers["c5"])
    ars = survey(u, ho, "100.00")
    ars = approve(ars, fin, u["project_director"], fires="approve_settlement", to="notifying")
    ars = fire(cs, ars, "notify_buyer", {"notified_on": "2027-11-02"}, to="awaiting_settlement")
    fire(fin, ars, "close_without_difference", to="settled")
    ho = fire(cs, ho, "book_appointment", {"appointment_at": "2027-11-10T10:00:00+08:00"}, to="appointed")
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-10"}, to="inspecting")
    ho = fire(hs, ho, "accept_inspection", to="settling_fees")
    complete(fin, ho, "confirm_area_settlement")
    ho = fire(fin, ho, "settle_fees", {"fees_due": "12000.00", "fees_amount": "12000.00"}, to="handing_keys")
    # the fees cannot be taken again by sending the handover back over them
    with pytest.raises(TransitionNotAvailable, match="settle_fees"):
        moves.send_back(u["project_director"], ho.pk, "settling_fees", "enter the fees again")

    # the buyer refuses the keys; the dispute is settled and the unit inspected again
    ho = fire(hs, ho, "refuse", {"refusal_reason": "a scratched door"}, to="dispute")
    ho = fire(cs, ho, "resume", {"dispute_resolution": "door replaced",
                                 "appointment_at": "2027-11-20T10:00:00+08:00"}, to="appointed")
    ho = fire(hs, ho, "start_inspection", {"inspection_date": "2027-11-20"}, to="inspecting")

    # signed off again: the fees are settled already, so it goes straight to the keys
    ho = fire(hs, ho, "accept_inspection", to="handing_keys")
    assert ho.data.get("fees_settled_on") is not None

    s = receivables.statement(ReceivableSchedule.objects.get(project_id=p.pk), date(2027, 11, 20))
    assert [(line.kind, line.amount, line.received) for line in s.lines if line.kind == "fee"] == [
        ("fee", D("12000.00"), D("12000.00"))]
    assert [x for x in payments(ho) if x[1] == "fee"] == [(ho.reference, "fee", D("12000.00"))]
    # delivered: the filed contract is fulfilled and closes with it; nobody closes it by hand
    con = ho.parent
    refused(GuardFailed, u["handover_staff"], con, "deliver")
    ho = fire(hs, ho, "hand_over", {"certificate_no": "JJ-2", "handed_over_on": "2027-11-21"}, to="delivered")
    assert sale(units[2]) == ("delivered", ho.reference)
    assert_last_history(con, kind="transition", transition="deliver", from_state="filed", to_state="delivered",
                        actor=hs, comment=ho.reference, details={"by": ho.reference})
    con.refresh_from_db()
    assert con.is_closed and pending_timers(con) == []

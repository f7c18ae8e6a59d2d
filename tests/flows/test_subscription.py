"""Subscriptions 认购 (flows/subscription.yaml) through the service API.

The quote comes from S1's pricing rules (conftest). At every step: the record's state
and the history entry the step wrote (checked by the steps), its open tasks, the
unit's sale status and who holds it, the ledger.
"""
from datetime import timedelta
from decimal import Decimal as D

import pytest

from engine import versions
from engine.runtime import InvalidForm, NotPermitted, TransitionNotAvailable, moves, records, transitions
from engine.runtime.errors import ActionFailed
from kernel.models import Project, Unit
from tests.kernel.conftest import make_units, make_user

from .steps import (
    approve,
    assert_escalated,
    assert_last_history,
    assert_open_tasks,
    child,
    fire,
    payments,
    pending_timers,
    queued,
    refused,
    reject,
    run_timers,
    sale,
    send_back,
    state,
    vote,
    withdraw,
)

PREPARE = ("prepare_subscription", "work", "sales_consultant")
ARRANGE = ("arrange_signing", "work", "sales_consultant")
MANAGER_DISCOUNT = ("manager_discount_approval", "approval", "sales_manager")


def slots(name, *roles):
    return [(name, "approval", role) for role in roles]


def started(p, u, customer, unit=None):
    data = {"customer_id": customer.pk, **({"unit_id": unit.pk} if unit else {})}
    sub = records.start_record(u["sales_consultant"], p, "subscription", data)
    assert_last_history(sub, kind="start", to_state="draft", actor=u["sales_consultant"])
    assert_open_tasks(sub, {PREPARE})
    return sub


def terms(customer, deposit="30000.00", **more):
    return {"buyers": [{"customer_id": customer.pk}], "deposit": deposit, **more}


def test_picked_quoted_submitted_changed_and_sent_to_the_contract(world, customers):
    p, u, units = world
    sc, mgr, director, fin, clerk = (u[r] for r in ("sales_consultant", "sales_manager", "project_director",
                                                    "finance", "contract_clerk"))
    buyer, spouse, referrer = customers["buyer"], customers["spouse"], customers["referrer"]
    q = queued(p, u, buyer)
    assert q.data["queue_number"] == "A-0001"
    q = fire(mgr, q, "call", to="called")
    q = fire(sc, q, "pick_subscription", {"unit_id": units[0].pk}, to="subscribed")
    assert sale(units[0]) == ("reserved", q.reference)
    sub = child(q, "subscription")
    assert sub.data["consultant_id"] == sc.pk
    # the sincerity deposit is carried: shown, and the deposit asked for starts from it
    assert (sub.data["deposit_carried"], sub.data["deposit"]) == ("20000.00", "20000.00")
    assert_open_tasks(sub, {PREPARE})

    # the quote: combined loan (mortgage 99 折), a referral (99 折) and 1 % off by hand
    sub = fire(sc, sub, "quote", {"unit_id": units[0].pk, "payment_plan": "combined",
                                  "discount_codes": ["referral"], "discount_rate": "0.01"}, to="draft")
    assert_open_tasks(sub, {PREPARE})
    snapshot = sub.data["price_snapshot"]
    # 3 058 300.00 × 0.99 = 3 027 717.00, × 0.99 = 2 997 439.83, × 0.99 = 2 967 465.43 → 2 967 465.00
    assert [d["after"] for d in snapshot["discounts"]] == ["3027717.00", "2997439.83"]
    assert (snapshot["manual_discount"]["after"], snapshot["deal_price"], snapshot["approval"]) == (
        "2967465.43", "2967465.00", "none")
    assert (sub.data["list_price"], sub.data["deal_price"], sub.state) == ("3058300.00", "2967465.00", "draft")
    assert sale(units[0]) == ("reserved", q.reference) and payments(sub) == []  # quoting holds and takes nothing
    deal = terms(buyer, "50000.00", channel="agency_a", referrer_id=referrer.pk)
    sub = fire(sc, sub, "submit", deal, to="awaiting_contract")  # within the allowance: no approval
    assert_open_tasks(sub, {ARRANGE})
    assert sale(units[0]) == ("subscribed", sub.reference)
    # a deposit of 50 000.00, of which the 20 000.00 sincerity deposit was received on the queue number
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]
    assert sub.data["price_snapshot"] == snapshot  # frozen: submitting does not price again
    assert pending_timers(sub) == [("arrange_signing_deadline", "escalate", ("sales_manager",)),
                                   ("contract_overdue", "escalate", ("project_director",))]

    # change of unit: the requested unit is held and quoted on the deal's terms; the approval takes that quote
    Unit.objects.filter(pk=units[1].pk).update(list_price=D("3100000.00"))
    sub = fire(sc, sub, "request_unit_change", {"change_unit_id": units[1].pk, "change_reason": "higher floor"},
               to="unit_change_review")
    assert_open_tasks(sub, slots("unit_change_approval", "sales_manager", "project_director"))
    assert (sale(units[0]), sale(units[1])) == (("subscribed", sub.reference), ("reserved", sub.reference))
    # 3 100 000.00 × 0.99 × 0.99 = 3 038 310.00, × 0.99 = 3 007 926.90 → 3 007 927.00
    assert sub.data["change_price_snapshot"]["deal_price"] == "3007927.00" and sub.data["deal_price"] == "2967465.00"
    sub = approve(sub, mgr, director, fires="approve_unit_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sub.data["unit_id"] == units[1].pk
    assert (sub.data["list_price"], sub.data["deal_price"]) == ("3100000.00", "3007927.00")
    assert sub.data["price_snapshot"]["unit"]["id"] == units[1].pk
    assert (sale(units[0]), sale(units[1])) == (("available", None), ("subscribed", sub.reference))

    # a rejected change of unit releases the requested unit and keeps the price
    sub = fire(sc, sub, "request_unit_change", {"change_unit_id": units[2].pk, "change_reason": "x"},
               to="unit_change_review")
    assert sale(units[2]) == ("reserved", sub.reference)
    sub = reject(sub, mgr, fires="reject_unit_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sale(units[2]) == ("available", None) and sub.data["unit_id"] == units[1].pk
    assert sub.data["deal_price"] == "3007927.00"

    # a manual discount above the rules' maximum is refused when it is requested
    error = refused(ActionFailed, mgr, sub, "request_price_change",
                    {"change_discount_rate": "0.12", "change_reason": "x"})
    assert error.message("en") == "a manual discount of 0.12 is not allowed (the most anyone may grant is 0.10)"
    # price change: 1.5 % by hand instead of 1 %, countersigned
    sub = fire(mgr, sub, "request_price_change", {"change_discount_rate": "0.015", "change_reason": "launch discount"},
               to="price_change_review")
    assert_open_tasks(sub, slots("price_change_countersign", "project_director", "finance"))
    sub = approve(sub, director, fin, fires="approve_price_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    # 3 038 310.00 × 0.985 = 2 992 735.35 → 2 992 735.00
    assert (sub.data["deal_price"], sub.data["discount_rate"]) == ("2992735.00", "0.015")
    assert sub.data["price_snapshot"]["manual_discount"]["rate"] == "0.015"

    sub = fire(sc, sub, "request_buyer_change", {"change_buyers": [{"customer_id": spouse.pk, "share": "0.5"},
                                                                   {"customer_id": buyer.pk, "share": "0.5"}],
                                                 "change_reason": "spouse"}, to="buyer_change_review")
    assert_open_tasks(sub, slots("buyer_change_approval", "sales_manager", "project_director"))
    sub = approve(sub, director, mgr, fires="approve_buyer_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sub.data["customer_id"] == spouse.pk and len(sub.data["buyers"]) == 2

    sub = fire(clerk, sub, "sign", to="contracted")
    assert_open_tasks(sub, set())
    assert pending_timers(sub) == []
    con = child(sub, "contract")
    assert con.state == "drafting" and con.data["deal_price"] == "2992735.00"
    assert (con.data["channel"], con.data["referrer_id"], con.data["customer_id"]) == (
        "agency_a", referrer.pk, spouse.pk)
    assert_last_history(con, kind="start", to_state="drafting", actor=clerk, details={"parent": sub.reference})
    assert_open_tasks(con, {("draft_contract", "work", "contract_clerk")})
    assert sale(units[1]) == ("subscribed", sub.reference)  # the contract takes it over when it signs
    assert payments(q, sub, con) == [(q.reference, "sincerity_deposit", D("20000.00")),
                                     (sub.reference, "deposit", D("30000.00"))]


def test_a_countersigned_discount_rejected_then_the_draft_cancelled(world, customers):
    p, u, units = world
    sc, mgr, director = u["sales_consultant"], u["sales_manager"], u["project_director"]
    c4 = customers["c4"]
    sub = started(p, u, c4)
    sub = fire(sc, sub, "quote", {"unit_id": units[11].pk, "payment_plan": "commercial_mortgage",
                                  "discount_rate": "0.08"}, to="draft")
    assert sub.data["price_snapshot"]["approval"] == "countersign"  # above 5 %: director and finance
    sub = fire(sc, sub, "submit", terms(c4), to="discount_review")  # the same submit, routed by the quote
    assert_open_tasks(sub, slots("discount_countersign", "project_director", "finance"))
    # held while the discount is decided, but not subscribed: no deposit is taken yet
    assert sale(units[11]) == ("reserved", sub.reference) and payments(sub) == []

    sub = reject(sub, director, fires="reject_discount", to="draft")
    assert_open_tasks(sub, {PREPARE})
    # back to what it was before the submit: this deal held nothing then (tests/flows/test_loose_ends.py)
    assert sale(units[11]) == ("available", None)
    refused(NotPermitted, sc, sub, "cancel", {"cancel_reason": "gave up"})

    sub = fire(mgr, sub, "cancel", {"cancel_reason": "gave up"}, to="cancelled")
    assert_open_tasks(sub, set())
    assert sale(units[11]) == ("available", None) and payments(sub) == []


def test_a_rejected_manager_discount_puts_the_unit_back_on_sale_until_submitted_again(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    c = customers["c7"]
    sub = started(p, u, c, units[5])
    sub = fire(sc, sub, "quote", {"unit_id": units[5].pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")
    assert sale(units[5]) == ("reserved", sub.reference)

    sub = reject(sub, mgr, fires="reject_manager_discount", to="draft")
    assert sale(units[5]) == ("available", None) and payments(sub) == []
    sub = fire(sc, sub, "quote", {"unit_id": units[5].pk, "payment_plan": "full", "discount_rate": "0.02"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")
    assert sale(units[5]) == ("subscribed", sub.reference)
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]


def test_a_countersigned_discount_approved_takes_the_deposit(world, customers):
    p, u, units = world
    c = customers["c5"]
    sub = started(p, u, c)
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[3].pk, "payment_plan": "full",
                                                    "discount_rate": "0.06"}, to="draft")
    sub = fire(u["sales_consultant"], sub, "submit", terms(c), to="discount_review")

    sub = approve(sub, u["finance"], u["project_director"], fires="approve_discount", to="awaiting_contract")

    assert_open_tasks(sub, {ARRANGE})
    assert sale(units[3]) == ("subscribed", sub.reference)
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]
    # 3 058 300.00 × 0.98 = 2 997 134.00, × 0.94 = 2 817 305.96 → 2 817 306.00
    assert sub.data["deal_price"] == "2817306.00"


def test_the_manager_sends_a_discount_back_and_the_consultant_submits_within_the_allowance(world, customers):
    p, u, units = world
    sc, mgr = u["sales_consultant"], u["sales_manager"]
    c = customers["c6"]
    sub = started(p, u, c, units[4])
    sub = fire(sc, sub, "quote", {"unit_id": units[4].pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")
    assert_open_tasks(sub, {MANAGER_DISCOUNT})
    # the unit was held by submitting: withdrawing cannot undo that
    with pytest.raises(TransitionNotAvailable, match="ran actions"):
        moves.withdraw(sc, sub.pk, "too much")

    sub = send_back(mgr, sub, "draft", "2 % at most for this unit")

    assert_open_tasks(sub, {PREPARE})
    # a draft holds no unit: the hold the submit took is given up (back on sale), nothing was paid
    assert sale(units[4]) == ("available", None) and payments(sub) == []
    sub = fire(sc, sub, "quote", {"unit_id": units[4].pk, "payment_plan": "full", "discount_rate": "0.02"}, to="draft")
    assert sub.data["price_snapshot"]["approval"] == "none"
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sale(units[4]) == ("subscribed", sub.reference)
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]  # taken once


def test_change_requests_withdrawn_or_rejected_leave_the_deal_as_it_was(world, customers):
    p, u, units = world
    sc, mgr, director, fin = u["sales_consultant"], u["sales_manager"], u["project_director"], u["finance"]
    c, spouse = customers["c7"], customers["spouse"]
    sub = started(p, u, c, units[5])
    sub = fire(sc, sub, "quote", {"unit_id": units[5].pk, "payment_plan": "full"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")
    change = {"change_buyers": [{"customer_id": spouse.pk}], "change_reason": "gift"}

    # 撤回: nobody has voted yet, so the consultant takes the request back
    sub = fire(sc, sub, "request_buyer_change", change, to="buyer_change_review")
    with pytest.raises(NotPermitted, match="withdraw a step you did not submit"):
        moves.withdraw(mgr, sub.pk, "not mine")
    sub = withdraw(sc, sub, to="awaiting_contract", comment="asked too early")
    assert_open_tasks(sub, {ARRANGE})

    # once the manager has voted it is too late to withdraw; the director's rejection decides
    sub = fire(sc, sub, "request_buyer_change", change, to="buyer_change_review")
    sub = vote(sub, mgr)
    assert_open_tasks(sub, slots("buyer_change_approval", "project_director"))
    with pytest.raises(TransitionNotAvailable, match="already acted"):
        moves.withdraw(sc, sub.pk, "too late")
    sub = reject(sub, director, fires="reject_buyer_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sub.data["customer_id"] == c.pk and sub.data["buyers"] == [{"customer_id": c.pk}]

    # a rejected price change keeps the price
    sub = fire(mgr, sub, "request_price_change", {"change_discount_rate": "0.03", "change_reason": "x"},
               to="price_change_review")
    sub = reject(sub, fin, fires="reject_price_change", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert (sub.data["deal_price"], sub.data.get("discount_rate")) == ("2997134.00", None)

    # a rejected cancellation keeps the deal and the unit
    sub = fire(sc, sub, "request_cancel", {"cancel_reason": "second thoughts"}, to="cancel_review")
    assert_open_tasks(sub, slots("cancel_countersign", "project_director", "finance"))
    sub = reject(sub, director, fires="reject_cancel", to="awaiting_contract")
    assert_open_tasks(sub, {ARRANGE})
    assert sale(units[5]) == ("subscribed", sub.reference)
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]


def test_a_cancellation_approved_then_the_deposit_forfeited(world, customers):
    p, u, units = world
    sc, fin = u["sales_consultant"], u["finance"]
    c = customers["c8"]
    sub = started(p, u, c, units[6])
    sub = fire(sc, sub, "quote", {"unit_id": units[6].pk, "payment_plan": "installments"}, to="draft")
    sub = fire(sc, sub, "submit", terms(c), to="awaiting_contract")
    sub = fire(u["sales_manager"], sub, "request_cancel", {"cancel_reason": "buyer default"}, to="cancel_review")

    sub = approve(sub, u["project_director"], fin, fires="approve_cancel", to="refund_pending")
    assert_open_tasks(sub, {("pay_refund", "work", "finance")})
    assert sale(units[6]) == ("available", None)

    sub = fire(fin, sub, "forfeit_deposit", {"forfeit_reason": "定金罚则"}, to="cancelled")
    assert_open_tasks(sub, set())
    assert payments(sub) == [(sub.reference, "deposit", D("30000.00"))]  # kept: no refund entry


def test_a_deal_not_contracted_in_time_escalates(world, customers):
    p, u, units = world
    c = customers["c9"]
    sub = started(p, u, c, units[7])
    sub = fire(u["sales_consultant"], sub, "quote", {"unit_id": units[7].pk, "payment_plan": "full"}, to="draft")
    sub = fire(u["sales_consultant"], sub, "submit", terms(c), to="awaiting_contract")

    # 7 days: the signing is overdue, the sales manager hears
    assert run_timers(timedelta(days=7, hours=1)) == 1
    assert_last_history(sub, kind="escalate", details={"timer": "arrange_signing_deadline", "to": ["sales_manager"]})
    assert_escalated(sub, "arrange_signing", ["sales_manager"])
    # 10 days: the director too
    assert run_timers(timedelta(days=10, hours=1)) == 1
    assert_last_history(sub, kind="escalate", details={"timer": "contract_overdue", "to": ["project_director"]})
    assert_escalated(sub, "arrange_signing", ["sales_manager", "project_director"])
    assert_open_tasks(sub, {ARRANGE})
    assert state(sub) == "awaiting_contract" and sale(units[7]) == ("subscribed", sub.reference)


def test_submitting_needs_a_quote(world, customers):
    p, u, units = world
    sc, c = u["sales_consultant"], customers["c9"]
    sub = started(p, u, c, units[6])
    # no quote: no list or deal price, and no approval to route on
    error = refused(InvalidForm, sc, sub, "submit", terms(c))
    assert "list_price" in str(error) and "deal_price" in str(error)
    assert (state(sub), sale(units[6])) == ("draft", ("available", None))
    # an unknown discount is refused by the pricing rules, in the consultant's words
    error = refused(ActionFailed, sc, sub, "quote", {"unit_id": units[6].pk, "payment_plan": "full",
                                                    "discount_codes": ["staff"]})
    assert error.message("zh") == "本项目定价规则中没有折扣「staff」（现有：full_payment, mortgage, referral）"
    assert_open_tasks(sub, {PREPARE})


def test_a_project_without_rules_is_refused_by_the_plugin_in_words_that_say_what_to_do(db, customers):
    bare = Project.objects.create(code="NORULES", name="No rules yet")
    consultant = make_user("nr_consultant", bare, "sales_consultant")
    unit = make_units(bare, 1)[0]
    versions.publish(bare, "subscription")
    sub = records.start_record(consultant, bare, "subscription", {"customer_id": customers["c10"].pk})

    error = refused(ActionFailed, consultant, sub, "quote", {"unit_id": unit.pk, "payment_plan": "full"})

    assert error.message("en") == (
        "project NORULES has no pricing rules yet: an admin must set them "
        "(manage.py rules publish --project NORULES pricing FILE)")
    assert error.message("zh") == (
        "项目 NORULES 尚未配置pricing规则，请管理员先设置（manage.py rules publish --project NORULES pricing 文件）")
    sub.refresh_from_db()
    assert (sub.state, sub.revision, "price_snapshot" in sub.data) == ("draft", 1, False)
    assert_open_tasks(sub, {PREPARE})


def test_a_draft_without_a_unit_is_cancelled_by_the_manager(world, customers):
    p, u, units = world
    sub = started(p, u, customers["buyer"])
    sub = fire(u["sales_manager"], sub, "cancel", {"cancel_reason": "no"}, to="cancelled")
    assert_open_tasks(sub, set())
    assert payments(sub) == [] and [status for status, _ in map(sale, units)] == ["available"] * 12


def test_one_submit_is_offered_once_quoted_and_routed_by_the_quotes_approval(world, customers):
    p, u, units = world
    sc, c = u["sales_consultant"], customers["c9"]
    sub = started(p, u, c, units[8])

    def offered():
        return {a.name: a.offered for a in transitions.available_transitions(sc, sub.pk)}

    # no quote yet: the form cannot supply one, so submitting is not offered, only quoting (and nothing else)
    assert offered() == {"quote": True, "submit": False}
    [submit] = [a for a in transitions.available_transitions(sc, sub.pk) if a.name == "submit"]
    assert (submit.reason.zh, submit.targets) == (
        "请先报价，再提交认购", ("discount_review", "manager_discount_review", "awaiting_contract"))

    sub = fire(sc, sub, "quote", {"unit_id": units[8].pk, "payment_plan": "full", "discount_rate": "0.04"}, to="draft")
    assert offered() == {"quote": True, "submit": True}
    sub = fire(sc, sub, "submit", terms(c), to="manager_discount_review")
    assert payments(sub) == []  # the approval records the deposit, not the submit
    assert_last_history(sub, kind="transition", transition="submit", from_state="draft",
                        to_state="manager_discount_review", actor=sc,
                        details={"actions_ran": ["unit.hold", "receivables.schedule", "record.set", "record.set"]})

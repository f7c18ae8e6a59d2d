"""Conditional targets at run time: the first branch that holds wins, and a page knows which steps can still succeed."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from definitions.model import Text
from engine import versions
from engine.runtime import moves, records, transitions
from engine.runtime.errors import GuardFailed, InvalidForm, TransitionNotAvailable
from kernel.models import Payment

ROUTER_YAML = """\
format: 1
name: router
title: {zh: 分流, en: Router}
entity:
  name: router
  schema:
    type: object
    properties:
      amount: {type: string, format: money}
      level: {enum: [low, high]}
      note: {type: string}
      count: {type: integer}
    required: [amount]
reference_prefix: RTR
start: {state: draft, roles: [sales_consultant]}
states:
  - {name: draft, title: {zh: 草稿, en: Draft}, owners: [sales_consultant], partial: true}
  - {name: review, title: {zh: 审批, en: Review}, owners: [sales_manager]}
  - {name: open, title: {zh: 进行中, en: Open}, owners: [sales_consultant]}
  - {name: parked, title: {zh: 搁置, en: Parked}, owners: [sales_consultant], partial: true}
  - {name: done, title: {zh: 完成, en: Done}, final: true}
transitions:
  - name: submit
    title: {zh: 提交, en: Submit}
    from: draft
    to:
      - {when: "decimal(record.amount) > 1000", state: review}
      - {when: "form.urgent == True", state: review}
      - {state: open}
    roles: [sales_consultant]
    form: {fields: [amount], required: [amount], extra: {urgent: {type: boolean}}}
    actions:
      - action: payment.record
        args: {kind: deposit, amount: record.amount}
        when: decimal(record.amount) <= 1000 and form.urgent != True
  - name: shelve
    title: {zh: 搁置, en: Shelve}
    from: draft
    to:
      - {when: "form.later == True", state: parked}
      - {state: open}
    roles: [sales_consultant]
    form: {fields: [amount], extra: {later: {type: boolean}}}
  - name: resume
    from: parked
    to: draft
    roles: [sales_consultant]
  - name: approve
    from: review
    to: open
    roles: [sales_manager]
  - name: edit
    title: {zh: 修改, en: Edit}
    from: open
    to: open
    roles: [sales_consultant]
    form: {fields: [level, note, count]}
  - name: by_level
    title: {zh: 按级别, en: By level}
    from: open
    to:
      - {when: "record.level == 'low'", state: done}
      - {when: "record.level == 'high'", state: review}
    roles: [sales_consultant]
  - name: by_ratio
    title: {zh: 按比例, en: By ratio}
    from: open
    to:
      - {when: "10 / (record.count or 0) > 1", state: done}
      - {state: review}
    roles: [sales_consultant]
  - name: close
    title: {zh: 关闭, en: Close}
    from: open
    to: done
    roles: [sales_consultant]
    guard: record.note == 'ok'
    guard_message: {zh: 备注须为 ok, en: The note must be ok}
  - name: close_with_note
    title: {zh: 填写备注并关闭, en: Close with a note}
    from: open
    to: done
    roles: [sales_consultant]
    form: {fields: [note]}
    guard: record.note == 'ok'
"""


@pytest.fixture
def router(flows_dir, people):
    (flows_dir / "router.yaml").write_text(ROUTER_YAML, encoding="utf-8")
    versions.publish(people["p1"], "router")
    return people


def start(p, data=None):
    return records.start_record(p["consultant"], p["p1"], "router", data or {})


def fire(p, record, name, form=None, who="consultant"):
    return transitions.fire(p[who], record.pk, name, form)


def payments(record):
    return [(x.kind, x.amount) for x in Payment.objects.filter(record_id=record.pk).order_by("pk")]


def last_entry(record):
    return record.history.order_by("-seq").first()


def opened(p, **data):
    """A router record in open, with `data` set through the edit step."""
    record = fire(p, start(p), "submit", {"amount": "500.00"})
    return fire(p, record, "edit", data) if data else record


def offers(p, record, who="consultant"):
    return {a.name: (a.offered, a.reason) for a in transitions.available_transitions(p[who], record.pk)}


def test_the_first_branch_that_holds_wins_and_the_history_says_where_it_went(router):
    p = router

    big = fire(p, start(p), "submit", {"amount": "5000.00"})
    small = fire(p, start(p), "submit", {"amount": "500.00"})

    assert (big.state, small.state) == ("review", "open")
    assert (last_entry(big).transition, last_entry(big).from_state, last_entry(big).to_state) == (
        "submit", "draft", "review")
    assert last_entry(small).to_state == "open"
    assert (payments(big), payments(small)) == ([], [("deposit", Decimal("500.00"))])


def test_a_branch_may_read_the_form(router):
    p = router

    record = fire(p, start(p), "submit", {"amount": "500.00", "urgent": True})

    assert (record.state, payments(record)) == ("review", [])


def test_the_history_entry_says_which_conditional_actions_ran(router):
    p = router

    big = fire(p, start(p), "submit", {"amount": "5000.00"})
    small = fire(p, start(p), "submit", {"amount": "500.00"})

    assert (last_entry(big).details, last_entry(small).details) == (
        {"actions_ran": []}, {"actions_ran": ["payment.record"]})


def test_no_branch_holding_refuses_the_step_in_words_and_changes_nothing(router):
    p = router
    record = opened(p)
    before = (record.state, record.revision, record.history.count())

    with pytest.raises(GuardFailed) as refused:
        fire(p, record, "by_level")

    conditions = "record.level == 'low'; record.level == 'high'"
    assert refused.value.message("en") == (
        f"'By level' cannot go to Done or Review now: none of its conditions holds ({conditions})")
    assert refused.value.message("zh") == f"「按级别」目前不能进入「完成」或「审批」：各去向条件均不满足（{conditions}）"
    record.refresh_from_db()
    assert (record.state, record.revision, record.history.count()) == before


def test_a_branch_that_cannot_be_computed_refuses_the_step_saying_which_condition(router):
    p = router
    record = opened(p)

    with pytest.raises(GuardFailed) as refused:
        fire(p, record, "by_ratio")

    assert refused.value.message("en") == (
        "where 'By ratio' leads could not be worked out: division by zero (in 10 / (record.count or 0) > 1)")
    assert refused.value.message("zh") == "无法判断「按比例」的去向：division by zero（10 / (record.count or 0) > 1）"


def test_the_state_the_branch_chose_decides_whether_the_form_may_be_incomplete(router):
    p = router

    parked = fire(p, start(p), "shelve", {"later": True})  # parked is partial: no amount needed
    with pytest.raises(InvalidForm) as refused:
        fire(p, start(p), "shelve", {})  # open is not: the amount is required there

    assert parked.state == "parked"
    assert refused.value.errors == {"amount": ["this field is required"]}


def test_a_send_back_over_a_step_whose_payment_was_skipped_is_allowed(router):
    p = router
    skipped = fire(p, start(p), "submit", {"amount": "5000.00"})  # to review, no deposit taken
    paid = fire(p, fire(p, start(p), "submit", {"amount": "500.00"}), "edit", {"note": "x"})

    skipped = moves.send_back(p["manager"], skipped.pk, "draft", "amount too high")
    with pytest.raises(TransitionNotAvailable, match="ran “Record a receipt or refund”"):
        moves.send_back(p["manager"], paid.pk, "draft", "redo")

    assert skipped.state == "draft"


def test_steps_the_records_data_already_refuses_are_not_offered(router):
    p = router
    record = opened(p)

    offered = offers(p, record)

    assert offered["close"] == (False, Text("备注须为 ok", "The note must be ok"))
    assert offered["by_level"] == (False, Text(
        "「按级别」目前不能进入「完成」或「审批」：各去向条件均不满足（record.level == 'low'; record.level == 'high'）",
        "'By level' cannot go to Done or Review now: none of its conditions holds "
        "(record.level == 'low'; record.level == 'high')"))
    assert offered["by_ratio"][0] is False  # its condition cannot be computed on this data
    # what the form can change stays offered: the user has yet to fill it in
    assert offered["close_with_note"] == (True, None) and offered["edit"] == (True, None)


def test_a_step_is_offered_once_the_record_satisfies_it(router):
    p = router
    record = opened(p, note="ok", level="low", count=2)

    offered = offers(p, record)

    assert {name for name, (ok, _) in offered.items() if ok} == {
        "edit", "by_level", "by_ratio", "close", "close_with_note"}


def test_available_steps_list_every_destination(router):
    p = router

    [shelve, submit] = sorted(transitions.available_transitions(p["consultant"], start(p).pk), key=lambda a: a.name)

    assert (submit.to, submit.targets, submit.offered) == ("open", ("review", "open"), True)
    assert (shelve.to, shelve.targets) == ("open", ("parked", "open"))


def test_judging_the_steps_reads_nothing_per_step(router):
    p = router
    in_open = opened(p)  # five steps to judge
    in_review = fire(p, start(p), "submit", {"amount": "5000.00"})  # one

    with CaptureQueriesContext(connection) as five:
        assert len(transitions.available_transitions(p["consultant"], in_open.pk)) == 5
    with CaptureQueriesContext(connection) as one:
        assert len(transitions.available_transitions(p["manager"], in_review.pk)) == 1

    assert len(five) == len(one)

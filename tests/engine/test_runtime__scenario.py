"""One discount approval through the service API only, asserting tasks and history at each step."""
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import versions
from engine.models import Task, Timer
from engine.runtime import (
    GuardFailed,
    InvalidForm,
    NotPermitted,
    TransitionNotAvailable,
    approvals,
    moves,
    records,
    tasks,
    transitions,
)
from engine.runtime.inbox import inbox
from engine.runtime.timers import fire_due_timers

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


def open_tasks(record):
    return sorted((t.name, tuple(t.roles), t.assignee.username if t.assignee else None)
                  for t in Task.objects.filter(record=record, status="open").select_related("assignee"))


def story(record):
    return [(h.kind, h.from_state, h.to_state, h.actor.username if h.actor else None)
            for h in record.history.select_related("actor").order_by("seq")]


@pytest.fixture
def flow(engine_flows, people):
    versions.publish(people["p1"], "discount")
    return people


def test_discount_approval_from_draft_to_done(flow):
    p = flow
    # given a draft started by a consultant
    record = records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})
    assert (record.reference, record.state, record.data) == ("DSC-000001", "draft", {"unit_id": 7})
    assert open_tasks(record) == [("prepare", ("sales_consultant",), None)]

    # a submit with a bad form is refused field by field, and nothing changes
    with pytest.raises(InvalidForm) as bad:
        transitions.fire(p["consultant"], record.pk, "submit", {"unit_id": 7, "price": "12.345"})
    assert bad.value.errors == {"price": ["'12.345' is not an amount of money: at most two decimals, e.g. \"12.50\""],
                                "discount_rate": ["this field is required"]}
    # a discount within the allowance fails the guard with the definition's words
    with pytest.raises(GuardFailed) as guard:
        transitions.fire(p["consultant"], record.pk, "submit", {**GOOD, "discount_rate": "0.01"})
    assert guard.value.message("zh") == "折扣未超出权限，无需审批"
    record.refresh_from_db()
    assert (record.state, record.revision, len(story(record))) == ("draft", 1, 1)

    # when the consultant submits
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD, comment="5% for a returning buyer")

    # then the countersign opens one slot per role, due in 24 hours
    assert record.state == "review"
    assert open_tasks(record) == [("countersign", ("finance",), None), ("countersign", ("project_director",), None)]
    slot_director = Task.objects.get(record=record, status="open", roles=["project_director"])
    assert abs(slot_director.due_at - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert [t.name for t in inbox(p["director"])] == ["countersign"]
    assert [t.name for t in inbox(p["consultant"])] == []

    # the director approves: still waiting for finance
    approvals.vote(p["director"], slot_director.pk, "approve", "ok")
    record.refresh_from_db()
    assert record.state == "review"
    assert open_tasks(record) == [("countersign", ("finance",), None)]

    # finance approves: the approval fires `approve`
    slot_finance = Task.objects.get(record=record, status="open")
    approvals.vote(p["fin"], slot_finance.pk, "approve", "fine")
    record.refresh_from_db()
    assert record.state == "ready"
    assert open_tasks(record) == [("check_documents", ("sales_manager",), None), ("confirm", ("finance",), None)]

    # confirm needs the parallel document check first
    with pytest.raises(TransitionNotAvailable, match="needs these tasks done first: check_documents"):
        transitions.fire(p["fin"], record.pk, "confirm")
    check = Task.objects.get(record=record, name="check_documents", status="open")
    tasks.complete(p["manager"], check.pk, "documents complete")
    transitions.fire(p["fin"], record.pk, "confirm")

    record.refresh_from_db()
    assert (record.state, record.is_closed) == ("done", True)
    assert open_tasks(record) == []
    assert story(record) == [
        ("start", "", "draft", "consultant"),
        ("transition", "draft", "review", "consultant"),
        ("vote", "", "", "director"),
        ("vote", "", "", "fin"),
        ("transition", "review", "ready", "fin"),
        ("complete", "", "", "manager"),
        ("transition", "ready", "done", "fin"),
    ]
    submit = record.history.get(seq=2)
    assert submit.comment == "5% for a returning buyer"
    assert submit.changes == {"price": [None, "1000000.00"], "discount_rate": [None, "0.05"]}
    assert Timer.objects.filter(record=record, status="pending").count() == 0


def test_rejection_send_back_and_withdraw(flow):
    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD)

    # a rejection by either countersigner sends the record back to draft at once
    slot = Task.objects.get(record=record, status="open", roles=["finance"])
    approvals.vote(p["fin"], slot.pk, "reject", "price list outdated")
    record.refresh_from_db()
    assert record.state == "draft"
    assert open_tasks(record) == [("prepare", ("sales_consultant",), None)]

    # the consultant submits again, then withdraws before anyone acts
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    record = moves.withdraw(p["consultant"], record.pk, "wrong unit")
    assert record.state == "draft"
    assert open_tasks(record) == [("prepare", ("sales_consultant",), None)]
    # someone else cannot withdraw the consultant's step
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    with pytest.raises(NotPermitted, match="withdraw a step you did not submit"):
        moves.withdraw(p["consultant2"], record.pk)

    # once the director has voted, withdrawing is too late; the director sends it back instead
    slot = Task.objects.get(record=record, status="open", roles=["project_director"])
    approvals.vote(p["director"], slot.pk, "approve")
    with pytest.raises(TransitionNotAvailable, match="someone has already acted"):
        moves.withdraw(p["consultant"], record.pk)
    with pytest.raises(TransitionNotAvailable, match="has not been in “Ready” before"):
        moves.send_back(p["fin"], record.pk, "ready", "no")
    record = moves.send_back(p["fin"], record.pk, "draft", "attach the signed quote")

    assert record.state == "draft"
    assert [k for k, *_ in story(record)] == [
        "start", "transition", "vote", "transition", "transition", "withdraw", "transition", "vote", "send_back"]
    assert record.history.order_by("-seq").first().comment == "attach the signed quote"


def test_missed_deadline_escalates_and_expiry_timer_fires(flow):
    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    assert [t.name for t in inbox(p["manager"])] == []

    # 25 hours later the countersign is overdue: the sales manager sees it
    assert fire_due_timers(timezone.now() + timedelta(hours=25)) == 2  # one escalation per slot
    assert sorted(t.roles[0] for t in inbox(p["manager"])) == ["finance", "project_director"]
    assert [t.name for t in inbox(p["manager"], overdue=True)] == []  # due in 24h, checked at real now
    assert story(record)[-1] == ("escalate", "", "", None)
    # firing again does nothing: each timer fires once
    assert fire_due_timers(timezone.now() + timedelta(hours=26)) == 0

    for role, user in (("project_director", "director"), ("finance", "fin")):
        approvals.vote(p[user], Task.objects.get(record=record, status="open", roles=[role]).pk, "approve")
    record.refresh_from_db()
    assert record.state == "ready"

    # nobody confirms for three days: the expiry timer fires `lapse`
    assert fire_due_timers(timezone.now() + timedelta(days=3, minutes=1)) == 1
    record.refresh_from_db()
    assert (record.state, record.is_closed) == ("lapsed", True)
    assert open_tasks(record) == []
    assert story(record)[-1] == ("timer", "ready", "lapsed", None)


def test_claim_transfer_delegate_and_add_approver(flow):
    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    prepare = Task.objects.get(record=record, name="prepare")

    # claiming makes the task the consultant's; a colleague of the same role no longer sees it
    tasks.claim(p["consultant"], prepare.pk)
    tasks.claim(p["consultant"], prepare.pk)  # a double click claims once
    assert [t.pk for t in inbox(p["consultant2"])] == []
    with pytest.raises(NotPermitted, match="while consultant holds this step"):
        transitions.fire(p["consultant2"], record.pk, "submit", GOOD)

    # 转办: the task becomes consultant2's, who submits
    tasks.transfer(p["consultant"], prepare.pk, p["consultant2"].pk, "on leave")
    assert [t.pk for t in inbox(p["consultant2"])] == [prepare.pk]
    record = transitions.fire(p["consultant2"], record.pk, "submit", GOOD)

    # 委托: the director asks fin2 to look first; fin2 hands back a note; the director votes
    slot = Task.objects.get(record=record, status="open", roles=["project_director"])
    tasks.claim(p["director"], slot.pk)
    tasks.delegate(p["director"], slot.pk, p["fin2"].pk, "check the margin")
    assert [t.pk for t in inbox(p["fin2"])][:1] == [slot.pk]
    with pytest.raises(NotPermitted, match="vote while fin2 works on this approval"):
        approvals.vote(p["director"], slot.pk, "approve")
    tasks.return_delegation(p["fin2"], slot.pk, "margin still 18%, fine")
    approvals.vote(p["director"], slot.pk, "approve")

    # 加签: finance adds the sales manager; the approval now also waits for that slot
    fin_slot = Task.objects.get(record=record, status="open", roles=["finance"])
    approvals.add_approver(p["fin"], fin_slot.pk, role="sales_manager", comment="large discount")
    approvals.vote(p["fin"], fin_slot.pk, "approve")
    record.refresh_from_db()
    assert record.state == "review"
    added = Task.objects.get(record=record, status="open")
    assert (added.roles, added.added_by.username) == (["sales_manager"], "fin")
    approvals.vote(p["manager"], added.pk, "approve")
    record.refresh_from_db()
    assert record.state == "ready"
    kinds = [k for k, *_ in story(record)]
    assert kinds == ["start", "claim", "transfer", "transition", "claim", "delegate", "return", "vote",
                     "add_approver", "vote", "vote", "transition"]


def test_form_errors_come_in_both_languages(flow):
    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})

    with pytest.raises(InvalidForm) as bad:
        transitions.fire(p["consultant"], record.pk, "submit", {"unit_id": 7, "price": "12.345"})

    assert bad.value.field_errors("zh") == {"price": ["'12.345' 不是金额：最多两位小数，例如 \"12.50\""],
                                            "discount_rate": ["此字段为必填项"]}
    assert bad.value.field_errors("en") == {
        "price": ["'12.345' is not an amount of money: at most two decimals, e.g. \"12.50\""],
        "discount_rate": ["this field is required"]}


def test_firing_without_claiming_completes_the_users_task(flow):
    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)

    transitions.fire(p["consultant2"], record.pk, "submit", GOOD)

    prepare = Task.objects.get(record=record, name="prepare")
    assert (prepare.status, prepare.closed_by.username) == ("done", "consultant2")


def test_malformed_approval_calls_are_refused_in_words(flow):
    from engine.runtime import BadRequest

    p = flow
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    slot = Task.objects.get(record=record, status="open", roles=["finance"])

    with pytest.raises(BadRequest) as vote:
        approvals.vote(p["fin"], slot.pk, "maybe")
    with pytest.raises(BadRequest) as role:
        approvals.add_approver(p["fin"], slot.pk, role="sales_manger")

    assert vote.value.message() == "a vote is approve or reject, not 'maybe'"
    assert role.value.message("zh") == "未知的角色 'sales_manger'：加签后无人能处理"
    assert Task.objects.filter(record=record, status="open").count() == 2

"""Steps that stay in their state (from X to X): the state's tasks and running deadlines are kept,
unless the step says `restart_deadlines` (docs/flow-format.md, "Steps that stay").

Before, such a step closed the state's tasks (the actor's as done) and opened new ones: whoever
had claimed the fit-out supervision lost it, and every rent receipt pushed the fit-out deadline
60 days further, so a late fit-out was never escalated.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from definitions import DefinitionError
from engine.models import Task, Timer
from engine.runtime import TransitionNotAvailable, moves, tasks
from tests.definitions.helpers import build_document, valid_document

from .steps import approve, assert_escalated, assert_open_tasks, fire, pending_timers, run_timers
from .test_merchant_leasing import terms_submitted

SUPERVISE = "supervise_fit_out"


def fitting_out(p, u, unit):
    """A merchant lease signed for `unit`, in its fit-out; the merchant manager has claimed the supervision."""
    m = approve(terms_submitted(p, u, unit), u["finance"], u["project_director"], fires="approve_terms",
                to="contracting")
    m = fire(u["contract_clerk"], m, "sign_lease", {"lease_contract_no": "SZ-7", "signed_on": "2026-09-01",
                                                    "fit_out_start": "2026-09-10"}, to="fit_out")
    tasks.claim(u["merchant_manager"], _supervision(m).pk)
    return m


def _supervision(m) -> Task:
    return Task.objects.get(record_id=m.pk, name=SUPERVISE, status="open")


def _deadline_timer(m) -> Timer:
    return Timer.objects.get(record_id=m.pk, status="pending", name=f"{SUPERVISE}_deadline")


def test_rent_received_in_the_fit_out_keeps_the_supervision_task_and_its_deadline(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = fitting_out(p, u, units[3])
    task, timer = _supervision(m), _deadline_timer(m)

    # finance records rent while the merchant manager holds the fit-out: the step takes nothing from them
    m = fire(u["finance"], m, "record_rent", {"rent_received_amount": "1000.00"}, to="fit_out")
    m = fire(mm, m, "record_rent", {"rent_received_amount": "2000.00"}, to="fit_out")

    # the same task, still the merchant manager's, due when it was; the same timer, not restarted
    after = _supervision(m)
    assert (after.pk, after.assignee_id, after.due_at) == (task.pk, mm.pk, task.due_at)
    assert _deadline_timer(m).pk == timer.pk and _deadline_timer(m).due_at == timer.due_at
    assert Task.objects.filter(record_id=m.pk, name=SUPERVISE).count() == 1  # nothing closed and reopened
    assert_open_tasks(m, {(SUPERVISE, "work", mm)})
    # the fit-out is late 60 days after it started, however much rent came in meanwhile
    assert run_timers(timedelta(days=61)) == 1
    assert_escalated(m, SUPERVISE, ["project_director"])


def test_extending_the_fit_out_restarts_its_deadline_and_withdraws_the_escalation(world, customers):
    p, u, units = world
    mm = u["merchant_manager"]
    m = fitting_out(p, u, units[4])
    task = _supervision(m)
    assert run_timers(timedelta(days=61)) == 1
    assert_escalated(m, SUPERVISE, ["project_director"])

    before = timezone.now()
    m = fire(mm, m, "extend_fit_out", {"fit_out_extension_reason": "消防验收推迟"}, to="fit_out")

    after = _supervision(m)
    assert (after.pk, after.assignee_id, after.escalated_at) == (task.pk, mm.pk, None)
    assert before + timedelta(days=60) <= after.due_at <= timezone.now() + timedelta(days=60)
    assert not after.candidates.filter(role="project_director").exists()  # off the director's inbox
    assert pending_timers(m) == [(f"{SUPERVISE}_deadline", "escalate", ("project_director",))]
    assert _deadline_timer(m).due_at == after.due_at
    assert m.data["fit_out_extension_reason"] == "消防验收推迟"
    assert run_timers(timedelta(days=59)) == 0
    assert run_timers(timedelta(days=61)) == 1  # late again: escalated again
    assert_escalated(m, SUPERVISE, ["project_director"])


def test_a_step_that_stayed_cannot_be_withdrawn(world, customers):
    p, u, units = world
    m = fitting_out(p, u, units[5])
    fire(u["merchant_manager"], m, "extend_fit_out", {"fit_out_extension_reason": "图纸变更"}, to="fit_out")
    with pytest.raises(TransitionNotAvailable, match="kept the record in this state"):
        moves.withdraw(u["merchant_manager"], m.pk, "oops")


def test_restart_deadlines_on_a_step_that_never_stays_is_reported():
    document = valid_document()
    document["transitions"][0]["restart_deadlines"] = True  # submit: draft -> review
    with pytest.raises(DefinitionError) as info:
        build_document(document)
    assert [p.code for p in info.value.problems] == ["transition.restart_not_staying"]
    assert "restart_deadlines" in str(info.value.problems[0]) and "submit" in str(info.value.problems[0])


def test_restart_deadlines_is_read_from_a_step_that_stays():
    document = valid_document()
    document["transitions"].append({"name": "again", "from": "draft", "to": "draft", "roles": ["sales_consultant"],
                                    "restart_deadlines": True})
    flow = build_document(document)
    assert flow.transition("again").restart_deadlines and not flow.transition("submit").restart_deadlines

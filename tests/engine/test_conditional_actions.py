"""`when:` at run time: the action runs only when its condition holds, inside the transition."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.runtime import records, transitions
from engine.runtime.errors import ActionFailed
from kernel.models import Payment

from .gadget import gadget  # noqa: F401  (fixture)


def payments(record):
    return [(p.kind, p.amount) for p in Payment.objects.filter(record_id=record.pk).order_by("pk")]


def start(p):
    return records.start_record(p["consultant"], p["p1"], "gadget", {})


def test_an_action_whose_when_holds_runs(gadget):
    p = gadget
    record = start(p)

    record = transitions.fire(p["consultant"], record.pk, "submit", {"deposit": "500.00", "waived": False})

    assert (record.state, record.data) == ("open", {"deposit": "500.00", "waived": False, "note": "paid", "count": 1})
    assert payments(record) == [("deposit", Decimal("500.00"))]


def test_an_action_whose_when_is_false_is_skipped_and_the_others_run(gadget):
    p = gadget
    record = start(p)

    record = transitions.fire(p["consultant"], record.pk, "submit", {"deposit": "500.00", "waived": True})

    assert (record.state, record.data) == ("open", {"deposit": "500.00", "waived": True, "count": 1})
    assert payments(record) == []


def test_when_reads_the_transitions_form(gadget):
    p = gadget
    record = start(p)

    record = transitions.fire(p["consultant"], record.pk, "submit", {"deposit": "500.00", "remark": "quiet"})

    # paid (not waived), but the remark asks for no note
    assert (record.data, payments(record)) == ({"deposit": "500.00", "count": 1}, [("deposit", Decimal("500.00"))])


def test_when_sees_the_record_before_this_transitions_actions_wrote(gadget):
    p = gadget
    record = transitions.fire(p["consultant"], start(p).pk, "submit", {"deposit": "500.00"})
    assert record.data["count"] == 1

    # `divide` sets count to 1, then its `when` reads count - 1: still the old 1 - 1 = 0
    with pytest.raises(ActionFailed) as refused:
        transitions.fire(p["consultant"], record.pk, "divide")

    when = "decimal(record.deposit) / (record.count - 1) > 0"
    assert refused.value.message("en") == (
        f"action record.set: its condition could not be checked: division by zero (in {when})")
    assert refused.value.message("zh") == f"动作 record.set：无法判断其执行条件：division by zero（{when}）"


def test_a_when_that_cannot_be_checked_rolls_the_transition_back(gadget):
    p = gadget
    record = transitions.fire(p["consultant"], start(p).pk, "submit", {"deposit": "500.00"})
    before = (record.state, record.revision, dict(record.data), record.history.count())

    with pytest.raises(ActionFailed):
        transitions.fire(p["consultant"], record.pk, "divide")

    record.refresh_from_db()
    assert (record.state, record.revision, record.data, record.history.count()) == before  # count not set to 1


def test_the_history_shows_only_what_ran(gadget):
    p = gadget
    record = transitions.fire(p["consultant"], start(p).pk, "submit", {"deposit": "500.00", "waived": True})

    entry = record.history.order_by("-seq").first()

    assert entry.changes == {"deposit": [None, "500.00"], "waived": [None, True], "count": [None, 1]}

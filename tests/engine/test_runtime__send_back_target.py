"""Send back (退回) to no state or to a made-up one is refused in words, and nothing moves."""
import pytest

from engine import versions
from engine.models import HistoryEntry, Record
from engine.runtime import approvals, moves, records, transitions
from engine.runtime.errors import TransitionNotAvailable

SUBMIT = {"unit_id": 7, "price": "1.00", "discount_rate": "0.05"}


@pytest.fixture
def voted(engine_flows, people):
    """A record in review with a vote in its history (a history entry whose to_state is empty)."""
    versions.publish(people["p1"], "discount")
    record = records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7})
    transitions.fire(people["consultant"], record.pk, "submit", SUBMIT)
    slot = record.tasks.filter(status="open", kind="approval").first()
    approvals.vote(people["fin"] if "finance" in slot.roles else people["director"], slot.pk, "approve")
    assert HistoryEntry.objects.filter(record=record, to_state="").exists()
    return people, Record.objects.get(pk=record.pk)


@pytest.mark.parametrize("to_state", ["", "   ", "no_such_state", "<script>"])
def test_a_send_back_without_a_state_of_the_flow_is_refused_in_words(voted, to_state):
    p, record = voted
    before = HistoryEntry.objects.filter(record=record).count()

    with pytest.raises(TransitionNotAvailable) as refused:
        moves.send_back(p["director"], record.pk, to_state, "价格需复核")

    assert "choose" in refused.value.message("en") and "选择" in refused.value.message("zh")
    assert to_state.strip() == "" or to_state not in refused.value.message("zh")  # the posted text is not echoed
    assert Record.objects.get(pk=record.pk).state == record.state
    assert HistoryEntry.objects.filter(record=record).count() == before

"""The send-back form posted without a state, or with one the flow does not have: refused in words, not a 500."""
import pytest
from django.urls import reverse

from engine import versions
from engine.models import HistoryEntry, Record
from engine.runtime import approvals, records, transitions

SUBMIT = {"unit_id": 7, "price": "1.00", "discount_rate": "0.05"}


@pytest.fixture
def voted(engine_flows, people):
    """In review, with a vote in its history: the vote's entry has an empty to_state, which "" once matched."""
    versions.publish(people["p1"], "discount")
    record = records.start_record(people["consultant"], people["p1"], "discount", {"unit_id": 7})
    transitions.fire(people["consultant"], record.pk, "submit", SUBMIT)
    slot = record.tasks.filter(status="open", kind="approval").first()
    approvals.vote(people["fin"] if "finance" in slot.roles else people["director"], slot.pk, "approve")
    return people, Record.objects.get(pk=record.pk)


@pytest.mark.parametrize(("data", "zh", "en"), [
    ({"comment": "价格需复核"}, "请选择要将", "choose the earlier state"),
    ({"to_state": "", "comment": "价格需复核"}, "请选择要将", "choose the earlier state"),
    ({"to_state": "no_such_state", "comment": "价格需复核"}, "该流程没有这个状态", "its flow has no such state"),
])
def test_sending_back_to_no_state_of_the_flow_is_refused_in_words(client, voted, data, zh, en):
    p, record = voted
    before = HistoryEntry.objects.filter(record=record).count()
    client.force_login(p["director"])
    url = reverse("web:send-back", args=[record.pk])

    page = client.post(url, data, follow=True)
    english = client.post(url, data, follow=True, headers={"accept-language": "en"})

    assert page.status_code == 200 and zh in page.content.decode()
    assert english.status_code == 200 and en in english.content.decode()
    assert "no_such_state" not in page.content.decode()
    assert Record.objects.get(pk=record.pk).state == "review"
    assert HistoryEntry.objects.filter(record=record).count() == before

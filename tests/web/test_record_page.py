"""The record page: a summary in business words, the current step first, approvals on top,
deadlines and history in words, and a fixed number of queries whatever the rows."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine import versions
from engine.models import Task
from engine.runtime import approvals, records, tasks, transitions


@pytest.fixture
def published(engine_flows, people):
    versions.publish(people["p1"], "discount")
    return people


def _queries(client, url) -> tuple[int, str, list[str]]:
    with CaptureQueriesContext(connection) as seen:
        page = client.get(url)
    assert page.status_code == 200
    return len(seen.captured_queries), page.content.decode(), [q["sql"] for q in seen.captured_queries]


def test_the_record_page_reads_a_fixed_number_of_rows_whatever_the_history_tasks_and_votes(client, published):
    # given a record in review with the director's slot open
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", {"unit_id": 7})
    transitions.fire(p["consultant"], record.pk, "submit", {"unit_id": 7, "price": "1.00", "discount_rate": "0.05"})
    client.force_login(p["director"])
    url = f"/records/{record.pk}/"
    client.get(url)  # warm the definition cache and the session
    few, _, sql = _queries(client, url)

    # when the record gains slots, votes and history entries
    slot = Task.objects.filter(record=record, kind="approval", roles=["finance"]).first()
    approvals.vote(p["fin"], slot.pk, "approve", "ok")
    director_slot = Task.objects.filter(record=record, kind="approval", roles=["project_director"]).first()
    for _ in range(5):
        approvals.add_approver(p["manager"], director_slot.pk, role="project_director")
    for name in ("fin2", "consultant2"):
        approvals.add_approver(p["manager"], director_slot.pk, user_id=p[name].pk)
    tasks.claim(p["director"], director_slot.pk)
    tasks.unclaim(p["director"], director_slot.pk)
    many, page, _sql = _queries(client, url)

    # then the page costs the same
    assert many == few, "\n".join(sql)
    assert page.count('name="decision" value="approve"') == 1  # one vote per person and approval

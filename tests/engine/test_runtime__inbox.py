"""The inbox runs a fixed number of queries whatever the number of tasks, and filters."""
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import versions
from engine.models import Task
from engine.runtime import records, tasks, transitions
from engine.runtime.inbox import inbox

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


@pytest.fixture
def published(engine_flows, people):
    versions.publish(people["p1"], "discount")
    versions.publish(people["p1"], "reservation")
    return people


def test_the_inbox_takes_three_queries_for_three_or_thirty_tasks(published, django_assert_num_queries):
    p = published
    for count in (3, 30):
        while Task.objects.filter(status="open", name="prepare").count() < count:
            records.start_record(p["consultant"], p["p1"], "discount", GOOD)

        with django_assert_num_queries(3):  # memberships, the page's ids, its rows
            rows = [(t.record.reference, t.project.code, t.name) for t in inbox(p["consultant"])]

        assert len(rows) == count


def test_mine_claimable_filters_and_order(published):
    p = published
    first = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    second = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], second.pk, "submit", GOOD)
    prepare = Task.objects.get(record=first, name="prepare")
    tasks.claim(p["consultant2"], prepare.pk)

    assert [t.record.reference for t in inbox(p["consultant2"], mine_only=True)] == ["DSC-000001"]
    assert [t.pk for t in inbox(p["consultant"])] == []
    assert [(t.record.reference, t.roles) for t in inbox(p["director"], flow="discount", state="review")] == [
        ("DSC-000002", ["project_director"])]
    assert list(inbox(p["director"], state="draft")) == []
    assert list(inbox(p["director"], overdue=True)) == []
    Task.objects.filter(record=second).update(due_at=timezone.now() - timedelta(hours=1))
    assert [t.record.reference for t in inbox(p["director"], overdue=True)] == ["DSC-000002"]
    # due tasks come first, tasks without a due time last
    Task.objects.filter(pk=prepare.pk).update(assignee=p["director"])
    assert [t.name for t in inbox(p["director"])] == ["countersign", "prepare"]

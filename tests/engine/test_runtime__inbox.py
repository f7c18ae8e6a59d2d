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


def test_every_page_is_the_same_slice_of_one_order_across_sources_and_projects(published):
    # each source is cut at the page's end before the UNION (PostgreSQL); pages must not change
    from accounts.models import Membership

    p = published
    versions.publish(p["p2"], "discount")
    Membership.objects.create(user=p["consultant2"], project=p["p2"], role="sales_consultant")
    made = [records.start_record(p["consultant"], p["p1"], "discount", GOOD) for _ in range(6)]
    made += [records.start_record(p["outsider"], p["p2"], "discount", GOOD) for _ in range(5)]
    now = timezone.now()
    hours = [5, 1, 9, 3, None, 7, 2, 10, None, 4, 6]  # neither the tasks' order nor its reverse
    for i, record in enumerate(made):
        task = Task.objects.get(record=record, name="prepare")
        due = None if hours[i] is None else now + timedelta(hours=hours[i])
        Task.objects.filter(pk=task.pk).update(due_at=due)
        if i % 3 == 0:
            tasks.claim(p["consultant2"], task.pk)  # assigned: another source
    expected = [t.pk for t in sorted(Task.objects.filter(record__in=made, status="open"),
                                     key=lambda t: (t.due_at is None, t.due_at or now, t.pk))]

    mine = inbox(p["consultant2"])

    assert [t.pk for t in mine] == expected
    for start, stop in [(0, 1), (1, 2), (0, 3), (2, 5), (3, 4), (4, 11), (9, 20)]:
        assert [t.pk for t in mine[start:stop]] == expected[start:stop], (start, stop)
    assert (mine.count(), mine.count_up_to(4), mine.count_up_to(50)) == (11, 4, 11)

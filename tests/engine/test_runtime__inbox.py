"""The inbox runs a fixed number of queries whatever the number of tasks, and filters."""
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import versions
from engine.models import Record, Task
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
    # no consultant's records (the team's pool, engine.runtime.visibility), so consultant2 may claim them all
    Record.objects.filter(pk__in=[r.pk for r in made]).update(created_by=None)
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


def _refs(rows):
    return sorted(t.record.reference for t in rows)


def test_each_view_holds_its_own_tasks(published):
    # given: one task claimed by a colleague, one claimed by me, one unclaimed; a director's approval
    p = published
    made = [records.start_record(p["consultant"], p["p1"], "discount", GOOD) for _ in range(3)]
    tasks.claim(p["consultant2"], Task.objects.get(record=made[0]).pk)
    tasks.claim(p["consultant"], Task.objects.get(record=made[1]).pk)
    approval = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], approval.pk, "submit", GOOD)
    me = p["consultant"]

    # then
    assert _refs(inbox(me, view="all")) == ["DSC-000002", "DSC-000003"]
    assert _refs(inbox(me, view="mine")) == ["DSC-000002"]
    assert _refs(inbox(me, view="claimable")) == ["DSC-000003"]
    assert _refs(inbox(me, view="group")) == ["DSC-000001", "DSC-000002", "DSC-000003"]
    assert _refs(inbox(p["director"], view="group")) == ["DSC-000004"]
    assert _refs(inbox(p["outsider"], view="group")) == []
    assert list(inbox(me, view="overdue")) == []
    Task.objects.filter(record=made[2]).update(due_at=timezone.now() - timedelta(minutes=5))
    assert _refs(inbox(me, view="overdue")) == ["DSC-000003"]


def test_mine_includes_tasks_delegated_to_me(published):
    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    task = Task.objects.get(record=record)
    tasks.claim(p["consultant"], task.pk)
    tasks.delegate(p["consultant"], task.pk, p["consultant2"].pk, "请核对")

    assert _refs(inbox(p["consultant2"], view="mine")) == ["DSC-000001"]
    assert _refs(inbox(p["consultant"], view="mine")) == ["DSC-000001"]


def test_a_sent_back_record_is_in_the_consultants_sent_back_view_until_it_moves_on(published):
    from engine.runtime import moves

    p = published
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    other = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    assert list(inbox(p["consultant"], view="sent_back")) == []

    moves.send_back(p["director"], record.pk, "draft", "价格需复核")

    assert _refs(inbox(p["consultant"], view="sent_back")) == [record.reference]
    assert other.reference not in _refs(inbox(p["consultant"], view="sent_back"))
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    assert list(inbox(p["consultant"], view="sent_back")) == []


def test_search_narrows_to_the_records_of_a_customer_unit_or_reference(published):
    from decimal import Decimal

    from engine.models import Record
    from engine.runtime.inbox import matching_records
    from kernel.models import Building, Customer, Unit

    p = published
    building = Building.objects.create(project=p["p1"], code="3", name="3号楼")
    unit = Unit.objects.create(project=p["p1"], building=building, code="3-1203", floor=12, position="03",
                               built_area=Decimal("89.37"), inner_area=Decimal("70.00"), list_price=Decimal("1.00"))
    li = Customer.objects.create(name="李娜", phone="+8613812341234")
    by_unit = records.start_record(p["consultant"], p["p1"], "discount", {**GOOD, "unit_id": unit.pk})
    by_customer = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    Record.objects.filter(pk=by_customer.pk).update(data={**GOOD, "customer_id": li.pk})
    projects = [p["p1"].pk]

    def found(term):
        return _refs(inbox(p["consultant"], records=matching_records(projects, term)))

    assert matching_records(projects, "  ") is None
    assert found("3-12") == [by_unit.reference]
    assert found("李") == [by_customer.reference]
    assert found("138 1234 1234") == [by_customer.reference]
    assert found("dsc-000001") == [by_unit.reference]
    assert found("000002") == [by_customer.reference]  # its number
    assert found("赵") == []
    assert _refs(inbox(p["outsider"], records=matching_records([p["p2"].pk], "李"))) == []


def test_sorts_by_reference_and_opening_time_both_ways(published):
    p = published
    made = [records.start_record(p["consultant"], p["p1"], "discount", GOOD) for _ in range(4)]
    now = timezone.now()
    for n, record in enumerate(made):  # opened in the order 2, 0, 3, 1
        Task.objects.filter(record=record).update(opened_at=now - timedelta(hours=[3, 1, 4, 2][n]))
    me = p["consultant"]
    refs = [r.reference for r in made]

    assert [t.record.reference for t in inbox(me, sort="reference")] == refs
    assert [t.record.reference for t in inbox(me, sort="reference", descending=True)] == refs[::-1]
    assert [t.record.reference for t in inbox(me, sort="created")] == [refs[2], refs[0], refs[3], refs[1]]
    assert [t.record.reference for t in inbox(me, sort="created", descending=True)[:2]] == [refs[1], refs[3]]
    # with due times, no due time comes last in both directions
    Task.objects.filter(record=made[0]).update(due_at=now + timedelta(hours=1))
    Task.objects.filter(record=made[1]).update(due_at=now + timedelta(hours=2))
    assert [t.record.reference for t in inbox(me, sort="due")][:2] == [refs[0], refs[1]]
    assert [t.record.reference for t in inbox(me, sort="due", descending=True)][:2] == [refs[1], refs[0]]


@pytest.mark.parametrize("view", ["all", "mine", "group", "claimable", "overdue", "sent_back"])
def test_every_view_counts_up_to_a_cap_and_pages_whatever_its_number_of_sources(published, view):
    # given two tasks the consultant holds (the mine view is one source: nothing to unite)
    p = published
    for _ in range(2):
        record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
        tasks.claim(p["consultant"], Task.objects.get(record=record, name="prepare").pk)

    # when a tab counts up to its cap and shows its first page
    found = inbox(p["consultant"], view=view)
    count, page = found.count_up_to(1000), found[0:50]

    # then both agree
    assert count == len(page) == found.count()
    assert count == (2 if view in ("all", "mine", "group") else 0)


@pytest.mark.parametrize("view", ["all", "mine", "group", "claimable", "overdue", "sent_back"])
def test_a_user_without_roles_has_an_empty_inbox_in_every_view(published, view):
    # given a newcomer (or a platform admin) who belongs to no project yet: one empty source
    from accounts.models import User

    newcomer = User.objects.create_user("newcomer", password="x")

    # when each tab counts and pages
    found = inbox(newcomer, view=view)

    # then nothing, without an error
    assert (found.count_up_to(1000), found[0:50], found.count()) == (0, [], 0)

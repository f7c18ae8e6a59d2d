"""The inbox follows record visibility (engine.runtime.visibility): a consultant's claimable and group tasks are
their own work and the records no consultant holds yet; a leasing agent's are the leases; the project may open
colleagues' records; the sources stay a fixed number of queries whatever the rows."""
import pytest

from accounts.models import Membership
from engine.models import Task
from engine.runtime import records, tasks
from engine.runtime.inbox import inbox
from kernel import customers as kernel_customers
from tests.flows.conftest import customers, world  # noqa: F401 (the fixtures)
from tests.kernel.conftest import make_user

VIEWS = ("all", "claimable", "group")


@pytest.fixture
def team(world, customers):  # noqa: F811
    """Consultants A (the world's) and B, each with a registered customer and a subscription draft for them."""
    p, u, units = world
    a, b = u["sales_consultant"], make_user("consultant_b", p, "sales_consultant")
    mine, theirs = customers["buyer"], customers["spouse"]
    kernel_customers.claim(project_id=p.pk, customer_id=mine.pk, consultant_id=a.pk)
    kernel_customers.claim(project_id=p.pk, customer_id=theirs.pk, consultant_id=b.pk)
    sub_a = records.start_record(a, p, "subscription", {"customer_id": mine.pk})
    sub_b = records.start_record(b, p, "subscription", {"customer_id": theirs.pk})
    return {"p": p, "u": u, "a": a, "b": b, "sub_a": sub_a, "sub_b": sub_b, "customers": customers}


def _refs(found) -> list[str]:
    return sorted(t.record.reference for t in found)


def test_a_consultant_claims_only_their_own_customers_subscription_not_a_colleagues(team):
    # given: each consultant's draft is claimable by the consultant role (no assignee)
    t = team
    assert Task.objects.filter(record__in=[t["sub_a"], t["sub_b"]], assignee=None, role="sales_consultant").count() == 2

    # then each sees their own only, in every view the role feeds, and counts agree
    for view in VIEWS:
        assert _refs(inbox(t["a"], view=view)) == [t["sub_a"].reference], view
        assert _refs(inbox(t["b"], view=view)) == [t["sub_b"].reference], view
        assert inbox(t["a"], view=view).count() == inbox(t["a"], view=view).count_up_to(1000) == 1


def test_a_colleagues_record_for_a_customer_registered_to_me_is_mine_too(team):
    # given B starts a deal for a customer nobody registered, who then registers with A
    t = team
    walk_in = t["customers"]["c4"]
    deal = records.start_record(t["b"], t["p"], "subscription", {"customer_id": walk_in.pk})
    assert deal.reference not in _refs(inbox(t["a"], view="claimable"))  # B's: B started it

    kernel_customers.claim(project_id=t["p"].pk, customer_id=walk_in.pk, consultant_id=t["a"].pk)

    # then A sees it (their customer) and B still does (they started it)
    assert deal.reference in _refs(inbox(t["a"], view="claimable"))
    assert deal.reference in _refs(inbox(t["b"], view="claimable"))


def test_a_colleagues_task_i_hold_is_in_my_inbox_and_its_record_in_my_group(team):
    # given a manager hands B's draft task to A
    t = team
    task = Task.objects.get(record=t["sub_b"], status="open")
    Task.objects.filter(pk=task.pk).update(assignee=t["a"])

    assert _refs(inbox(t["a"], view="mine")) == [t["sub_b"].reference]
    assert t["sub_b"].reference in _refs(inbox(t["a"], view="all"))


def test_a_manager_who_also_sells_sees_the_teams_claimable_work(team):
    # given a sales manager who also holds the consultant role
    t = team
    manager = t["u"]["sales_manager"]
    Membership.objects.create(user=manager, project=t["p"], role="sales_consultant")

    # then both consultants' drafts are claimable by them: a manager's sources are never narrowed
    assert _refs(inbox(manager, view="claimable")) == sorted([t["sub_a"].reference, t["sub_b"].reference])


def test_the_project_setting_opens_colleagues_records(team):
    t = team
    t["p"].settings = {**t["p"].settings, "consultants_see_colleagues_records": True}
    t["p"].save()

    for view in VIEWS:
        assert _refs(inbox(t["a"], view=view)) == sorted([t["sub_a"].reference, t["sub_b"].reference]), view


def test_an_unowned_launch_day_task_stays_claimable_by_every_consultant(team):
    # given a walk-in the sales manager put in the launch queue: no consultant, a customer nobody registered
    t = team
    walk_in = t["customers"]["c5"]
    queued = records.start_record(t["u"]["sales_manager"], t["p"], "queue_number",
                                  {"customer_id": walk_in.pk, "batch": "A"})
    task = Task.objects.get(record=queued, status="open")
    assert (task.role, task.assignee_id) == ("sales_consultant", None)

    # then every consultant may claim it
    assert queued.reference in _refs(inbox(t["a"], view="claimable"))
    assert queued.reference in _refs(inbox(t["b"], view="claimable"))

    # when A claims it, it leaves the pool and B still sees it held in the group
    tasks.claim(t["a"], task.pk)
    assert queued.reference not in _refs(inbox(t["b"], view="claimable"))
    assert queued.reference in _refs(inbox(t["b"], view="group"))

    # and once it names A as its consultant it is A's alone
    record = type(queued).objects.get(pk=queued.pk)
    type(queued).objects.filter(pk=queued.pk).update(data={**record.data, "consultant_id": t["a"].pk})
    assert queued.reference not in _refs(inbox(t["b"], view="group"))
    assert queued.reference in _refs(inbox(t["a"], view="all"))


def test_a_leasing_agent_has_the_leases_in_the_inbox_and_no_subscription(team):
    t = team
    agent = t["u"]["leasing_agent"]
    lease = records.start_record(agent, t["p"], "lease", {})
    colleague = make_user("agent_b", t["p"], "leasing_agent")

    assert _refs(inbox(agent, view="claimable")) == [lease.reference]
    assert _refs(inbox(colleague, view="claimable")) == [lease.reference]  # leasing agents work the whole pool


def test_a_consultants_inbox_takes_three_queries_for_three_or_thirty_of_their_tasks(team, django_assert_num_queries):
    t = team
    for count in (3, 30):
        while Task.objects.filter(status="open", assignee=None, record__created_by=t["a"]).count() < count:
            records.start_record(t["a"], t["p"], "subscription", {"customer_id": t["customers"]["buyer"].pk})
            records.start_record(t["b"], t["p"], "subscription", {"customer_id": t["customers"]["spouse"].pk})

        with django_assert_num_queries(3):  # memberships, the page's ids, its rows
            rows = [(t_.record.reference, t_.name) for t_ in inbox(t["a"])]

        assert len(rows) == count


def test_visible_records_narrows_any_record_query_by_the_same_rule(team, django_assert_num_queries):
    # given a lease besides the two consultants' subscriptions
    from engine.models import Record
    from engine.runtime.visibility import visible_records
    from kernel.access import memberships_of

    t = team
    lease = records.start_record(t["u"]["leasing_agent"], t["p"], "lease", {})

    def seen(user):
        memberships = memberships_of(user.pk)
        with django_assert_num_queries(2):  # the versions of the user's projects, then the records
            return sorted(r.reference for r in visible_records(user, Record.objects.all(), memberships))

    # then each sees what the pages show them
    assert seen(t["a"]) == [t["sub_a"].reference]
    assert seen(t["u"]["leasing_agent"]) == [lease.reference]
    assert seen(t["u"]["finance"]) == sorted([lease.reference, t["sub_a"].reference, t["sub_b"].reference])
    memberships = memberships_of(t["u"]["sales_manager"].pk)
    assert sorted(r.reference for r in visible_records(t["u"]["sales_manager"], Record.objects.all(), memberships)) \
        == sorted([lease.reference, t["sub_a"].reference, t["sub_b"].reference])


def test_a_consultant_in_many_projects_sees_their_own_and_the_pools_work_in_each(engine_flows, people):
    # given consultants A and B in nine projects (beyond the per-project sources), B's draft and a pooled one in each
    from engine import versions
    from engine.models import Record
    from kernel.models import Project

    a, b = people["consultant"], people["consultant2"]
    pooled, theirs = [], []
    for n in range(9):
        project = Project.objects.create(code=f"M{n}", name=f"Many {n}", settings={})
        for user in (a, b):
            Membership.objects.create(user=user, project=project, role="sales_consultant")
        versions.publish(project, "discount")
        theirs.append(records.start_record(b, project, "discount", {"unit_id": 7}).reference)
        record = records.start_record(b, project, "discount", {"unit_id": 7})
        Record.objects.filter(pk=record.pk).update(created_by=None)
        pooled.append(record.reference)

    # then A's claimable work is the pool only, B's both
    assert _refs(inbox(a, view="claimable")) == sorted(pooled)
    assert _refs(inbox(b, view="claimable")) == sorted(pooled + theirs)

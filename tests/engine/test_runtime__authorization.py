"""Users see and act on records only in their projects, and only through their roles."""
import pytest

from engine import versions
from engine.models import HistoryEntry, Record, Task
from engine.runtime import NotPermitted, RecordNotFound, approvals, moves, records, tasks, transitions
from engine.runtime.inbox import inbox

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}


@pytest.fixture
def setup(engine_flows, people):
    versions.publish(people["p1"], "discount")
    versions.publish(people["p2"], "discount")
    record = records.start_record(people["consultant"], people["p1"], "discount", GOOD)
    return people, record


def test_a_user_of_project_b_can_neither_see_nor_act_on_project_a(setup):
    p, record = setup
    outsider = p["outsider"]
    task = Task.objects.get(record=record)
    before = (record.state, record.revision, HistoryEntry.objects.count())

    for attempt in (
        lambda: transitions.available_transitions(outsider, record.pk),
        lambda: transitions.fire(outsider, record.pk, "submit", GOOD),
        lambda: tasks.claim(outsider, task.pk),
        lambda: tasks.complete(outsider, task.pk),
        lambda: moves.send_back(outsider, record.pk, "draft", "x"),
        lambda: moves.withdraw(outsider, record.pk),
        lambda: approvals.vote(outsider, task.pk, "approve"),
    ):
        with pytest.raises(RecordNotFound) as caught:
            attempt()
        assert caught.value.message() == "no such record, or you cannot see it"

    assert [t.pk for t in inbox(outsider)] == []
    record.refresh_from_db()
    assert (record.state, record.revision, HistoryEntry.objects.count()) == before


def test_starting_needs_a_start_role_in_that_project(setup):
    p, _ = setup

    with pytest.raises(NotPermitted) as caught:
        records.start_record(p["outsider"], p["p1"], "discount", GOOD)
    assert caught.value.message() == "you may not start a discount record: it needs the role Sales consultant"
    with pytest.raises(NotPermitted):
        records.start_record(p["fin"], p["p1"], "discount", GOOD)
    # the outsider can start one in their own project, numbered there
    mine = records.start_record(p["outsider"], p["p2"], "discount", GOOD)
    assert (mine.project.code, mine.reference) == ("P2", "DSC-000001")


def test_only_the_transitions_a_role_allows(setup):
    p, record = setup

    assert [a.name for a in transitions.available_transitions(p["consultant"], record.pk)] == ["submit"]
    assert transitions.available_transitions(p["fin"], record.pk) == []
    with pytest.raises(NotPermitted) as caught:
        transitions.fire(p["fin"], record.pk, "submit", GOOD)
    assert caught.value.message("zh") == "您无权执行「submit」：需要角色「置业顾问」"


def test_voting_and_claiming_need_the_slot_role(setup):
    p, record = setup
    transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    director_slot = Task.objects.get(record=record, status="open", roles=["project_director"])

    with pytest.raises(NotPermitted, match="it needs the role Project director"):
        approvals.vote(p["fin"], director_slot.pk, "approve")
    with pytest.raises(NotPermitted, match="claim this task"):
        tasks.claim(p["consultant"], director_slot.pk)
    with pytest.raises(NotPermitted, match="reassign tasks"):
        tasks.reassign(p["fin"], director_slot.pk, p["director"].pk)
    # a manager may reassign, but only to someone holding the slot's role
    with pytest.raises(NotPermitted, match="hand this task to fin"):
        tasks.reassign(p["manager"], director_slot.pk, p["fin"].pk)
    tasks.reassign(p["manager"], director_slot.pk, p["director"].pk)
    assert Task.objects.get(pk=director_slot.pk).assignee == p["director"]


def test_records_of_other_projects_stay_out_of_every_inbox(setup):
    p, record = setup
    theirs = records.start_record(p["outsider"], p["p2"], "discount", GOOD)

    assert [t.record_id for t in inbox(p["consultant"])] == [record.pk]
    assert [t.record_id for t in inbox(p["outsider"])] == [theirs.pk]
    assert Record.objects.count() == 2


def test_refusals_name_roles_by_their_titles_and_say_what_in_chinese():
    from engine.runtime.errors import NotPermitted

    several = NotPermitted("add an approver", ["project_director", "sales_manager"])
    assert several.message() == "you may not add an approver: it needs one of the roles Project director, Sales manager"
    assert several.message("zh") == "您无权加签：需要以下角色之一：「案场经理/项目总监」、「销售经理」"
    own = NotPermitted("fire '{transition}'", ["site_inspector"], transition="inspect",
                       step_zh="验房")  # a flow's own role: its code
    assert own.message("zh") == "您无权执行「验房」：需要角色「site_inspector」"


def test_a_flows_own_role_is_named_by_the_title_the_flow_gives_it():
    from definitions.roles import RoleSpec
    from engine.runtime.errors import NotPermitted

    inspector = RoleSpec("site_inspector", "验房师", "Site inspector")
    refused = NotPermitted("fire '{transition}'", ["site_inspector"], declared=[inspector], transition="inspect",
                           step_zh="验房")
    assert refused.message() == "you may not fire 'inspect': it needs the role Site inspector"
    assert refused.message("zh") == "您无权执行「验房」：需要角色「验房师」"

"""Moving running records to a newer version: dry run, refusals, and the move itself."""
import pytest

from accounts.models import Membership
from engine import versions
from engine.models import Task, Timer
from engine.runtime import NotPermitted, records, transitions
from engine.runtime.migration import migrate
from engine.versions_checks import NEW_ONLY

GOOD = {"unit_id": 7, "price": "1000000.00", "discount_rate": "0.05"}
RENAME_DRAFT = {
    "states": {"draft": None, "preparing": {"title": {"zh": "准备中", "en": "Preparing"}, "owners": ["sales_consultant"],
                                            "partial": True, "tasks": {"prepare": {"title": {"zh": "准备", "en": "Prepare"}}}}},
    "transitions": {"submit": {"from": "preparing"}, "reject": {"to": "preparing"}},
    "start": {"state": "preparing"},
}


@pytest.fixture
def admin(people):
    Membership.objects.create(user=people["manager"], project=people["p1"], role="project_admin")
    return people["manager"]


def test_dry_run_lists_each_record_and_refuses_lost_work(engine_flows, people, admin):
    p = people
    versions.publish(p["p1"], "discount")
    drafted = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    in_review = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], in_review.pk, "submit", GOOD)
    versions.publish(p["p1"], "discount", overrides={
        **RENAME_DRAFT, "states": {**RENAME_DRAFT["states"], "review": {"tasks": {"countersign": None,
            "director_ok": {"kind": "approval", "roles": ["project_director"], "approved": "approve",
                            "rejected": "reject"}}}}})

    plan = migrate(admin, p["p1"], "discount", 1, 2, {"draft": "preparing"})

    assert [s.render() for s in plan] == [
        "DSC-000001: would move draft → preparing",
        "DSC-000002: stays in review: open work would be lost: countersign (not opened by 'review')",
    ]
    drafted.refresh_from_db()
    assert (drafted.version.number, drafted.state) == (1, "draft")


def test_unmapped_state_is_refused(engine_flows, people, admin):
    p = people
    versions.publish(p["p1"], "discount")
    records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    versions.publish(p["p1"], "discount", overrides=RENAME_DRAFT)

    plan = migrate(admin, p["p1"], "discount", 1, 2, {})

    assert [s.render() for s in plan] == [
        "DSC-000001: stays in draft: state 'draft' has no counterpart in the new version; map it"]


def test_the_move_keeps_open_tasks_restarts_timers_and_writes_history(engine_flows, people, admin):
    p = people
    versions.publish(p["p1"], "discount")
    record = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    versions.publish(p["p1"], "discount", overrides=RENAME_DRAFT)

    steps = migrate(admin, p["p1"], "discount", 1, 2, {"draft": "preparing"}, dry_run=False)

    assert [s.render() for s in steps] == ["DSC-000001: moved draft → preparing"]
    record.refresh_from_db()
    assert (record.version.number, record.state, record.revision) == (2, "preparing", 2)
    assert list(Task.objects.filter(record=record, status="open").values_list("name", "state")) == [
        ("prepare", "preparing")]
    last = record.history.order_by("-seq").first()
    assert (last.kind, last.from_state, last.to_state, last.details) == (
        "migrate", "draft", "preparing", {"from_version": 1, "to_version": 2})
    # and it runs on the new version from here on
    record = transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    assert record.state == "review"
    assert Timer.objects.filter(record=record, status="pending").count() == 2


def test_only_project_admins_move_records(engine_flows, people):
    versions.publish(people["p1"], "discount")

    with pytest.raises(NotPermitted, match="it needs the role Project admin"):
        migrate(people["director"], people["p1"], "discount", 1, 1, {})


def test_flows_migrate_command_dry_run_then_run(engine_flows, people, admin):
    from io import StringIO

    from django.core.management import call_command

    p = people
    versions.publish(p["p1"], "discount")
    records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    versions.publish(p["p1"], "discount", overrides=RENAME_DRAFT)
    out = StringIO()

    call_command("flows", "migrate", "--project", "P1", "--map", "draft=preparing", "--as-user", "manager",
                 "discount", "1", "2", stdout=out)
    call_command("flows", "migrate", "--project", "P1", "--map", "draft=preparing", "--as-user", "manager",
                 "--run", "discount", "1", "2", stdout=out)

    assert out.getvalue().splitlines() == [
        "DSC-000001: would move draft → preparing", "1 record(s), 0 refused (dry run)",
        "DSC-000001: moved draft → preparing", "1 record(s), 0 refused",
    ]


def test_flows_migrate_exits_1_when_records_were_refused_and_says_so_in_chinese(engine_flows, people, admin):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    p = people
    versions.publish(p["p1"], "discount")
    records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    versions.publish(p["p1"], "discount", overrides=RENAME_DRAFT)
    out = StringIO()

    # no --map for the renamed state: the only record is refused, by the dry run and by the run
    for run in ([], ["--run"]):
        with pytest.raises(CommandError) as refused:
            call_command("flows", "--lang", "zh", "migrate", "--project", "P1", "--as-user", "manager", *run,
                         "discount", "1", "2", stdout=out)
        assert refused.value.returncode == 1
    assert str(refused.value) == "1 条记录，1 条被拒绝；被拒绝的记录留在 v1"
    assert out.getvalue().splitlines()[0] == ("DSC-000001：留在 draft：状态“draft”在新版本中没有对应状态；"
                                              "请为它指定映射")
    from engine.models import Record
    assert Record.objects.get().version.number == 1


NEW_REQUIRED = {"entity": {"schema": {"required": ["unit_id", "price", "discount_rate", "note"]}}}


def _one_with_a_note_one_without(p):
    """Two records of v1 in review (not partial: their data must be complete there), one with a note."""
    versions.publish(p["p1"], "discount")
    kept = records.start_record(p["consultant"], p["p1"], "discount", {**GOOD, "note": "walk-in"})
    bare = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    for record in (kept, bare):
        transitions.fire(p["consultant"], record.pk, "submit", GOOD)
    return kept, bare


def test_a_newly_required_field_refuses_the_move_until_a_value_is_supplied(engine_flows, people, admin):
    from engine.models import HistoryEntry, Record
    from engine.runtime.migration import newly_required

    p = people
    kept, bare = _one_with_a_note_one_without(p)
    # the running records lacking the field stay on v1 until moved with a value: required of new records only
    new = versions.publish(p["p1"], "discount", overrides=NEW_REQUIRED, choices={"note": NEW_ONLY}).version
    old = versions.get_version(p["p1"], "discount", 1)

    refused = migrate(admin, p["p1"], "discount", 1, 2)
    moved = migrate(admin, p["p1"], "discount", 1, 2, values={"note": "hotline"}, dry_run=False)

    assert newly_required(versions.definition_of(old), versions.definition_of(new)) == ["note"]
    assert [s.reason.startswith("its data does not fit the new schema") for s in refused] == [False, True]
    assert [s.moved for s in moved] == [True, True]
    kept.refresh_from_db()
    bare.refresh_from_db()
    assert (kept.data["note"], bare.data["note"]) == ("walk-in", "hotline")  # a record's own value wins
    entry = HistoryEntry.objects.filter(record=bare, kind=HistoryEntry.Kind.MIGRATE).get()
    assert entry.details["filled"] == {"note": "hotline"}
    assert Record.objects.filter(version__number=2).count() == 2


def test_the_move_can_be_limited_to_records_in_some_states(engine_flows, people, admin):
    p = people
    versions.publish(p["p1"], "discount")
    records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    in_review = records.start_record(p["consultant"], p["p1"], "discount", GOOD)
    transitions.fire(p["consultant"], in_review.pk, "submit", GOOD)
    versions.publish(p["p1"], "discount", overrides=RENAME_DRAFT)

    plan = migrate(admin, p["p1"], "discount", 1, 2, {"draft": "preparing"}, states=["review"])

    assert [s.reference for s in plan] == ["DSC-000002"]


def test_a_default_chosen_at_publish_fills_the_records_lacking_the_field_when_they_move(engine_flows, people, admin):
    from engine.models import HistoryEntry

    p = people
    kept, bare = _one_with_a_note_one_without(p)
    versions.publish(p["p1"], "discount", overrides=NEW_REQUIRED, choices={"note": {"default": "none given"}})

    planned = migrate(admin, p["p1"], "discount", 1, 2)
    moved = migrate(admin, p["p1"], "discount", 1, 2, dry_run=False)

    assert [s.reason for s in planned] == ["", ""]  # nothing to supply: the publish chose the value
    assert [s.moved for s in moved] == [True, True]
    kept.refresh_from_db()
    bare.refresh_from_db()
    assert (kept.data["note"], bare.data["note"]) == ("walk-in", "none given")  # a record's own value wins
    assert HistoryEntry.objects.get(record=bare, kind=HistoryEntry.Kind.MIGRATE).details["filled"] == {
        "note": "none given"}

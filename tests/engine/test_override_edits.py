"""The structured editor's edits as overrides (issue 20, item 1): each validated, comments kept, running work unharmed."""
from decimal import Decimal

import pytest

from definitions.override_text import REMOVE, Edit, apply_edits
from engine import override_edits as edits
from engine import versions
from engine.models import Record
from engine.runtime import records, transitions
from kernel.models import Building, Customer, Unit

COMMENTED = """# the client's own changes, agreed 2026-11-30
states:
  held:
    owners: [sales_consultant]   # consultants hold the unit
"""


def _saved(project, flow="reservation"):
    document, definition, problems = versions.saved_effective(project, flow)
    assert problems == []
    return document, definition


def _unit_and_customer(project, code="3-1502"):
    building = Building.objects.get_or_create(project=project, code="3", defaults={"name": "3号楼"})[0]
    unit = Unit.objects.create(project=project, building=building, code=code, floor=15, position=code[-2:],
                               layout="3室2厅2卫", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               orientation="南", list_price=Decimal("1500000.00"))
    customer = Customer.objects.create(name="王小明", phone=f"+86138123{code[-2:]}1234"[:14])
    return unit, customer


def test_a_form_edit_keeps_the_admins_comments_and_order():
    text = apply_edits(COMMENTED, None, [Edit(("states", "held", "title"), {"zh": "锁定中", "en": "Locked"}),
                                         Edit(("transitions", "hold", "roles"), ["sales_manager"])])

    assert text.startswith("# the client's own changes, agreed 2026-11-30\nstates:\n  held:\n"
                           "    owners: [sales_consultant]   # consultants hold the unit\n")
    assert "    title: {zh: 锁定中, en: Locked}\n" in text
    assert "transitions:\n  hold:\n    roles: [sales_manager]\n" in text


def test_removing_the_last_change_of_an_item_leaves_no_empty_mapping():
    text = apply_edits("states:\n  held:\n    title: {zh: a, en: b}\n", None, [Edit(("states", "held", "title"), REMOVE)])

    assert text == ""


def test_a_renamed_title_is_saved_with_the_comments_and_shown_in_the_diff(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation", overrides_text=COMMENTED)
    document, _ = _saved(p1)

    problems = edits.apply(p1, "reservation", edits.rename(document, "state", ["held"], "锁定中", "Locked"))

    assert problems == []
    assert versions.overrides_text(p1, "reservation").startswith("# the client's own changes, agreed 2026-11-30\n")
    document, definition = _saved(p1)
    assert definition.state("held").title.zh == "锁定中"
    changes = [c.render("en") for c in versions.diff_against_published(p1, "reservation", document)]
    assert changes == ["~ states.held.title.zh: '保留中' → '锁定中'", "~ states.held.title.en: 'Held' → 'Locked'"]


def test_a_shorter_deadline_replaces_the_escalation_roles_whole(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    document, _ = _saved(p1)

    assert edits.apply(p1, "reservation", edits.deadline(document, "draft", None, edits.duration_text(12, "hours"),
                                                         ["project_director"])) == []

    deadline = _saved(p1)[1].state("draft").deadline
    assert (deadline.after.total_seconds(), deadline.escalate_to) == (12 * 3600, ("project_director",))


def test_an_edit_that_breaks_the_flow_is_refused_with_the_problem_and_nothing_is_saved(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation", overrides_text=COMMENTED)
    document, _ = _saved(p1)

    # an approval whose rejection leads to a step that does not leave its state
    problems = edits.apply(p1, "reservation", edits.approval(
        document, "held", None, "会签", "Countersign", ["sales_manager", "finance"], "all", "convert", "refund"))

    assert problems and "refund" in problems[0].render("en")
    assert versions.overrides_text(p1, "reservation") == COMMENTED


def test_an_added_countersign_holds_new_records_and_running_ones_keep_their_version(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    unit, customer = _unit_and_customer(p1)
    running = records.start_record(people["consultant"], p1, "reservation",
                                   {"unit_id": unit.pk, "customer_id": customer.pk})
    document, _ = _saved(p1)

    assert edits.apply(p1, "reservation", edits.approval(
        document, "held", None, "转认购会签", "Conversion countersign", ["sales_manager", "finance"], "all",
        "convert", "expire")) == []
    versions.publish(p1, "reservation", user=people["manager"])

    task = _saved(p1)[1].state("held").task("conversion_countersign")
    assert (task.kind, task.roles, task.require, task.approved) == ("approval", ("sales_manager", "finance"),
                                                                    "all", "convert")
    # the record started before still runs on v1: holding opens no approval
    transitions.fire(people["consultant"], running.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})
    running.refresh_from_db()
    assert (running.version.number, running.state) == (1, "held")
    assert not running.tasks.filter(name="conversion_countersign").exists()
    # a new record reaching `held` gets the countersign
    unit2, customer2 = _unit_and_customer(p1, "3-1503")
    new = records.start_record(people["consultant"], p1, "reservation",
                               {"unit_id": unit2.pk, "customer_id": customer2.pk})
    transitions.fire(people["consultant"], new.pk, "hold", {"unit_id": unit2.pk, "deposit": "5000.00"})
    assert Record.objects.get(pk=new.pk).version.number == 2
    assert new.tasks.filter(name="conversion_countersign", status="open").exists()


def test_a_new_required_field_is_asked_from_its_step_on(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    document, _ = _saved(p1)

    name, made = edits.add_field(document, zh="客户来源说明", en="Source note", kind="choice",
                                 options=[("朋友介绍", "Friend"), ("网络", "Online")], transition="hold", required=True)
    assert edits.apply(p1, "reservation", made) == []

    definition = _saved(p1)[1]
    assert name == "source_note"
    spec = definition.entity.schema["properties"]["source_note"]
    assert spec["enum"] == ("friend", "online")
    assert spec["x-enum-titles"]["online"] == {"zh": "网络", "en": "Online"}
    hold = definition.transition("hold")
    assert "source_note" in hold.form.fields and "source_note" in hold.form.required
    assert "unit_id" in hold.form.fields  # the step's other fields stay


def test_an_inserted_state_with_a_new_role_lies_on_the_steps_way(flows_dir, people):
    p1 = people["p1"]
    versions.publish(p1, "reservation")
    document, _ = _saved(p1)

    made = edits.insert_state(document, "convert", zh="法务审核", en="Legal review", owners=[],
                              task_zh="审核资料", task_en="Review the papers", leave_zh="审核通过",
                              leave_en="Legal approves", leave_roles=["sales_manager"], role=("法务", "Legal"))
    assert edits.apply(p1, "reservation", made) == []

    definition = _saved(p1)[1]
    assert definition.transition("convert").to == "legal_review"
    state = definition.state("legal_review")
    assert (state.owners, [t.name for t in state.tasks]) == (("legal",), ["review_the_papers"])
    leave = definition.transition("legal_approves")
    assert (leave.sources, leave.to, leave.roles) == (("legal_review",), "converted", ("sales_manager", "legal"))


def test_a_name_made_from_a_title_never_repeats_one_in_the_flow():
    assert edits.make_name("Legal review", {"legal_review"}, "state") == "legal_review_2"
    assert edits.make_name("", set(), "state") == "state"
    assert edits.make_name("2nd check", set(), "task") == "task_2nd_check"


@pytest.mark.parametrize("seconds, parts", [(43200, (12, "hours")), (86400 * 14, (2, "weeks")), (5400, (90, "minutes"))])
def test_a_literal_duration_is_shown_in_its_largest_whole_unit(seconds, parts):
    from datetime import timedelta

    assert edits.duration_parts(timedelta(seconds=seconds)) == parts

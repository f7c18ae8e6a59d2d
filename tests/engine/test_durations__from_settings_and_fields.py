"""A deadline's or timer's `after` read from a project setting or a record field (docs/flow-format.md, Durations)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from definitions import DefinitionError
from engine import versions
from engine.models import Task, Timer
from engine.runtime import records, transitions
from engine.runtime.errors import TransitionNotAvailable
from kernel.models import Building, Customer, Unit

# A small flow whose deadline reads a record field and whose timer reads a project setting.
FLOW = """\
format: 1
name: fitout
title: {zh: 装修, en: Fit-out}
entity:
  name: fitout
  schema:
    type: object
    properties:
      fit_out_days: {type: integer}
      note: {type: string}
reference_prefix: FIT
start:
  state: draft
  roles: [sales_consultant]
states:
  - name: draft
    title: {zh: 草稿, en: Draft}
    partial: true
  - name: fitting
    title: {zh: 装修中, en: Fitting out}
    tasks:
      - name: inspect
        title: {zh: 验收, en: Inspect}
        roles: [sales_manager]
    deadline: {after: AFTER_DEADLINE, escalate_to: [project_director]}
  - name: done
    title: {zh: 完成, en: Done}
    final: true
transitions:
  - name: begin
    from: draft
    to: fitting
    roles: [sales_consultant]
    form: {fields: [fit_out_days]}
  - name: finish
    from: fitting
    to: done
    roles: [sales_manager]
timers:
  - name: reminder
    state: fitting
    after: AFTER_TIMER
    escalate_to: [sales_manager]
"""


def _write(flows_dir, deadline="{field: fit_out_days, unit: days}", timer="{setting: reservation_hours}"):
    (flows_dir / "fitout.yaml").write_text(
        FLOW.replace("AFTER_DEADLINE", deadline).replace("AFTER_TIMER", timer), encoding="utf-8")


def _problems(project, flow="fitout") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        versions.publish(project, flow)
    return [p.render() for p in caught.value.problems]


def test_a_deadline_from_a_field_and_a_timer_from_a_setting_fall_due_by_their_values(flows_dir, people):
    # given: the project holds reservations 10 hours; the record says 5 days
    _write(flows_dir)
    p1 = people["p1"]
    p1.settings = {**p1.settings, "reservation_hours": 10}
    p1.save()
    versions.publish(p1, "fitout")
    record = records.start_record(people["consultant"], p1, "fitout", {})

    # when
    transitions.fire(people["consultant"], record.pk, "begin", {"fit_out_days": 5})

    # then
    record.refresh_from_db()
    task = Task.objects.get(record=record, name="inspect")
    assert task.due_at - record.entered_state_at == timedelta(days=5)
    assert Timer.objects.get(record=record, name="inspect_deadline").due_at == task.due_at
    reminder = Timer.objects.get(record=record, name="reminder")
    assert reminder.due_at - record.entered_state_at == timedelta(hours=10)


def test_a_setting_the_project_has_not_set_counts_with_the_schemas_default(flows_dir, people):
    _write(flows_dir)
    versions.publish(people["p1"], "fitout")
    record = records.start_record(people["consultant"], people["p1"], "fitout", {})

    transitions.fire(people["consultant"], record.pk, "begin", {"fit_out_days": 2})

    record.refresh_from_db()
    reminder = Timer.objects.get(record=record, name="reminder")
    assert reminder.due_at - record.entered_state_at == timedelta(hours=72)  # reservation_hours' default


def test_an_empty_field_without_a_default_refuses_the_step_naming_the_field(flows_dir, people):
    _write(flows_dir)
    versions.publish(people["p1"], "fitout")
    record = records.start_record(people["consultant"], people["p1"], "fitout", {})

    with pytest.raises(TransitionNotAvailable) as caught:
        transitions.fire(people["consultant"], record.pk, "begin", {})

    assert "fit_out_days" in caught.value.message("en") and "has no value" in caught.value.message("en")
    assert "fit_out_days" in caught.value.message("zh") and "没有值" in caught.value.message("zh")
    record.refresh_from_db()
    assert record.state == "draft"  # nothing changed
    assert not Task.objects.filter(record=record, name="inspect").exists()


def test_an_empty_field_with_a_default_counts_the_default(flows_dir, people):
    _write(flows_dir, deadline="{field: fit_out_days, unit: days, default: 36h}")
    versions.publish(people["p1"], "fitout")
    record = records.start_record(people["consultant"], people["p1"], "fitout", {})

    transitions.fire(people["consultant"], record.pk, "begin", {})

    record.refresh_from_db()
    assert Task.objects.get(record=record, name="inspect").due_at - record.entered_state_at == timedelta(hours=36)


def test_a_field_of_zero_refuses_the_step(flows_dir, people):
    _write(flows_dir)
    versions.publish(people["p1"], "fitout")
    record = records.start_record(people["consultant"], people["p1"], "fitout", {})

    with pytest.raises(TransitionNotAvailable) as caught:
        transitions.fire(people["consultant"], record.pk, "begin", {"fit_out_days": 0})

    assert "more than zero" in caught.value.message("en")


def test_a_setting_not_in_the_settings_schema_is_refused_with_the_nearest_name(flows_dir, people):
    _write(flows_dir, timer="{setting: reservation_hour}")

    problems = _problems(people["p1"])

    assert any("unknown project setting 'reservation_hour'" in p and "reservation_hours" in p for p in problems)


def test_a_setting_that_is_not_a_number_is_refused_as_a_duration(flows_dir, people):
    _write(flows_dir, timer="{setting: time_zone, unit: hours}")

    problems = _problems(people["p1"])

    assert any("'time_zone' is not a number" in p for p in problems), problems


def test_a_field_that_is_not_a_number_is_refused_as_a_duration(flows_dir, people):
    _write(flows_dir, deadline="{field: note, unit: days}")

    problems = _problems(people["p1"])

    assert any("'note' is not a number" in p for p in problems), problems


def test_a_field_not_in_the_entity_is_refused(flows_dir, people):
    _write(flows_dir, deadline="{field: fit_days, unit: days}")

    problems = _problems(people["p1"])

    assert any("unknown field 'fit_days'" in p for p in problems), problems


def test_a_number_without_a_unit_is_refused(flows_dir, people):
    _write(flows_dir, deadline="{field: fit_out_days}")

    problems = _problems(people["p1"])

    assert any("unit: minutes, hours, days or weeks" in p for p in problems), problems


def test_a_unit_other_than_the_settings_own_is_refused(flows_dir, people):
    _write(flows_dir, timer="{setting: reservation_hours, unit: days}")

    problems = _problems(people["p1"])

    assert any("'reservation_hours' counts hours, not days" in p for p in problems), problems


def test_naming_both_a_setting_and_a_field_is_refused(flows_dir, people):
    _write(flows_dir, timer="{setting: reservation_hours, field: fit_out_days, unit: days}")

    problems = _problems(people["p1"])

    assert any("not both or neither" in p for p in problems), problems


def test_the_reservation_holds_its_unit_as_long_as_the_projects_setting_says(flows_dir, people):
    # given: the project's hold time is 24 hours (the issue: saved in the settings, it changed nothing)
    p1 = people["p1"]
    p1.settings = {**p1.settings, "reservation_hours": 24}
    p1.save()
    versions.publish(p1, "reservation")
    building = Building.objects.create(project=p1, code="3", name="3号楼")
    unit = Unit.objects.create(project=p1, building=building, code="3-1502", floor=15, position="02",
                               layout="3室2厅2卫", built_area=Decimal("98.50"), inner_area=Decimal("80.10"),
                               orientation="南", list_price=Decimal("1500000.00"))
    customer = Customer.objects.create(name="王小明", phone="+8613812341234")
    record = records.start_record(people["consultant"], p1, "reservation",
                                  {"unit_id": unit.pk, "customer_id": customer.pk})

    # when
    transitions.fire(people["consultant"], record.pk, "hold", {"unit_id": unit.pk, "deposit": "5000.00"})

    # then
    record.refresh_from_db()
    timer = Timer.objects.get(record=record, name="hold_expires")
    assert timer.due_at - record.entered_state_at == timedelta(hours=24)


@pytest.mark.parametrize("after", ["{field: fit_out_days, unit: [days]}", "{field: [fit_out_days], unit: days}",
                                   "{field: fit_out_days, unit: days, default: 3}", "{}", "{unit: days}"])
def test_a_malformed_duration_source_is_reported_not_crashed_on(flows_dir, people, after):
    _write(flows_dir, deadline=after)

    assert _problems(people["p1"])

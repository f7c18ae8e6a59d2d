"""Every transition of every shipped flow can be taken from a page, and no page form asks for an id or JSON.

A transition is taken from a page in one of three ways: a person fires it from the
record page (it names the roles that may), an approval's decision fires it (the approval
panel's approve and reject), or a timer fires it. The work tasks a transition waits for
are completed from the record page. And every form a person fills (each start form and
each transition form of every shipped flow) gets widgets, never a JSON box or a number
box for a unit, a customer or a user.
"""
from __future__ import annotations

import pytest
from django import forms as django_forms

from engine import versions
from engine.environment import flow_names
from forms import build_form_class
from kernel.models import Project
from web.views.lookups import PageRefs

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(people):
    project: Project = people["p1"]
    return project, {name: versions.publish(project, name).version for name in sorted(flow_names())}


def _definitions(shipped):
    project, published = shipped
    return {name: versions.definition_of(version) for name, version in published.items()}


def test_every_transition_is_fired_by_a_person_an_approval_or_a_timer(shipped):
    for name, definition in _definitions(shipped).items():
        # given what each way of firing covers
        by_approval = {decided for state in definition.states for task in state.tasks if task.kind == "approval"
                       for decided in (task.approved, task.rejected) if decided}
        by_timer = {timer.fire for timer in definition.timers if timer.fire}

        # then no transition is left that no page and no timer can take
        orphans = [t.name for t in definition.transitions
                   if not t.roles and t.name not in by_approval and t.name not in by_timer]
        assert orphans == [], f"{name}: no page or timer fires {orphans}"


def test_every_task_a_transition_waits_for_is_work_a_person_completes(shipped):
    for name, definition in _definitions(shipped).items():
        for t in definition.transitions:
            for required in t.requires:
                tasks = [task for source in t.sources for task in definition.state(source).tasks
                         if task.name == required]
                assert tasks and all(task.kind == "work" for task in tasks), (
                    f"{name}.{t.name} waits for {required!r}, which is not a work task of its states")


def test_no_form_of_a_shipped_flow_asks_for_an_id_or_json(shipped, people):
    project, _published = shipped
    refs = PageRefs(people["consultant"], project)
    for name, definition in _definitions(shipped).items():
        specs = [("start", definition.start.form)] + [(t.name, t.form) for t in definition.transitions if t.form]
        for where, spec in specs:
            if spec is None:
                continue
            form = build_form_class(definition.entity.schema, spec, refs=refs, lang="zh-hans")()
            for field_name, field in form.fields.items():
                assert not isinstance(field, django_forms.JSONField), f"{name}.{where}.{field_name} asks for JSON"
                assert not (isinstance(field, django_forms.IntegerField) and field_name.endswith("_id")), (
                    f"{name}.{where}.{field_name} asks for a database id")
                if isinstance(field, django_forms.ChoiceField):
                    codes_shown = [label for value, label in field.choices if value and label == value]
                    assert codes_shown == [], f"{name}.{where}.{field_name} offers codes as titles: {codes_shown}"

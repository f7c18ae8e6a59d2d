"""`bundle load` refuses, as a problem of the flow's file, a version the publish checks refuse (issue 20, item 2)."""
from __future__ import annotations

from engine.models import FlowVersion
from kernel.models import Project

from .conftest import bundle, configuration
from .test_check import edit
from .test_load import start_complaint


def test_a_bundle_requiring_a_field_running_records_lack_is_refused_and_nothing_is_written(db, sample):
    # given: a complaint running on v1
    folder = sample("harbour-homes")
    bundle("load", str(folder))
    harbour = Project.objects.get(code="HARBOUR")
    start_complaint(harbour)
    edit(folder / "projects" / "HARBOUR" / "overrides" / "service_complaint.yaml", "states:\n",
         "entity:\n  schema:\n    required: [customer_id, channel, category, urgency, summary, unit_id]\nstates:\n")
    before = configuration()

    # when
    run = bundle("load", str(folder))

    # then
    assert run.code == 1, run.out
    assert any(line.startswith("projects/HARBOUR/overrides/service_complaint.yaml") and
               "running records lacking it: 1 (versions v1)" in line for line in run.lines), run.lines
    assert configuration() == before
    assert FlowVersion.objects.filter(project=harbour, flow="service_complaint").count() == 1

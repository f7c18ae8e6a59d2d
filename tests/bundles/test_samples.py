"""The frozen sample clients (fixtures/clients/) load into an empty installation and run records through.

They are frozen on purpose: a later bundle format must keep loading them (bundles.upgrade).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from engine.models import FlowVersion, Record, Task, Timer
from engine.runtime import records, transitions
from kernel import customers
from kernel.models import Project, Unit

from .conftest import SAMPLES, bundle


def test_the_complaint_client_loads_into_an_empty_installation_with_its_own_process(db):
    # given an installation with no project at all
    assert not Project.objects.exists()

    # when
    run = bundle("load", str(SAMPLES / "harbour-homes"))

    # then
    assert run.code == 0, run.out + run.err
    harbour = Project.objects.get(code="HARBOUR")
    assert (harbour.company.code, harbour.region.name) == ("harbour-homes", "华南区域 South China")
    assert harbour.settings == {"protection_days": 20, "reservation_hours": 48, "time_zone": "Asia/Shanghai"}
    assert sorted(FlowVersion.objects.filter(project=harbour).values_list("flow", "number", "status")) == [
        ("reservation", 1, "published"), ("service_complaint", 1, "published")]
    assert Unit.objects.filter(project=harbour).count() == 4
    assert "loaded: 2 flow version(s) published" in run.out


def test_a_complaint_runs_through_the_clients_own_flow_with_its_deadlines(db):
    bundle("load", str(SAMPLES / "harbour-homes"))
    harbour = Project.objects.get(code="HARBOUR")
    service, handler = User.objects.get(username="hb_service"), User.objects.get(username="hb_handler")
    owner = customers.register(project_id=harbour.pk, consultant_id=User.objects.get(username="hb_consultant").pk,
                               name="陈先生", phone="13800138000").customer
    unit = Unit.objects.get(project=harbour, code="1-0102")

    # when customer service logs an urgent complaint and assigns it
    record = records.start_record(service, harbour, "service_complaint", {
        "customer_id": owner.pk, "unit_id": unit.pk, "channel": "hotline", "category": "quality",
        "urgency": "urgent", "summary": "卫生间渗水"})
    assert record.reference.startswith("KS")
    before = timezone.now()
    record = transitions.fire(service, record.pk, "assign", {"category": "quality", "urgency": "urgent"})

    # then it waits for the complaint handler, due in 12 hours (the project's override of the template's 24)
    assert record.state == "handling_urgent"
    task = Task.objects.get(record=record, status="open")
    assert task.roles == ["complaint_handler"]
    assert timedelta(hours=11, minutes=59) < task.due_at - before <= timedelta(hours=12, minutes=1)
    # and the timer that escalates to the project director after 48 hours is armed
    assert Timer.objects.filter(record=record).exists()

    # when the handler resolves it and customer service confirms with the customer
    record = transitions.fire(handler, record.pk, "resolve", {"resolution": "更换防水层，已复查"})
    record = transitions.fire(service, record.pk, "confirm", {"satisfaction": "satisfied"})

    # then
    assert record.state == "closed"
    assert not Task.objects.filter(record=record, status="open").exists()


def test_the_demo_client_loads_and_a_reservation_runs_through_it(db):
    # when
    run = bundle("load", str(SAMPLES / "demo-group"))

    # then
    assert run.code == 0, run.out + run.err
    demo = Project.objects.get(code="DEMO")
    assert Unit.objects.filter(project=demo).count() == 300
    assert FlowVersion.objects.filter(project=demo, status="published").count() == 11
    consultant = User.objects.get(username="consultant")
    assert not consultant.has_usable_password()  # passwords never travel in a bundle
    buyer = customers.register(project_id=demo.pk, consultant_id=consultant.pk, name="张伟",
                               phone="13812341234").customer
    record = records.start_record(consultant, demo, "reservation", {
        "unit_id": Unit.objects.get(project=demo, code="3-1502").pk, "customer_id": buyer.pk, "deposit": "20000.00"})
    record = transitions.fire(consultant, record.pk, "hold", {
        "unit_id": Unit.objects.get(project=demo, code="3-1502").pk, "deposit": "20000.00"})
    assert Unit.objects.get(project=demo, code="3-1502").status == "reserved"
    assert Record.objects.filter(project=demo).count() == 1


@pytest.mark.parametrize("name", ["demo-group", "harbour-homes"])
def test_every_sample_is_valid_and_unedited_since_it_was_exported(db, name):
    run = bundle("check", str(SAMPLES / name))
    assert run.code == 0, run.out + run.err
    assert run.lines == ["the bundle is valid for this installation"]

"""`today` in a transition: the project's local date, one value for the guard and every action."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from engine.runtime import GuardFailed, transitions
from engine.runtime.context import project_today

from .gadget import gadget, open_gadget  # noqa: F401  (gadget: a fixture)

# 02:00 UTC on 15 June: 10:00 on the 15th in Shanghai, 22:00 on the 14th in New York
MOMENT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


@pytest.fixture
def at_moment(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MOMENT)


def in_zone(project, zone):
    project.settings = {**project.settings, "time_zone": zone}
    project.save()


def test_today_is_the_projects_date(gadget, at_moment):
    p = gadget
    record = open_gadget(p)

    record = transitions.fire(p["consultant"], record.pk, "schedule", {"signed_on": "2026-06-15"})

    # signed today in Shanghai: the guard passes, nothing to count, due in a week
    assert (record.data["signed_on"], record.data["due_on"], record.data["count"]) == ("2026-06-15", "2026-06-22", 1)


def test_today_follows_the_projects_time_zone(gadget, at_moment):
    p = gadget
    in_zone(p["p1"], "America/New_York")
    record = open_gadget(p)

    # it is still the 14th in New York: a contract signed on the 15th is in the future
    with pytest.raises(GuardFailed) as refused:
        transitions.fire(p["consultant"], record.pk, "schedule", {"signed_on": "2026-06-15"})
    assert (refused.value.message("en"), refused.value.message("zh")) == (
        "The signing date cannot be after today", "签约日期不能晚于今天")

    record = transitions.fire(p["consultant"], record.pk, "schedule", {"signed_on": "2026-06-04"})
    assert (record.data["due_on"], record.data["count"]) == ("2026-06-21", 10)


def test_days_between_a_stored_date_and_today_reach_the_record(gadget, at_moment):
    p = gadget
    record = open_gadget(p)

    record = transitions.fire(p["consultant"], record.pk, "schedule", {"signed_on": "2026-05-16"})

    assert (record.data["due_on"], record.data["count"]) == ("2026-06-22", 30)


def test_without_a_time_zone_setting_the_installation_zone_applies(settings, people):
    settings.TIME_ZONE = "Asia/Tokyo"
    project = people["p1"]
    assert "time_zone" not in project.settings

    # 15:30 UTC is already the next day in Tokyo
    assert project_today(project, datetime(2026, 6, 15, 15, 30, tzinfo=UTC)) == date(2026, 6, 16)


def test_project_today_at_the_date_line(people):
    project = people["p1"]
    in_zone(project, "Asia/Shanghai")

    assert [project_today(project, datetime(2026, 6, 14, h, 59, tzinfo=UTC)) for h in (15, 16)] == [
        date(2026, 6, 14), date(2026, 6, 15)]  # midnight in Shanghai is 16:00 UTC

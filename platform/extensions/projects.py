"""Project facts plugins need beyond their rules: the local date and month of a moment."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kernel.models import Project


def project_zone(project_id: int) -> ZoneInfo:
    """The project's time zone (`Project.zone`: its `time_zone` setting, else the installation's)."""
    return Project.objects.only("settings").get(pk=project_id).zone


def local_date(project_id: int, moment: datetime) -> date:
    """The calendar date at the project: a deal signed at 23:30 in Shanghai counts on that day."""
    return moment.astimezone(project_zone(project_id)).date()

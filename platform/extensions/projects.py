"""Project facts plugins need beyond their rules: the local date and month of a moment."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from kernel.models import Project


def project_zone(project_id: int) -> ZoneInfo:
    """The project's time zone (project settings `time_zone`, default the installation's)."""
    return ZoneInfo(Project.objects.get(pk=project_id).setting("time_zone"))


def local_date(project_id: int, moment: datetime) -> date:
    """The calendar date at the project: a deal signed at 23:30 in Shanghai counts on that day."""
    return moment.astimezone(project_zone(project_id)).date()

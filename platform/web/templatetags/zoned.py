"""`{{ when|zoned:zone }}`: a time in a zone, labelled with the zone's name: 2026-12-03 14:20 (Asia/Shanghai).

A time without its zone is ambiguous between the studio (the project's zone) and the
command line; every time the studio shows carries the zone it is read in.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

register = template.Library()


def zoned_text(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    """The time in `zone` (the current one when not given) to the minute, followed by the zone's name."""
    if when is None:
        return ""
    zone = zone or timezone.get_current_timezone()
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


@register.filter
def zoned(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    return zoned_text(when, zone)

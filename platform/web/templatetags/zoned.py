"""`{{ when|zoned:zone }}`: a time in a zone, labelled with the zone as the kernel writes it
(2026-12-03 14:20 (Asia/Shanghai) / 2026年12月3日 14:20（北京时间）).

A time without its zone is ambiguous between the studio (the project's zone) and the
command line; every time the studio shows carries the zone it is read in.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone

from kernel.zones import local_text

register = template.Library()


@register.filter
def zoned(when: datetime | None, zone: ZoneInfo | None = None) -> str:
    """The time in `zone` (the current one when not given) to the minute, followed by the zone's name."""
    if not isinstance(when, datetime):  # None, or the template's empty string for a missing version
        return ""
    return local_text(when, zone or timezone.get_current_timezone())


@register.simple_tag
def zone_label() -> str:
    """The current time zone as its readers call it (北京时间 / Asia/Shanghai), for a list's "times in" heading."""
    from django.utils.translation import get_language

    from kernel.zones import zone_name

    return zone_name(timezone.get_current_timezone(), get_language())

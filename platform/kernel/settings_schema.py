"""Project settings are checked against schemas/project-settings.json."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import available_timezones

from django.conf import settings
from django.utils import translation

from definitions.errors import closest, format_path

from .schema_messages import schema_message
from .schemas import cached_schema, cached_validator


def project_settings_schema() -> dict:
    """schemas/project-settings.json (shared: copy it before changing it)."""
    return cached_schema(_path())


def _path() -> Path:
    return Path(settings.SCHEMAS_DIR) / "project-settings.json"


def effective_settings(values: dict) -> dict:
    """A project's settings with the schema's defaults for what it does not set."""
    properties = project_settings_schema().get("properties", {})
    defaults = {name: spec["default"] for name, spec in properties.items() if "default" in spec}
    return {**defaults, **(values or {})}


def settings_problems(values: object, language: str = "en") -> list[str]:
    """Every problem with a project's settings, each naming the setting: the schema's, then the time zone.

    Every problem is in `language` (en or zh): the schema's through kernel.schema_messages.
    """
    with translation.override("zh-hans" if language.startswith("zh") else "en"):
        problems = [
            f"{format_path(list(e.absolute_path)) or '(settings)'}: {schema_message(e)}"
            for e in cached_validator(_path()).iter_errors(values)
        ]
    zone = values.get("time_zone") if isinstance(values, dict) else None
    if isinstance(zone, str) and zone not in zone_names():
        hint = closest(zone, zone_names())
        if language.startswith("zh"):
            problems.append(f"time_zone（时区）：'{zone}' 不是时区名称，例如 Asia/Shanghai"
                            + (f"；是否应为 '{hint}'？" if hint else ""))
        else:
            problems.append(f"time_zone: '{zone}' is not a time zone name, e.g. Asia/Shanghai"
                            + (f"; did you mean '{hint}'?" if hint else ""))
    return problems


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zone names this installation knows (Asia/Shanghai, Asia/Hong_Kong ...)."""
    return frozenset(available_timezones())


DUNNING_DAYS_AHEAD = 7


def dunning_days_ahead(values: dict) -> int:
    """How many days before its due date an amount still due is reminded of (`dunning_days_ahead`, default 7).

    Read through the schema's default like every setting; a project saved before the
    setting existed gets the default.
    """
    days = effective_settings(values).get("dunning_days_ahead", DUNNING_DAYS_AHEAD)
    return days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 else DUNNING_DAYS_AHEAD

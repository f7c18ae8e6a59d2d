"""A project's time zone in words, for the kernel's texts and the pages (one copy: web.display imports it).

Chinese readers call China's zone 北京时间 and any other by its offset (UTC+09:00);
English readers get the zone's name (Asia/Shanghai). `local_text` writes a moment the
way the kernel's refusals and histories say it, always with the year and the zone:
2027年1月1日 14:36（北京时间） / 2027-01-01 14:36 (Asia/Shanghai).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import get_language

CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"})


def _chinese(lang: str | None) -> bool:
    return (lang or get_language() or "zh").startswith("zh")


def zone_name(zone: ZoneInfo, lang: str | None = None) -> str:
    """A time zone as its readers call it: 北京时间 (or UTC+09:00) in Chinese, Asia/Shanghai in English."""
    if not _chinese(lang):
        return zone.key
    if zone.key in CHINA_ZONES:
        return "北京时间"
    offset = datetime.now(zone).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def local_text(moment: datetime, zone: ZoneInfo, lang: str | None = None, *, with_zone: bool = True) -> str:
    """`moment` in the zone, with the year and (unless `with_zone` is False: a sentence that named the zone
    already) the zone's name, in the language (the active one if not given)."""
    local = moment.astimezone(zone)
    if _chinese(lang):
        text = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        return f"{text}（{zone_name(zone, 'zh')}）" if with_zone else text
    text = f"{local:%Y-%m-%d %H:%M}"
    return f"{text} ({zone_name(zone, 'en')})" if with_zone else text


__all__ = ["CHINA_ZONES", "local_text", "zone_name"]

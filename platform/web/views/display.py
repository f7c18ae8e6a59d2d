"""How numbers, people and time zones read on a page: ¥1,234,567.00, 89.37 m², a display name, 东八区."""
from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import get_language


def yuan(value: Decimal | str | int | None) -> str:
    """Money as people read it: ¥ with thousands separators and two decimals; a dash for nothing.

    Decimal strings (how records keep money) are read as Decimal, never through a float.
    """
    if value is None or value == "":
        return "—"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return "—"
    return f"¥{amount:,.2f}"


def square_metres(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f} m²"


def person(username: str | None, display_name: str = "", first_name: str = "", last_name: str = "") -> str:
    """A user as colleagues know them: their display name, else their full name, else the login name."""
    full = f"{first_name or ''} {last_name or ''}".strip()
    return display_name or full or username or ""


def person_of(user) -> str:
    """`person` for a user object."""
    return person(user.get_username(), getattr(user, "display_name", ""), user.first_name, user.last_name)


def zone_label(zone: tzinfo, at: datetime | None = None) -> str:
    """A time zone named in the user's language without codes: 东八区 / UTC+08:00."""
    offset = (at or timezone.now()).astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    if (get_language() or "zh-hans").startswith("zh"):
        # Chinese names whole-hour zones 东/西N区; a Latin code would be English on a Chinese page.
        numerals = "零一二三四五六七八九十"
        if rest == 0 and hours <= 12:
            spoken = numerals[hours] if hours <= 10 else "十" + numerals[hours - 10]
            return "零时区" if hours == 0 else f"{'东' if sign == '+' else '西'}{spoken}区"
        return f"协调世界时{sign}{hours:02d}:{rest:02d}"
    return f"UTC{sign}{hours:02d}:{rest:02d}"

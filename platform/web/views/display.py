"""How areas and people read on the chart and the unit card: 89.37 m², a display name.

Money and moments come from web.display (money, moment), as on the record page.
"""
from __future__ import annotations

from decimal import Decimal


def square_metres(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f} m²"


def person(username: str | None, display_name: str = "", first_name: str = "", last_name: str = "") -> str:
    """A user as colleagues know them: their display name, else their full name, else the login name."""
    full = f"{first_name or ''} {last_name or ''}".strip()
    return display_name or full or username or ""


def person_of(user) -> str:
    """`person` for a user object."""
    return person(user.get_username(), getattr(user, "display_name", ""), user.first_name, user.last_name)

"""Personal phones and ID numbers wherever they are kept: which fields they are, who sees them whole.

Customers' phones follow `kernel.visibility` (their consultant and the roles of
`access.FULL_PHONE_ROLES` see them whole). Record data holds personal numbers too: the
contact person's phone of a merchant lead (merchant_leasing.contact_phone), and any
phone or ID number a client's schema adds. The same rule applies to them, in one place:

- a field is personal when its schema says `"x-personal": "phone"` or `"id_number"`, or,
  without the marker, by its name: `phone`, `mobile`, `*_phone`, `*_mobile` hold phones,
  `id_number` and `*_id_number` ID numbers (the names every shipped schema uses);
- a viewer sees it whole when, in the record's project, they hold one of
  `FULL_PHONE_ROLES` or the merchant-leasing manager's role (招商经理 runs every working
  state of merchant leasing and calls the merchant's contact; for buyers it has no work,
  so customers' phones stay as `visibility` says), or when the record names them as its
  own consultant (`consultant_id`), as a customer's consultant sees their customer;
- everyone else sees 138****1234 and 110***********1234.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .access import FULL_PHONE_ROLES
from .phones import mask_phone

PHONE, ID_NUMBER = "phone", "id_number"
# Roles that see personal numbers in record data in full, in the projects where they hold them.
RECORD_FULL_ROLES = FULL_PHONE_ROLES | {"merchant_manager"}
# Data keys naming the user a record belongs to, as a customer belongs to their consultant.
OWNER_KEYS = ("consultant_id",)


def personal_kind(name: str, schema: Mapping | None = None) -> str | None:
    """PHONE, ID_NUMBER or None for a field called `name` with this schema."""
    marker = (schema or {}).get("x-personal")
    if marker in (PHONE, ID_NUMBER):
        return marker
    if name in ("phone", "mobile") or name.endswith(("_phone", "_mobile")):
        return PHONE
    if name == ID_NUMBER or name.endswith("_" + ID_NUMBER):
        return ID_NUMBER
    return None


def mask_id_number(number: object) -> str:
    """110***********1234: the first three and last four characters stay; at least four are hidden.

    Short numbers (a passport's E12345678) keep fewer at the start: E****5678.
    """
    text = str(number or "")
    if len(text) >= 11:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if len(text) <= 4:
        return "*" * len(text)
    keep_end = min(4, len(text) - 4)
    return text[:max(len(text) - keep_end - 4, 0)] + "****" + text[-keep_end:]


def masked(kind: str, value: object) -> str:
    """The value as a viewer without the right sees it."""
    if kind == PHONE:
        return mask_phone(str(value)) if value else ""
    return mask_id_number(value)


def owners(data: Mapping | None) -> frozenset[int]:
    """The users a record's data names as its own people."""
    data = data or {}
    return frozenset(v for k in OWNER_KEYS if isinstance(v := data.get(k), int) and not isinstance(v, bool))


def sees_in_full(roles: Iterable[str], user_id: int | None, record_owners: Iterable[int] = ()) -> bool:
    """Whether a viewer with these roles in the record's project sees its personal numbers whole."""
    roles = frozenset(roles)
    if roles & RECORD_FULL_ROLES:
        return True
    return bool(roles) and user_id is not None and user_id in frozenset(record_owners)

"""Phone numbers: one spelling per number (E.164), and the masked form 138****1234.

Normalising through libphonenumber means "138 1234 1234", "+86-138-1234-1234" and
"008613812341234" are one number, so deduplication cannot be dodged by spacing. A
number without a country code is read as Chinese.
"""
from __future__ import annotations

import phonenumbers

from .errors import InvalidPhone

DEFAULT_REGION = "CN"
HOME_COUNTRY_CODE = 86


def normalise_phone(raw: object) -> str:
    """The E.164 form of a valid number, e.g. +8613812341234; `InvalidPhone` otherwise."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone(value=raw)
    try:
        parsed = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(value=raw) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(value=raw)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits stay, every digit between is a star.

    Chinese numbers are shown without +86, as people write them; others keep their
    country code so they are not mistaken for Chinese ones. Shorter numbers (landlines,
    Hong Kong mobiles) still hide at least four digits: 21****5678, +852 ****4567.
    """
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, DEFAULT_REGION)
        digits = phonenumbers.national_significant_number(parsed)
        prefix = "" if parsed.country_code == HOME_COUNTRY_CODE else f"+{parsed.country_code} "
    except phonenumbers.NumberParseException:
        digits, prefix = "".join(c for c in phone if c.isdigit()), ""
    if len(digits) >= 11:
        return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return prefix + digits[:max(len(digits) - 4 - 4, 0)] + "****" + digits[-min(4, len(digits) // 2):]

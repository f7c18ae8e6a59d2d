"""Mainland resident ID numbers (居民身份证号码, GB 11643-1999): 18 characters, a birthday, a check digit.

The check catches the typing errors people make (a swapped or mistyped digit) before a
contract or a filing is built on a wrong number. The 17 digits are weighted by 2^(17-i)
mod 11, their sum mod 11 picks the check character from "10X98765432". A lower-case x
is read as X; spaces are dropped. 15-digit numbers (issued before 1999) are no longer
valid documents and are refused.
"""
from __future__ import annotations

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def resident_id_problem(raw: object, *, today: date | None = None) -> tuple[str, str] | None:
    """What is wrong with a resident ID number, in English and Chinese; None when it is valid."""
    text = raw.replace(" ", "").upper() if isinstance(raw, str) else ""
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        return ("a resident ID number has 18 characters: 17 digits and a check digit or X",
                "居民身份证号码应为 18 位：17 位数字加 1 位校验码（数字或 X）")
    if text[0] == "0":
        return ("the first six digits are not an area code", "前六位不是行政区划代码")
    try:
        birthday = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        birthday = None
    if birthday is None or birthday.year < 1900 or birthday > (today or date.today()):
        return (f"the birthday in it ({text[6:14]}) is not a real date",
                f"其中的出生日期（{text[6:14]}）不是有效日期")
    expected = check_character(text[:17])
    if text[17] != expected:
        return ("the check digit does not match: the number is mistyped",
                "校验码不符，号码可能输错了")
    return None


def normalise_resident_id(raw: str) -> str:
    """The stored spelling: no spaces, upper-case X."""
    return raw.replace(" ", "").upper()

"""Cell readers (django-import-export widgets) that refuse in the user's language, naming what was expected.

Numbers are read as Decimal through kernel.money.parse_decimal; a numeric Excel cell
arrives as a float and is taken by its shortest decimal spelling (128.5 → "128.5"),
which is what the person typed, never by its binary value.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.utils.translation import gettext
from import_export import widgets

from definitions.money import MONEY_LIMIT, MONEY_LIMIT_TEXT
from kernel.money import parse_decimal

from .columns import Choice, choice_of


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text_of(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number in Excel: 1502, not 1502.0
    return str(value).strip()


class Text(widgets.Widget):
    def __init__(self, max_length: int, required: bool = False):
        super().__init__()
        self.max_length, self.required = max_length, required

    def clean(self, value, row=None, **kwargs) -> str:
        if blank(value):
            if self.required:
                raise ValueError(gettext("required"))
            return ""
        text = text_of(value)
        if len(text) > self.max_length:
            raise ValueError(gettext("at most %(n)s characters") % {"n": self.max_length})
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


class Number(widgets.Widget):
    """A decimal with at most `places` decimals between `minimum` and `maximum`."""

    def __init__(self, places: int, *, minimum: Decimal | None = None, above: Decimal | None = None,
                 maximum: Decimal = MONEY_LIMIT, required: bool = False, integer: bool = False):
        super().__init__()
        self.places, self.minimum, self.above, self.maximum = places, minimum, above, maximum
        self.required, self.integer = required, integer

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            if self.required:
                raise ValueError(gettext("required"))
            return None
        if isinstance(value, bool):
            raise ValueError(self._expected())
        if isinstance(value, float):
            value = repr(value)
        try:
            number = parse_decimal(value if not isinstance(value, str) else value.replace("¥", "").replace("￥", ""))
        except ValueError:
            raise ValueError(self._expected()) from None
        if number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise ValueError(gettext("at most %(n)s decimal places") % {"n": self.places} if self.places
                             else gettext("a whole number"))
        if self.above is not None and number <= self.above:
            raise ValueError(gettext("must be more than %(n)s") % {"n": self.above})
        if self.minimum is not None and number < self.minimum:
            raise ValueError(gettext("must be at least %(n)s") % {"n": self.minimum})
        if number > self.maximum:
            raise ValueError(gettext("must be at most %(n)s") % {
                "n": MONEY_LIMIT_TEXT if self.maximum == MONEY_LIMIT else self.maximum})
        number = number.quantize(Decimal(1).scaleb(-self.places))
        return int(number) if self.integer else number

    def _expected(self) -> str:
        return gettext("not a whole number") if self.integer else gettext("not a number")

    def render(self, value, obj=None, **kwargs):
        return value


class Pick(widgets.Widget):
    """One of a list of choices, by code or by title in either language; the code is what is kept."""

    def __init__(self, choices: Callable[[], Sequence[Choice]], required: bool = False, default: str = ""):
        super().__init__()
        self._choices, self.required, self.default = choices, required, default
        self._cache: dict[str, Sequence[Choice]] = {}

    def choices(self) -> Sequence[Choice]:
        """The choices, worked out once per language (titling them in both languages per cell was a tenth of
        an import's time); a project's lists are read by a widget made per import, so they are that import's."""
        from django.utils.translation import get_language

        language = get_language() or ""
        if language not in self._cache:
            self._cache[language] = list(self._choices())
        return self._cache[language]

    def clean(self, value, row=None, **kwargs) -> str:
        if blank(value):
            if self.required:
                raise ValueError(gettext("required"))
            return self.default
        found = choice_of(text_of(value), self.choices())
        if found is None:
            from django.utils.translation import get_language

            from .columns import LANGUAGES  # noqa: F401  (titles in the page's language below)

            language = get_language() or "zh-hans"
            known = "、".join(c.title(language) for c in self.choices()) if language.startswith("zh") else \
                ", ".join(c.title(language) for c in self.choices())
            raise ValueError(gettext("not one of: %(choices)s") % {"choices": known})
        return found.code


class Month(widgets.Widget):
    """A month: 2026-07, 2026/7, 2026年7月 or any date in it (an Excel date cell); kept as its first day."""

    def clean(self, value, row=None, **kwargs):
        if blank(value):
            raise ValueError(gettext("required"))
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = text_of(value).replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
        parts = [p for p in text.split("-") if p]
        try:
            year, month = int(parts[0]), int(parts[1])
            return dt.date(year, month, 1)
        except (ValueError, IndexError):
            raise ValueError(gettext("not a month, e.g. 2026-07")) from None


class Day(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if blank(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(text_of(value).replace("/", "-"))
        except ValueError:
            raise ValueError(gettext("not a date, e.g. 2026-07-15")) from None

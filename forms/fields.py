"""Form fields for the schema vocabulary (docs/schemas.md): each cleans what a person types
into the value the engine stores, or says at the field, in the user's language, what it expected.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.core.validators import DecimalValidator
from django.utils.translation import gettext_lazy as _

from .parsing import (
    MAX_JSON_DEPTH,
    MONEY_MAX_DIGITS,
    MoneyTooLarge,
    json_depth,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_key,
    parse_money,
    parse_percent,
    percent_text,
)
from .refs import CustomerOption, Refs
from .widgets import (
    BuyersWidget,
    DateInput,
    DateTimeInput,
    MoneyInput,
    PercentInput,
    Picked,
    PickerInput,
    Typed,
    money_text,
)

HUNDRED_PERCENT = Decimal(1)
_PHONE_TAIL = re.compile(r"^\+?[\d*]{7,}$")


class TypedField(forms.Field):
    """A field whose posted text is shown again exactly as typed when the form is refused."""

    def bound_data(self, data, initial):
        return Typed(data) if isinstance(data, str) else data

    def shown(self, value) -> str:
        """How a value from the record (or a start-page parameter) reads in the widget."""
        return str(value)

    def prepare_value(self, value):
        if value is None or value == "":
            return ""
        return value if isinstance(value, Typed) else self.shown(value)


class MoneyField(TypedField):
    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Enter an amount in yuan with at most two decimals, e.g. 1,234.50."),
        "limit": _("Enter an amount below ¥1,000,000,000,000.00."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            amount = parse_money(str(value))
        except MoneyTooLarge:  # what the money columns hold (definitions.money)
            raise forms.ValidationError(self.error_messages["limit"], code="limit") from None
        except ValueError:
            too_precise = _number_or_none(str(value))
            if too_precise is not None:  # a number with fen fractions: Django's own words for it
                DecimalValidator(MONEY_MAX_DIGITS + 6, 2)(too_precise)
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return amount

    def shown(self, value) -> str:
        return money_text(value)


def _number_or_none(text: str) -> Decimal | None:
    try:
        return parse_decimal(text.strip().lstrip("¥￥").rstrip("元").strip())
    except ValueError:
        return None


class DecimalTextField(TypedField):
    """An exact decimal (areas): up to 15 digits before the point and 6 after, as the entity format allows."""

    default_error_messages = {"invalid": _("Enter a number, e.g. 89.37.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_decimal(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        # the size first: rounding a number of thirty digits to 0.000001 overflows Decimal's precision
        if abs(number) >= Decimal(10) ** 15 or number != number.quantize(Decimal("0.000001")):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class PercentField(TypedField):
    """A rate kept as a fraction ("0.05") and typed as a percentage (5 or 5 %)."""

    widget = PercentInput
    default_error_messages = {"invalid": _("Enter a percentage, e.g. 5 or 5%.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            fraction = parse_percent(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if abs(fraction) >= Decimal(10) ** 9 or fraction != fraction.quantize(Decimal("0.000001")):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return fraction

    def shown(self, value) -> str:
        return percent_text(value)


class SchemaDateField(TypedField):
    """A date, stored as 2028-06-30; 2028/6/30 and 2028年6月30日 are read too."""

    widget = DateInput
    default_error_messages = {"invalid": _("Enter a date as 2028-06-30 (2028/6/30 works too).")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_date(str(value)).isoformat()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def shown(self, value) -> str:
        try:
            return parse_date(str(value)).isoformat()
        except ValueError:
            return str(value)


class SchemaDateTimeField(TypedField):
    """A moment, typed in the project's time zone and stored with its offset (ISO 8601)."""

    default_error_messages = {"invalid": _("Enter a date and time as 2028-06-30 14:00.")}

    def __init__(self, *, zone: str, zone_label: str, **kwargs):
        self.zone = zone
        kwargs.setdefault("widget", DateTimeInput(zone_label))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_datetime(str(value), self.zone).isoformat()
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def shown(self, value) -> str:
        try:
            moment = value if isinstance(value, datetime) else parse_datetime(str(value), self.zone)
        except ValueError:
            return str(value)
        return moment.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%dT%H:%M")


class UnitField(TypedField):
    """A unit of the project, typed or picked by its code (3-1203); cleaned to the unit's key."""

    default_error_messages = {"unknown": _("There is no unit %(code)s in this project.")}

    def __init__(self, *, refs: Refs, free_only: bool = False, **kwargs):
        self.refs = refs
        kwargs.setdefault("widget", PickerInput("unit", refs.lookup_url("unit", free_only=free_only),
                                                placeholder=_("Unit code, e.g. 3-1203")))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        code = str(value).strip()
        found = self.refs.units_by_code([code]).get(code)
        if found is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"code": code})
        return found.pk

    def prepare_value(self, value):
        if value is None or value == "":
            return ""
        key = parse_key(value) if not isinstance(value, Typed) else None
        if key is not None or isinstance(value, int):  # a key from the record or a link; a typed code otherwise
            unit = self.refs.units_by_pk([key]).get(key) if key is not None else None
            return Picked(unit.code, unit.label) if unit else ""
        code = str(value).strip()
        unit = self.refs.units_by_code([code]).get(code)
        return Picked(code, unit.label if unit else code)


def resolve_customer(refs: Refs, text: str) -> CustomerOption:
    """The one customer `text` names: a picker's @key, a full phone, a name, or "name phone" as a picker shows it.

    `ValidationError` when nobody or several people match, so a customer that does not
    exist is refused at the field rather than stored; so is one found by phone who is not
    registered in the form's project (a deal there needs them registered, and protected, first).
    """
    text = text.strip()
    if text.startswith("@") and text[1:].isdigit():
        key = parse_key(text[1:])
        found = refs.customers_by_pk([key]).get(key) if key is not None else None
        matches = [found] if found else []
    else:
        name, _space, tail = text.rpartition(" ")
        if name and _PHONE_TAIL.match(tail):
            matches = [c for c in refs.customers_matching(name.strip()) if c.phone.replace(" ", "") == tail]
            if not matches and "*" not in tail:
                matches = list(refs.customers_matching(tail))
        else:
            matches = list(refs.customers_matching(text))
    if not matches:
        raise forms.ValidationError(_("The customer does not exist: type a registered customer's name or phone, "
                                      "or pick one from the list."), code="unknown")
    if len(matches) > 1:
        raise forms.ValidationError(_("Several customers match %(text)s: type the phone number or pick one "
                                      "from the list."), code="ambiguous", params={"text": text})
    if not matches[0].registered:
        raise forms.ValidationError(_("%(name)s is not registered in this project yet: register them here first, "
                                      "then pick them."), code="not_registered", params={"name": matches[0].name})
    return matches[0]


class CustomerField(TypedField):
    """A customer picked by name or phone (masked per the viewer); cleaned to the customer's key."""

    def __init__(self, *, refs: Refs, **kwargs):
        self.refs = refs
        kwargs.setdefault("widget", customer_picker(refs))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return resolve_customer(self.refs, str(value)).pk

    def prepare_value(self, value):
        if value is None or value == "":
            return ""
        return customer_shown(self.refs, [value])[0]


def customer_picker(refs: Refs) -> PickerInput:
    return PickerInput("customer", refs.lookup_url("customer"), placeholder=_("Name or phone"))


def customer_shown(refs: Refs, values: list) -> list[Picked]:
    """Picker values for customers from the record (keys) or the user's submit (typed text), in one query."""
    keys = {}
    for value in values:
        if isinstance(value, int) or (not isinstance(value, Typed) and str(value).isdigit()):
            keys[value] = parse_key(value)
        elif str(value).startswith("@") and str(value)[1:].isdigit():
            keys[value] = parse_key(str(value)[1:])
    wanted = {key for key in keys.values() if key is not None}  # a key beyond 64 bits names nobody
    found = refs.customers_by_pk(wanted) if wanted else {}
    shown = []
    for value in values:
        if value in ("", None):
            shown.append(Picked(""))
        elif value in keys:
            key = keys[value]
            customer = found.get(key) if key is not None else None
            # A picked customer keeps its @key (exact); one from the record reads as name and phone.
            text = str(value) if isinstance(value, Typed) else (customer.label if customer else "")
            shown.append(Picked(text, customer.label if customer else text))
        else:
            shown.append(Picked(str(value)))
    return shown


class UserField(forms.TypedChoiceField):
    """A member of the project, chosen by display name."""

    def __init__(self, *, refs: Refs, **kwargs):
        choices = [("", "—")] + [(str(pk), name) for pk, name in refs.members()]
        super().__init__(choices=choices, coerce=int, empty_value=None, **kwargs)


class BuyersField(forms.Field):
    """Buyers with their shares: rows of (customer, share %), the first the main buyer.

    Several buyers each need a share and the shares must add up to 100 %; one buyer may
    leave the share empty (the whole). A customer may appear once.
    """

    default_error_messages = {
        "row": _("Buyer %(row)s: %(problem)s"),
        "share_missing": _("Buyer %(row)s: enter the share in %%, e.g. 50."),
        "share_invalid": _("Buyer %(row)s: enter the share as a percentage above 0 and at most 100, e.g. 50."),
        "total": _("The shares add up to %(total)s %%; they must add up to 100 %%."),
        "duplicate": _("Buyer %(row)s is already in the list."),
        "customer_missing": _("Buyer %(row)s: choose the customer."),
        "too_many": _("At most %(max)s buyers."),
    }

    def __init__(self, *, refs: Refs, rows: int = 5, with_share: bool = True, min_rows: int = 1, **kwargs):
        self.refs, self.rows, self.with_share, self.min_rows = refs, rows, with_share, min_rows
        kwargs.setdefault("widget", BuyersWidget(rows, customer_picker(refs), PercentInput() if with_share else None))
        super().__init__(**kwargs)

    def _rows(self, value) -> list[tuple[object, str]]:  # (the customer's key or typed text, the share)
        if not value:
            return []
        rows: list = []
        for row in value:
            if isinstance(row, dict):  # from the record
                customer = row.get("customer_id")
                share = percent_text(row["share"]) if row.get("share") not in (None, "") else ""
                rows.append((customer, share))
            else:
                rows.append(tuple(row))
        return [(c, s) for c, s in rows if c not in ("", None) or s not in ("", None)]

    def to_python(self, value):
        rows = self._rows(value)
        if not rows:
            return None
        if len(rows) > self.rows:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"max": self.rows})
        buyers, seen, problems = [], set(), []
        for number, (customer, share) in enumerate(rows, start=1):
            if customer in ("", None):
                problems.append(forms.ValidationError(self.error_messages["customer_missing"],
                                                      code="customer_missing", params={"row": number}))
                continue
            try:
                pk = customer if isinstance(customer, int) else resolve_customer(self.refs, str(customer)).pk
            except forms.ValidationError as error:
                problems.append(forms.ValidationError(self.error_messages["row"], code="row",
                                                      params={"row": number, "problem": error.messages[0]}))
                continue
            if pk in seen:
                problems.append(forms.ValidationError(self.error_messages["duplicate"], code="duplicate",
                                                      params={"row": number}))
            seen.add(pk)
            buyers.append({"customer_id": pk, "share": share})
        if problems:
            raise forms.ValidationError(problems)
        if self.with_share:
            self._shares(buyers)
        else:
            for buyer in buyers:
                buyer.pop("share")
        return buyers

    def _shares(self, buyers: list[dict]) -> None:
        if len(buyers) == 1 and buyers[0]["share"] in ("", None):
            buyers[0].pop("share")
            return
        total = Decimal(0)
        for number, buyer in enumerate(buyers, start=1):
            if buyer["share"] in ("", None):
                raise forms.ValidationError(self.error_messages["share_missing"], code="share_missing",
                                            params={"row": number})
            try:
                fraction = parse_percent(str(buyer["share"]))
            except ValueError:
                fraction = None
            if fraction is None or not Decimal(0) < fraction <= HUNDRED_PERCENT:
                raise forms.ValidationError(self.error_messages["share_invalid"], code="share_invalid",
                                            params={"row": number})
            buyer["share"] = format(fraction, "f")
            total += fraction
        if total != HUNDRED_PERCENT:
            raise forms.ValidationError(self.error_messages["total"], code="total",
                                        params={"total": percent_text(total)})

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value):
        rows = self._rows(value)
        customers = customer_shown(self.refs, [c for c, _s in rows])
        return [(customer, share or "") for customer, (_c, share) in zip(customers, rows)]


class LinesField(forms.CharField):
    """A list of short texts, one per line (an array of strings without a fixed set of values)."""

    def __init__(self, *, max_items: int | None = None, **kwargs):
        self.max_items = max_items
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""  # CharField gives "" for nothing (its empty_value)
        items = list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
        if self.max_items is not None and len(items) > self.max_items:
            raise forms.ValidationError(_("At most %(max)s lines."), code="too_many", params={"max": self.max_items})
        return items or None


class JSONTextField(forms.JSONField):
    """A free-form object or list typed as JSON, nested at most `MAX_JSON_DEPTH` levels.

    The depth is read before the text is parsed (forms.parsing.json_depth): Django's
    JSONField hands any text to `json.loads`, and 100,000 brackets end in a RecursionError
    and a server error instead of a word at the field.
    """

    default_error_messages = {"too_deep": _("Nested too deeply: at most %(limit)s levels of [ ] and { }.")}

    def to_python(self, value):
        if isinstance(value, str) and json_depth(value) > MAX_JSON_DEPTH:
            raise forms.ValidationError(self.error_messages["too_deep"], code="too_deep",
                                        params={"limit": MAX_JSON_DEPTH})
        return super().to_python(value)

    def bound_data(self, data, initial):
        if isinstance(data, str) and json_depth(data) > MAX_JSON_DEPTH:
            return forms.fields.InvalidJSONInput(data)  # shown again as typed, with the error above
        return super().bound_data(data, initial)

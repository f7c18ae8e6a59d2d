"""Widgets of the schema forms: plain inputs that work without scripts, enhanced by forms.js.

Values that came from the user's own submit arrive as `Typed` strings and are shown as
typed (a refused form keeps what was typed); values from the record or the start page's
parameters are shown in the widget's own format (¥1,234.50, 5 %, the unit's code).
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.functional import Promise


class Typed(str):
    """What the user typed, to be shown again unchanged."""


class Picked(str):
    """A picker's value (unit code, customer text) with the label the picker shows for it."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> Picked:
        made = super().__new__(cls, value)
        made.label = label or value
        return made


def money_text(value: object) -> str:
    """1234.5 -> '1,234.50' (what the money input shows before anyone types)."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


class MoneyInput(forms.TextInput):
    template_name = "web/widgets/money.html"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class PercentInput(forms.TextInput):
    template_name = "web/widgets/percent.html"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "percent", **(attrs or {})})


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return str(value) if value not in (None, "") else None


class DateTimeInput(forms.TextInput):
    """A datetime-local input followed by the zone its time is in."""

    input_type = "datetime-local"
    template_name = "web/widgets/datetime.html"

    def __init__(self, zone_label: str, attrs=None):
        super().__init__(attrs)
        self.zone_label = zone_label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["zone_label"] = self.zone_label
        return context


class PickerInput(forms.TextInput):
    """A text input (a unit code, a customer's name or phone) that forms.js turns into a search picker."""

    template_name = "web/widgets/picker.html"

    def __init__(self, kind: str, lookup_url: str, placeholder: str | Promise, attrs=None):
        super().__init__({"autocomplete": "off", "data-picker": kind, "data-lookup": lookup_url,
                          "placeholder": placeholder, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if value:
            label = getattr(value, "label", str(value))
            context["widget"]["attrs"]["data-initial"] = json.dumps({"value": str(value), "text": label},
                                                                  ensure_ascii=False)
        return context


class BuyersWidget(forms.Widget):
    """Rows of (customer picker, share in %), the first the main buyer; all rows are posted, empty ones ignored."""

    template_name = "web/widgets/buyers.html"

    def __init__(self, rows: int, customer: PickerInput, share: PercentInput | None, attrs=None):
        super().__init__(attrs)
        self.rows, self.customer, self.share = rows, customer, share

    def value_from_datadict(self, data, files, name):
        rows = []
        for i in range(self.rows):
            customer = data.get(f"{name}-{i}-customer", "")
            share = data.get(f"{name}-{i}-share", "")
            rows.append((Typed(customer.strip()), Typed(share.strip())))
        return rows

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}-") for key in data)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = list(value or [])
        rows += [(Picked(""), "")] * (self.rows - len(rows))
        widget_id = (attrs or {}).get("id") or f"id_{name}"
        context["widget"]["rows"] = [
            {"index": i,
             "customer": self.customer.get_context(f"{name}-{i}-customer", customer,
                                                   {"id": f"{widget_id}-{i}-customer"})["widget"],
             "share": (self.share.get_context(f"{name}-{i}-share", share, {"id": f"{widget_id}-{i}-share"})["widget"]
                       if self.share else None),
             "filled": bool(customer)}
            for i, (customer, share) in enumerate(rows[:self.rows])]
        return context

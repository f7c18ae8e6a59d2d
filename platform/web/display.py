"""Record values in business words, driven by the entity schema.

A page never shows a raw value: a unit id becomes its code with area and list price,
a customer id the customer's name (linked, phone masked as the viewer's roles say), a
personal phone or ID number in the data masked unless the viewer may see it (kernel.personal_fields), a
user id the person's display name, an enum its title, money ¥1,234,567.00, a rate read
as a percent 5%, a date in the user's language. Objects become label/value pairs and
lists of objects tables, through the same schema. Nothing empty shows as None: "—".

Referenced rows are loaded in one query per kind for a whole page (`References.load`
after `collect_references` walked every value the page will show), never per field.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from kernel.personal_fields import masked, personal_kind, sees_in_full
from kernel.zones import zone_name

if TYPE_CHECKING:  # for the types only: the models are imported where they are queried (References.load)
    from accounts.models import User
    from kernel.models import Customer, Unit
    from kernel.visibility import PhoneVisibility

# what a page's values name, by kind: ids of units, customers and users; the names of code lists and of
# personal fields
Found = dict[str, set[Any]]

# the dates a person may type in a date field: 2026-12-30, 2026/12/30, 2026年12月30日
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DASH = "—"
REF_KINDS = ("unit", "customer", "user")
# Older schemas (and frozen versions published before `x-ref`) name their ids only by key.
_REF_BY_KEY = {"unit_id": "unit", "change_unit_id": "unit", "customer_id": "customer", "referrer_id": "customer",
               "consultant_id": "user"}
# Keys some plugins write inside objects without a schema of their own (the frozen quote):
# internal bookkeeping nobody reads on a record page.
_HIDDEN_KEYS = frozenset({"format", "rules_revision", "needs_approval", "id"})


def _glossary() -> dict[str, str]:
    """Labels for keys inside plugin-written objects whose schema gives no title (the frozen quote)."""
    return {
        "quoted_at": _("Quoted at"), "unit": pgettext("record value", "Unit"), "code": pgettext("record value", "Code"),
        "floor": pgettext("record value", "Floor"), "orientation": pgettext("record value", "Orientation"),
        "built_area": _("Built area (m²)"), "inner_area": _("Inner area (m²)"),
        "basis": _("Pricing basis"), "area": _("Area (m²)"), "payment_plan": _("Payment plan"),
        "list_price": pgettext("record value", "List price"), "discounts": _("Discounts"), "title": _("Discount"),
        "multiplier": _("Multiplier"), "before": _("Before"), "after": _("After"),
        "manual_discount": _("Manual discount"), "rate": _("Rate"),
        "consultant_allowance": _("Consultant allowance"), "countersign_above": _("Countersign above"),
        "rounding": _("Rounding"), "step": pgettext("record value", "Step"), "mode": _("Mode"), "deal_price": _("Deal price"),
        "deal_price_per_m2": _("Deal price per m²"), "total_discount_rate": _("Total discount"),
        "approval": _("Approval needed"),
        "price_after_discounts": _("Price after discounts"), "credits": _("Credits"), "credit": _("Credit"),
        "credited": _("Credited (old home, rent)"), "to_pay": _("To pay after credits"),
        "amount": _("Amount"),
    }


def _column_labels() -> dict[str, dict[str, str]]:
    """Column labels of plugin-written tables that differ from the glossary's: a credit line is no discount."""
    return {"credits": {"before": _("Before the credit"), "after": _("After the credit")}}


def credit_titles() -> dict[str, str]:
    """The credit lines of a quote (pricing.quote's `credits`), by their code."""
    return {"trade_in": _("Trade-in credit (old home)"), "lease": _("Lease-to-buy credit (rent received)")}


def _known_enums() -> dict[str, str]:
    """Titles of the enum values plugins write (quote basis, rounding mode, approval level)."""
    return {
        "built_area": _("by built area"), "inner_area": _("by inner area"), "built": _("built area"),
        "inner": _("inner area"), "half_up": _("round half up"), "down": _("round down"), "up": _("round up"),
        "none": _("none"), "approval": _("manager approval"), "countersign": _("countersign"),
        **credit_titles(),
    }


_PLUGIN_ENUM_KEYS = frozenset({"basis", "mode", "approval", "area_basis", "credit"})
_MONEY_KEYS = frozenset({"list_price", "deal_price", "deal_price_per_m2", "before", "after", "price_after_discounts",
                         "amount", "credited", "to_pay"})
_RATE_KEYS = frozenset({"rate", "total_discount_rate", "consultant_allowance", "countersign_above"})


@dataclass
class Shown:
    """One value as the template renders it: text (maybe linked, with a note), pairs or a table."""

    text: str = DASH
    link: str | None = None
    note: str = ""
    pairs: list[tuple[str, Shown]] | None = None
    headers: list[str] | None = None
    rows: list[list[Shown]] | None = None

    @property
    def empty(self) -> bool:
        return self.text == DASH and not self.pairs and not self.rows


def ref_kind(name: str, schema: Mapping) -> str | None:
    """Which kernel row an integer property names: the schema's `x-ref`, else a known key."""
    kind = schema.get("x-ref")
    if kind in REF_KINDS:
        return kind
    if schema.get("type") in ("integer", None) and name in _REF_BY_KEY:
        return _REF_BY_KEY[name]
    return None


def collect_references(schema: Mapping, value: object, found: Found, name: str = "") -> None:
    """Add to `found` every unit/customer/user id `value` names, walking objects and arrays by the schema."""
    if schema.get("x-codes") and isinstance(value, str):  # a code of the project's rules: its list's titles
        found.setdefault("codes", set()).add(schema["x-codes"])
    if name and value not in (None, "") and not isinstance(value, (Mapping, list)) and personal_kind(name, schema):
        found.setdefault("personal", set()).add(name)  # the viewer's roles decide how it shows
    if isinstance(value, Mapping):
        properties = schema.get("properties", {})
        for key, item in value.items():
            collect_references(properties.get(key, {}), item, found, key)
    elif isinstance(value, list):
        for item in value:
            collect_references(schema.get("items", {}) if isinstance(schema.get("items"), Mapping) else {},
                               item, found, name)
    elif isinstance(value, int) and not isinstance(value, bool):
        kind = ref_kind(name, schema)
        if kind:
            found.setdefault(kind, set()).add(value)


@dataclass
class References:
    """The units, customers and users a page names, each kind loaded in one query."""

    units: dict[int, Unit] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    visibility: PhoneVisibility | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # x-codes list -> code -> title
    # whether personal phones and ID numbers in the values show whole (kernel.personal_fields);
    # masked unless the page's viewer was judged to see them
    personal_full: bool = False

    @classmethod
    def load(cls, found: Mapping[str, set[Any]], *, project_id: int, viewer,
             owners: Iterable[int] = ()) -> References:
        """`owners`: the users the record names as its own (kernel.personal_fields.owners of its data)."""
        from accounts.models import User
        from kernel.access import roles_in
        from kernel.models import Customer, Unit
        from kernel.visibility import PhoneVisibility

        refs = cls()
        if found.get("personal"):
            viewer_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
            refs.personal_full = sees_in_full(roles_in(viewer_id, project_id), viewer_id, owners)
        if found.get("unit"):
            refs.units = {u.pk: u for u in Unit.objects.filter(pk__in=found["unit"], project_id=project_id)}
        if found.get("customer"):
            refs.customers = {c.pk: c for c in Customer.objects.filter(pk__in=found["customer"])
                              .prefetch_related("registrations")}
            refs.visibility = PhoneVisibility.for_user(viewer, project_id)
        if found.get("user"):
            refs.users = {u.pk: u for u in User.objects.filter(pk__in=found["user"])}
        if found.get("codes"):
            from extensions.rulesets import code_lists

            refs.codes = {name: dict(pairs) for name, pairs in code_lists(project_id, found["codes"]).items()}
        return refs


def money(value: object) -> str:
    """¥1,234,567.00 (negative: -¥1,234.00); the value is a Decimal or a decimal string."""
    amount = _decimal(value)
    if amount is None:
        return DASH if value in (None, "") else str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def percent(value: object) -> str:
    """0.05 → 5%, 0.015 → 1.5%."""
    rate = _decimal(value)
    if rate is None:
        return DASH if value in (None, "") else str(value)
    shown = (rate * 100).quantize(Decimal("0.0001")).normalize()
    return f"{shown:f}%"


def decimal_text(value: object) -> str:
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else str(value)
    return f"{number:,f}" if abs(number) >= 1000 else f"{number:f}"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def shown_phone(phone: str) -> str:
    """A Chinese number as people write it (13812341234, or 138****1234 masked); others keep their country code."""
    return phone[3:] if phone.startswith("+86") else phone


def day(value: object) -> str:
    """A date in the user's language: 2028年6月30日 / 30 Jun 2028."""
    if isinstance(value, str):
        text = value
        try:
            value = date.fromisoformat(text[:10])
        except ValueError:
            return text
    if not isinstance(value, date):
        return DASH
    return date_format(value, pgettext("date format", "j M Y"))


def moment(value: object, zone: ZoneInfo, *, with_zone: bool = True) -> str:
    """A point in time in the project's zone, labelled with it: 12月5日 14:00（北京时间）, 5 Dec 14:00 (Asia/Shanghai).

    The year is left out when it is this year's, as people say it.
    """
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    if not isinstance(value, datetime):
        return DASH
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    local = value.astimezone(zone)
    this_year = local.year == timezone.now().astimezone(zone).year
    pattern = pgettext("datetime format", "j M H:i") if this_year else pgettext("datetime format", "j M Y H:i")
    text = date_format(local, pattern)
    if not with_zone:
        return text
    name = zone_name(zone)
    return f"{text}（{name}）" if (get_language() or "zh").startswith("zh") else f"{text} ({name})"


def joined(parts: Iterable[str], lang: str) -> str:
    """A list in words: 甲、乙 in Chinese, A, B in English."""
    return ("、" if lang.startswith("zh") else ", ").join(parts)


def humanize(key: str) -> str:
    """A label for a key no schema titles: the glossary's, else the key in words."""
    return _glossary().get(key) or key.replace("_", " ").capitalize()


class Display:
    """Formats values by their schema for one page (language, zone and loaded references)."""

    def __init__(self, refs: References, lang: str, zone: ZoneInfo, root: Mapping | None = None):
        """`root`: the entity schema, whose top-level properties also describe keys of the same
        name inside plugin-written objects (the quote's `list_price`, `payment_plan`)."""
        self.refs, self.lang, self.zone = refs, lang, zone
        self.root = (root or {}).get("properties", {})

    def _effective(self, name: str, schema: Mapping) -> Mapping:
        if "format" in schema or "enum" in schema or "x-enum-titles" in schema or name not in self.root:
            return schema
        return {**self.root[name], **schema}

    def label(self, name: str, schema: Mapping) -> str:
        if self.lang.startswith("zh"):
            # an English-only title would put English on a Chinese page: the glossary first
            return schema.get("x-title-zh") or _glossary().get(name) or schema.get("title") or humanize(name)
        return schema.get("title") or humanize(name)

    def fields(self, schema: Mapping, data: Mapping, *, skip_empty: bool = False) -> list[tuple[str, Shown]]:
        """(label, shown) for every value of `data`, in the schema's order, then any others."""
        properties = schema.get("properties", {})
        keys = [k for k in properties if k in data] + [k for k in data if k not in properties]
        out = []
        for key in keys:
            if key in _HIDDEN_KEYS:
                continue
            shown = self.value(properties.get(key, {}), data[key], key)
            if skip_empty and shown.empty:
                continue
            out.append((self.label(key, properties.get(key, {})), shown))
        return out

    def value(self, schema: Mapping, value: object, name: str = "") -> Shown:
        schema = self._effective(name, schema) if name else schema
        if value is None or value == "" or value == [] or value == {}:
            return Shown()
        if isinstance(value, Mapping):
            return Shown(text="", pairs=self.fields(schema, value, skip_empty=True))
        if isinstance(value, list):
            return self._list(schema, value, name)
        if isinstance(value, bool):
            return Shown(_("Yes") if value else _("No"))
        kind = ref_kind(name, schema) if isinstance(value, int) else None
        if kind and isinstance(value, int):
            return self._reference(kind, value)
        return Shown(self.scalar(schema, value, name))

    def scalar(self, schema: Mapping, value: object, name: str = "") -> str:
        kind = personal_kind(name, schema) if name else None
        if kind and not self.refs.personal_full:
            return masked(kind, value)
        codes = schema.get("x-codes")
        if codes:  # a code of the project's rules, by the title the rules give it
            return self.refs.codes.get(codes, {}).get(str(value), str(value))
        titles = schema.get("x-enum-titles")
        if isinstance(titles, Mapping) and str(value) in titles:
            title = titles[str(value)]
            return title.get("en" if self.lang.startswith("en") else "zh") or str(value)
        fmt = schema.get("format")
        if fmt == "money" or (not fmt and name in _MONEY_KEYS):
            return money(value)
        if schema.get("x-percent") or (not fmt and name in _RATE_KEYS) or name.endswith("_rate"):
            return percent(value)
        if fmt == "decimal":
            return decimal_text(value)
        if fmt == "date":
            return day(value)
        if fmt == "date-time" or name.endswith("_at"):
            return moment(value, self.zone)
        if isinstance(value, str) and value in _known_enums() and name in _PLUGIN_ENUM_KEYS:
            return _known_enums()[value]
        return str(value)

    def _list(self, schema: Mapping, items: list, name: str) -> Shown:
        listed = schema.get("items")
        item_schema: Mapping = listed if isinstance(listed, Mapping) else {}
        if all(isinstance(i, Mapping) for i in items):
            properties = item_schema.get("properties", {})
            keys = [k for k in properties if any(k in i for i in items)]
            keys += [k for i in items for k in i if k not in properties and k not in keys]
            keys = [k for k in dict.fromkeys(keys) if k not in _HIDDEN_KEYS and k != "code"]
            columns = _column_labels().get(name, {})
            headers = [columns.get(k) or self.label(k, properties.get(k, {})) for k in keys]
            rows = [[self.value(properties.get(k, {}), i.get(k), k) for k in keys] for i in items]
            return Shown(text="", headers=headers, rows=rows)
        shown = [self.value(item_schema, i, name) for i in items]
        if any(s.link for s in shown):
            return Shown(text="", pairs=[("", s) for s in shown])
        return Shown(joined((s.text for s in shown), self.lang))

    def _reference(self, kind: str, pk: int) -> Shown:
        if kind == "unit":
            unit = self.refs.units.get(pk)
            if unit is None:
                return Shown(_("unit no longer available"))
            return Shown(unit.code, note=_("%(area)s m² · list price %(price)s") % {
                "area": decimal_text(unit.built_area), "price": money(unit.list_price)})
        if kind == "customer":
            customer = self.refs.customers.get(pk)
            if customer is None:
                return Shown(_("customer not visible"))
            phone = self.refs.visibility.phone_for(customer) if self.refs.visibility else ""
            phone = shown_phone(phone)
            return Shown(customer.name, link=reverse("web:customer", args=[pk]), note=phone)
        user = self.refs.users.get(pk)
        return Shown(str(user) if user is not None else _("former user"))


def collect_all(schema: Mapping, values: Iterable[Mapping]) -> Found:
    """The references of several value mappings at once (record data, history changes)."""
    found: Found = {}
    for value in values:
        collect_references(schema, value, found)
    return found

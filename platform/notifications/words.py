"""A notification's words, in the reader's language (made at read time from kind and params)."""
from __future__ import annotations

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .kinds import Kind


def title(kind: str, params: dict) -> str:
    zh = (get_language() or "").startswith("zh")
    task = params.get("task_zh" if zh else "task_en") or ""
    ref = params.get("reference", "")
    if kind == Kind.TASK_ASSIGNED:
        return _("“%(task)s” of %(reference)s is assigned to you") % {"task": task, "reference": ref}
    if kind == Kind.TASK_OFFERED:
        return _("“%(task)s” of %(reference)s is waiting for your role") % {"task": task, "reference": ref}
    if kind == Kind.TASK_ESCALATED:
        return _("“%(task)s” of %(reference)s is overdue and escalated to you") % {"task": task, "reference": ref}
    if kind == Kind.SENT_BACK:
        return _("%(reference)s was sent back to you: %(reason)s") % {"reference": ref,
                                                                     "reason": params.get("comment", "")}
    if kind == Kind.APPROVAL_DECIDED:
        if params.get("decision") == "reject":
            return _("“%(task)s” of %(reference)s was rejected") % {"task": task, "reference": ref}
        return _("“%(task)s” of %(reference)s was approved") % {"task": task, "reference": ref}
    if kind == Kind.RESERVATION_EXPIRING:
        return _("Reservation %(reference)s expires at %(when)s") % {"reference": ref, "when": _when(params)}
    if kind == Kind.FOLLOW_UPS_DUE:
        count = int(params.get("count", 0))
        return ngettext("%(count)d follow-up due today in %(project)s",
                        "%(count)d follow-ups due today in %(project)s", count) % {
            "count": count, "project": params.get("project", "")}
    if kind in (Kind.PAYMENT_DUE, Kind.PAYMENT_OVERDUE):
        return _payment(kind, params)
    if kind == Kind.CUSTOMER_BIRTHDAY:
        return _("Today is the birthday of your customer %(customer)s") % {"customer": params.get("customer", "")}
    if kind == Kind.SUBSCRIPTION_EXPIRING:
        return _("Subscription %(deal)s must become a contract by %(when)s") % {
            "deal": _deal(ref, params.get("customer", ""), params.get("unit", "")), "when": _when(params)}
    if kind == Kind.CUSTOMER_KEY_DATE:
        years = int(params.get("years", 0))
        return ngettext("Today is %(years)d year since %(unit)s was handed over to your customer %(customer)s",
                        "Today is %(years)d years since %(unit)s was handed over to your customer %(customer)s",
                        years) % {"years": years, "unit": params.get("unit", ""),
                                  "customer": params.get("customer", "")}
    return ref


def _deal(ref: str, customer: str, unit: str) -> str:
    """"SUB-000012 (李娜, 5-0801)", naming what is known."""
    if customer and unit:
        return _("%(reference)s (%(customer)s, %(unit)s)") % {"reference": ref, "customer": customer, "unit": unit}
    if customer or unit:
        return _("%(reference)s (%(name)s)") % {"reference": ref, "name": customer or unit}
    return ref


def _payment(kind: str, params: dict) -> str:
    """"SUB-000012 (李娜, 5-0801): installment of ¥300,000.00 overdue since 1 Jun 2026", in the reader's language."""
    from decimal import Decimal, InvalidOperation

    from kernel.models import PaymentKind
    from kernel.receivables import yuan

    deal = _deal(params.get("reference", ""), params.get("customer", ""), params.get("unit", ""))
    payment_kind = params.get("kind")
    try:  # a kind no longer known (or none) is said as a payment
        what = str(PaymentKind(payment_kind).label) if isinstance(payment_kind, str) else _("payment")
    except ValueError:
        what = _("payment")
    try:
        amount = yuan(Decimal(params.get("amount", "")))
    except (InvalidOperation, TypeError):
        amount = ""
    due = _day(params.get("due_on", ""))
    words = {"deal": deal, "kind": what, "amount": amount, "due": due}
    if kind == Kind.PAYMENT_OVERDUE:
        return _("%(deal)s: %(kind)s of %(amount)s overdue since %(due)s") % words
    if params.get("due_on") == params.get("day"):
        return _("%(deal)s: %(kind)s of %(amount)s due today") % words
    return _("%(deal)s: %(kind)s of %(amount)s due on %(due)s") % words


def _day(text: str) -> str:
    """A date in the reader's language (2026年6月1日 / 1 Jun 2026), as the pages write it."""
    from datetime import date

    from django.utils.formats import date_format
    from django.utils.translation import pgettext

    try:
        return date_format(date.fromisoformat(text), pgettext("date format", "j M Y"))
    except (TypeError, ValueError):
        return ""


def _when(params: dict) -> str:
    """The moment in params ("due_at", ISO) in the project's zone ("zone"), with the zone named."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kernel.zones import local_text

    try:
        return local_text(datetime.fromisoformat(params["due_at"]), ZoneInfo(params["zone"]))
    except (KeyError, ValueError):
        return ""

"""What the points plugin adds to a customer's page: the balance and level per project, and the journal.

Reached through the plugin API's customer hooks (plugin_customer_facts / plugin_customer_events),
so the web layer never imports this plugin. Two queries for the facts, one for the events,
however many projects.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from extensions.api import CustomerEvent, CustomerFact, rules_in_force

from .models import PointsAccount, PointsEntry


def facts(customer_id: int, project_ids: Sequence[int]) -> list[CustomerFact]:
    accounts = list(PointsAccount.objects.filter(customer_id=customer_id, project_id__in=list(project_ids))
                    .order_by("project__code"))
    rules = rules_in_force({a.project_id for a in accounts}, "points")
    out = []
    for account in accounts:
        text = ngettext("%(n)s point", "%(n)s points", account.balance) % {"n": account.balance}
        title = _level_title(rules[account.project_id].config if account.project_id in rules else {}, account.level)
        out.append(CustomerFact(account.project_id, f"{text} · {title}" if title else text))
    return out


def _level_title(config, level: str) -> str:
    """The level by the title the project's points rules in force give it (none: not shown)."""
    for item in (config or {}).get("levels", []):
        if item.get("code") == level:
            return item.get("title") or ""
    return ""


def events(customer_id: int, project_ids: Sequence[int], limit: int) -> list[CustomerEvent]:
    words = {"earn": _("Points earned"), "redeem": _("Points redeemed"), "expire": _("Points expired"),
             "reverse": _("Points taken back")}
    out = []
    for entry in (PointsEntry.objects.filter(account__customer_id=customer_id, account__project_id__in=list(project_ids))
                  .select_related("account").order_by("-at", "-id")[:limit]):
        points = f"{'+' if entry.points > 0 else ''}{entry.points}"
        detail = _("balance %(balance)s") % {"balance": entry.balance_after}
        out.append(CustomerEvent(entry.at, entry.account.project_id, _("Points"),
                                 f"{words.get(entry.kind, _('Points'))} {points}",
                                 f"{entry.reference} · {detail}" if entry.reference else detail))
    return out

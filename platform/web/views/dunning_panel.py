"""The inbox's "催款提醒 / Payment reminders" box: today's notices (kernel.dunning) for the user, and dismissing one.

Finance of a project sees all of its reminders of the day; a consultant those of the
customers registered to them (the notice names the consultant it was written for).
Each says the customer, the deal's reference (linking to its record page), what is due
(the payment kind's title), the amount still due, the due date, and in words how
overdue it is or when it falls due. Dismissing takes it off the dismisser's side only:
finance's dismissal leaves the consultant's reminder, and the other way round.

`notices_for` reads one query (two when more than `LIMIT` are due), given the
projects and memberships the inbox has already read.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from kernel import dunning
from kernel.access import memberships_of
from kernel.errors import KernelError
from kernel.models import DunningNotice, PaymentKind, Project

from ..display import DASH, day, money
from .common import lang

LIMIT = 20


@dataclass(frozen=True)
class Reminder:
    pk: int
    project_code: str
    deal_id: int
    reference: str
    customer: str
    kind: str
    amount: str
    due_on: date
    due_text: str
    overdue: bool
    when: str  # 逾期 3 天 / 今天到期 / 5 天后到期


@dataclass(frozen=True)
class Panel:
    reminders: list[Reminder]
    more: int  # how many beyond those shown
    finance_projects: list[str]  # codes whose receivables list the user may open

    @property
    def shown(self) -> bool:
        return bool(self.reminders)


def _when(due_on: date, today: date) -> str:
    days = (today - due_on).days
    if days > 0:
        return ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}
    if days == 0:
        return gettext("due today")
    return ngettext("due in %(days)s day", "due in %(days)s days", -days) % {"days": -days}


def notices_for(user, today: date | None = None, *, projects: Mapping[int, Project] | None = None,
                memberships: Mapping[int, frozenset[str]] | None = None) -> Panel:
    """Today's payment reminders for the user, most overdue first: each project's own day unless `today` is given."""
    memberships = memberships_of(user.pk) if memberships is None else memberships
    if not memberships:
        return Panel([], 0, [])
    if projects is None:
        projects = {p.pk: p for p in Project.objects.filter(pk__in=list(memberships))}
    now = timezone.now()
    days = {pk: today or now.astimezone(p.zone).date() for pk, p in projects.items() if pk in memberships}
    seen = Q(pk__in=[])
    finance = []
    for pk, roles in memberships.items():
        if pk not in days:
            continue
        if dunning.FINANCE in roles:
            seen |= Q(project_id=pk, day=days[pk], finance_dismissed_at__isnull=True)
            finance.append(pk)
        else:
            seen |= Q(project_id=pk, day=days[pk], consultant_id=user.pk, consultant_dismissed_at__isnull=True)
    query = (DunningNotice.objects.filter(seen).select_related("customer")
             .order_by("-overdue", "due_on", "-amount", "reference", "pk"))
    found = list(query[:LIMIT + 1])
    more = query.count() - LIMIT if len(found) > LIMIT else 0
    reminders = [Reminder(n.pk, projects[n.project_id].code, n.deal_id, n.reference,
                          n.customer.name if n.customer else DASH, str(PaymentKind(n.kind).label), money(n.amount),
                          n.due_on, day(n.due_on), n.overdue, _when(n.due_on, days[n.project_id]))
                 for n in found[:LIMIT]]
    codes = sorted({projects[pk].code for pk in finance})
    return Panel(reminders, more, codes)


@require_POST
@login_required
def dismiss_notice(request, notice_id: int):
    """Take one reminder off the user's inbox (their side only), then back to where they were."""
    notice = get_object_or_404(DunningNotice, pk=notice_id)
    if notice.project_id not in memberships_of(request.user.pk):
        raise Http404()
    try:
        dunning.dismiss(notice, user_id=request.user.pk)
    except KernelError as error:
        messages.error(request, error.message(lang()))
    else:
        messages.success(request, gettext("The payment reminder of %(reference)s is dismissed.")
                         % {"reference": notice.reference})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("web:inbox")
    return redirect(target)


__all__ = ["LIMIT", "Panel", "Reminder", "dismiss_notice", "notices_for"]

"""应收欠款 / Receivables due: a project's deals that still owe money, for finance and the sales floor's managers.

Each live deal with a balance (kernel.dunning.project_summaries: the record pages'
figures, from receipts summed in SQL): its reference (linking to the deal's record page), the customer
(phone full or masked as kernel.visibility says for this project), the unit, the
consultant the customer is registered to, what is due, received and still owed, the
overdue amount, the oldest overdue line's due date and how many days ago that was, and
what falls due in the next N days. Filters: overdue only, or due within N days (the
project's `dunning_days_ahead` unless chosen); the most overdue first; totals of the
whole list under it. The same list downloads as an .xlsx (numeric money cells, date
cells, headers in the user's language, a title row with the project, zone and day).

Finance, sales managers and the project director see it (kernel.dunning.RECEIVABLES_ROLES);
another member is told in words why not (403); a non-member gets 404, as every project
page answers. The page reads a fixed number of queries whatever the number of deals
(tests/web/test_receivables_due.py), and names (customers, consultants, units) only for
the rows it shows.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from engine.models import Record
from forms.parsing import parse_key
from kernel import dunning
from kernel.models import Customer, CustomerRegistration, Project, Unit
from kernel.phones import mask_phone
from kernel.settings_schema import dunning_days_ahead
from kernel.visibility import PhoneVisibility
from kernel.zones import zone_name

from ..display import DASH, day, money, shown_phone
from .common import lang, member_project, refused, roles_text
from .display import person

PAGE_SIZE = 50
MAX_DAYS = 365
SHOWS = (("", _("All with a balance")), ("overdue", _("Overdue only")), ("soon", _("Due within the days ahead")))


def deal_customers(deal_ids: Sequence[int]) -> dict[int, int]:
    """deal (record) id -> the customer its data names (`customer_id`), in one query; kernel.dunning's source."""
    found = {}
    for pk, customer in Record.objects.filter(pk__in=list(deal_ids)).values_list("pk", KT("data__customer_id")):
        if (key := parse_key(customer)) is not None:  # a record holding ² or text there names no customer
            found[pk] = key
    return found


@dataclass
class Row:
    deal_id: int
    reference: str
    customer_id: int | None
    customer: str
    phone: str
    unit: str
    consultant: str
    due: Decimal
    received: Decimal
    balance: Decimal
    overdue: Decimal
    overdue_since: date | None
    days_overdue: int | None
    due_soon: Decimal
    unit_id: int | None = None

    @property
    def texts(self) -> dict[str, str]:
        """The row's amounts and dates as the page shows them."""
        return {"due": money(self.due), "received": money(self.received), "balance": money(self.balance),
                "overdue": money(self.overdue) if self.overdue else DASH,
                "since": day(self.overdue_since) if self.overdue_since else DASH,
                "due_soon": money(self.due_soon) if self.due_soon else DASH}


@dataclass(frozen=True)
class Filters:
    show: str
    days: int

    @property
    def query(self) -> str:
        q = QueryDict(mutable=True)
        if self.show:
            q["show"] = self.show
        q["days"] = str(self.days)
        return q.urlencode()


def _refused(request, project: Project, roles: frozenset[str]):
    reason = gettext("The receivables list of %(project)s is for finance, sales managers and the project director; "
                     "your roles there (%(roles)s) do not include them. Ask a project admin for one of these roles "
                     "if your work needs the list.") % {
        "project": project.name, "roles": roles_text(roles)}
    return refused(request, project, reason)


def _filters(params: QueryDict, project: Project) -> Filters:
    show = params.get("show", "")
    days = params.get("days", "")
    return Filters(show if show in dict(SHOWS) else "",
                   min(int(days), MAX_DAYS) if days.isascii() and days.isdigit() and len(days) <= 4
                   else dunning_days_ahead(project.settings))


def rows_for(project: Project, visibility: PhoneVisibility, today: date, f: Filters) -> list[Row]:
    """The list's rows, most overdue first, named (customer, unit, consultant): a fixed number of queries."""
    return name(project, visibility, unnamed_rows(project, today, f))


def unnamed_rows(project: Project, today: date, f: Filters) -> list[Row]:
    """The list's figures, filtered and in order, before names are read: the page names only the rows it shows."""
    last_day = today + timedelta(days=f.days)
    found = dunning.project_summaries(project, today, last_day)
    if f.show == "overdue":
        found = [b for b in found if b.overdue > 0]
    elif f.show == "soon":
        found = [b for b in found if b.due_soon > 0]
    rows = [Row(b.deal_id, b.reference, None, DASH, DASH, DASH, DASH, b.due, b.received, b.balance, b.overdue,
                b.overdue_since, (today - b.overdue_since).days if b.overdue_since else None, b.due_soon,
                unit_id=b.unit_id) for b in found]
    rows.sort(key=lambda r: (-r.overdue, -r.balance, r.reference))
    return rows


def name(project: Project, visibility: PhoneVisibility, rows: Sequence[Row]) -> list[Row]:
    """Fill in the rows' customer, phone (masked as `visibility` says), unit and consultant: four plain queries
    for any number of rows (registrations read as values: Django's prefetch per customer cost a third of a big
    list's time, bench/receivables.py)."""
    customer_of = deal_customers([r.deal_id for r in rows])
    customers = {pk: (name, phone) for pk, name, phone in
                 Customer.objects.filter(pk__in=set(customer_of.values())).values_list("pk", "name", "phone")}
    registered: dict[int, list[tuple[int, int | None]]] = {}
    consultant: dict[int, str] = {}
    for customer_id, project_id, consultant_id, username, display_name, first, last in (
            # this project's only: the page is about it, so only it decides the phone (kernel.visibility)
            CustomerRegistration.objects.filter(project=project, customer_id__in=list(customers)).values_list(
                "customer_id", "project_id", "consultant_id", "consultant__username", "consultant__display_name",
                "consultant__first_name", "consultant__last_name")):
        registered.setdefault(customer_id, []).append((project_id, consultant_id))
        if project_id == project.pk and consultant_id is not None:
            consultant.setdefault(customer_id, person(username, display_name, first, last))
    units = dict(Unit.objects.filter(project=project, pk__in={r.unit_id for r in rows if r.unit_id})
                 .values_list("pk", "code"))
    for r in rows:
        customer_id = customer_of.get(r.deal_id)
        if customer_id in customers:
            shown, phone = customers[customer_id]
            r.customer_id, r.customer = customer_id, shown
            r.phone = shown_phone(phone if visibility.sees_full_given(registered.get(customer_id, ()))
                                  else mask_phone(phone))
            r.consultant = consultant.get(customer_id, DASH)
        r.unit = units.get(r.unit_id, DASH)
    return list(rows)


def _totals(rows: Sequence[Row]) -> dict[str, Decimal]:
    zero = Decimal("0.00")
    return {key: sum((getattr(r, key) for r in rows), zero)
            for key in ("due", "received", "balance", "overdue", "due_soon")}


def _prepare(request, project: str, *, named: bool):
    project_obj, memberships, roles = member_project(request, project)
    if not roles & dunning.RECEIVABLES_ROLES:
        return None, _refused(request, project_obj, roles)
    today = timezone.now().astimezone(project_obj.zone).date()
    f = _filters(request.GET, project_obj)
    visibility = PhoneVisibility(request.user.pk, memberships, project_obj.pk)
    rows = rows_for(project_obj, visibility, today, f) if named else unnamed_rows(project_obj, today, f)
    return (project_obj, today, f, visibility, rows), None


@login_required
def receivables_due(request, project: str):
    prepared, refusal = _prepare(request, project, named=False)
    if refusal is not None:
        return refusal
    project_obj, today, f, visibility, rows = prepared
    totals = _totals(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    name(project_obj, visibility, page.object_list)  # only the rows shown: the totals need no names
    return render(request, "web/receivables_due.html", {
        "project": project_obj, "page": page, "filters": f, "shows": SHOWS, "paging": f.query,
        "today": day(today), "zone": zone_name(project_obj.zone, lang()), "count": len(rows),
        "totals": {key: money(value) for key, value in totals.items()}, "any_overdue": totals["overdue"] > 0,
        "export_url": reverse("web:receivables-export", args=[project_obj.code]) + "?" + f.query,
    })


@login_required
def receivables_export(request, project: str):
    """The same list, filters and order as an .xlsx workbook."""
    prepared, refusal = _prepare(request, project, named=True)
    if refusal is not None:
        return refusal
    project_obj, today, f, _visibility, rows = prepared
    content = workbook(project_obj, today, f, rows)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="receivables-{project_obj.code}-{today:%Y%m%d}.xlsx"'
    return response


def workbook(project: Project, today: date, f: Filters, rows: Sequence[Row]) -> bytes:
    """Title row (project, zone, day), headers in the user's language, one row per deal, the totals row."""
    book = Workbook()
    sheet = book.active
    sheet.title = gettext("Receivables due")[:31]
    title = gettext("Receivables due: %(project)s, %(day)s (%(zone)s)") % {
        "project": f"{project.code} {project.name}", "day": day(today), "zone": zone_name(project.zone, lang())}
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = [gettext("Reference"), gettext("Customer"), gettext("Phone"), gettext("Unit"), gettext("Consultant"),
               gettext("Total due"), pgettext("receivables", "Received"), pgettext("receivables", "Balance"),
               gettext("Overdue amount"),
               pgettext("receivables", "Overdue since"), gettext("Days overdue"),
               gettext("Due within %(days)s days") % {"days": f.days}]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        sheet.append([r.reference, r.customer, r.phone, r.unit, r.consultant, r.due, r.received, r.balance, r.overdue,
                      r.overdue_since, r.days_overdue, r.due_soon])
    totals = _totals(rows)
    sheet.append([pgettext("receivables", "Total"), None, None, None, None, totals["due"], totals["received"], totals["balance"],
                  totals["overdue"], None, None, totals["due_soon"]])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3):
        for cell in (row[5], row[6], row[7], row[8], row[11]):
            cell.number_format = "#,##0.00"
        row[9].number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJKL", (14, 12, 15, 10, 12, 16, 16, 16, 16, 12, 10, 16)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["deal_customers", "receivables_due", "receivables_export", "rows_for", "workbook"]

"""应收欠款 / Receivables due: a project's deals that still owe money, for finance and the sales floor's managers.

Each live deal with a balance (kernel.receivables_sql.summaries: the record pages'
figures, allocated, filtered and ordered by the database in one query): its reference
(linking to the deal's record page), the customer
(phone full or masked as kernel.visibility says for this project), the unit, the
consultant the customer is registered to, what is due, received and still owed, the
overdue amount, the oldest overdue line's due date and how many days ago that was, and
what falls due in the next N days. Filters: overdue only, or due within N days (the
project's `dunning_days_ahead` unless chosen); the most overdue first; totals of the
whole list under it. The same list downloads as an .xlsx (numeric money cells, date
cells, headers in the user's language, a title row with the project, zone and day), written
row by row as the query sends them (openpyxl's write-only mode into a temporary file, names read
`EXPORT_CHUNK` rows at a time), so a list of 100,000 deals is never held in memory whole.

Finance, sales managers and the project director see it (kernel.dunning.RECEIVABLES_ROLES);
another member is told in words why not (403); a non-member gets 404, as every project
page answers. The page reads a fixed number of queries whatever the number of deals
(tests/web/test_receivables_due.py), and names (customers, consultants, units) only for
the rows it shows; the export a fixed number per `EXPORT_CHUNK` rows.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.json import KT
from django.http import FileResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from engine.models import Record
from forms.parsing import parse_key
from kernel import dunning, receivables_sql
from kernel.models import Customer, CustomerRegistration, Project, Unit
from kernel.phones import mask_phone
from kernel.settings_schema import dunning_days_ahead
from kernel.visibility import PhoneVisibility
from kernel.zones import zone_name

from ..display import DASH, day, money, shown_phone
from .common import lang, member_project, refused, roles_text
from .display import person

PAGE_SIZE = 50
EXPORT_CHUNK = 2000  # rows named at a time in the export (four queries each)
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
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
    return list(_unnamed(project, today, f))


def _unnamed(project: Project, today: date, f: Filters) -> Iterator[Row]:
    """The rows as the database sends them, filtered and most overdue first (one query)."""
    for b in receivables_sql.summaries(project, today, today + timedelta(days=f.days), show=f.show):
        yield Row(b.deal_id, b.reference, None, DASH, DASH, DASH, DASH, b.due, b.received, b.balance, b.overdue,
                  b.overdue_since, (today - b.overdue_since).days if b.overdue_since else None, b.due_soon,
                  unit_id=b.unit_id)


def streamed_rows(project: Project, visibility: PhoneVisibility, today: date, f: Filters,
                  chunk: int = EXPORT_CHUNK) -> Iterator[Row]:
    """Every row of the list, named `chunk` rows at a time as they come from the query (the export's)."""
    batch: list[Row] = []
    for r in _unnamed(project, today, f):
        batch.append(r)
        if len(batch) >= chunk:
            yield from name(project, visibility, batch)
            batch = []
    if batch:
        yield from name(project, visibility, batch)


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
        buyer = customer_of.get(r.deal_id)
        if buyer is not None and buyer in customers:
            shown, phone = customers[buyer]
            r.customer_id, r.customer = buyer, shown
            r.phone = shown_phone(phone if visibility.sees_full_given(registered.get(buyer, ()))
                                  else mask_phone(phone))
            r.consultant = consultant.get(buyer, DASH)
        r.unit = units.get(r.unit_id, DASH) if r.unit_id is not None else DASH
    return list(rows)


def _totals(rows: Sequence[Row]) -> dict[str, Decimal]:
    zero = Decimal("0.00")
    return {key: sum((getattr(r, key) for r in rows), zero)
            for key in ("due", "received", "balance", "overdue", "due_soon")}


def _prepare(request, project: str, *, named: bool, rows: bool = True):
    project_obj, memberships, roles = member_project(request, project)
    if not roles & dunning.RECEIVABLES_ROLES:
        return None, _refused(request, project_obj, roles)
    today = timezone.now().astimezone(project_obj.zone).date()
    f = _filters(request.GET, project_obj)
    visibility = PhoneVisibility(request.user.pk, memberships, project_obj.pk)
    found: list[Row] = []
    if rows:
        found = rows_for(project_obj, visibility, today, f) if named else unnamed_rows(project_obj, today, f)
    return (project_obj, today, f, visibility, found), None


@login_required
def receivables_due(request, project: str):
    prepared, refusal = _prepare(request, project, named=False)
    if refusal is not None:
        return refusal
    project_obj, today, f, visibility, rows = prepared
    totals = _totals(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    name(project_obj, visibility, list(page.object_list))  # only the rows shown: the totals need no names
    return render(request, "web/receivables_due.html", {
        "project": project_obj, "page": page, "filters": f, "shows": SHOWS, "paging": f.query,
        "today": day(today), "zone": zone_name(project_obj.zone, lang()), "count": len(rows),
        "totals": {key: money(value) for key, value in totals.items()}, "any_overdue": totals["overdue"] > 0,
        "export_url": reverse("web:receivables-export", args=[project_obj.code]) + "?" + f.query,
    })


@login_required
def receivables_export(request, project: str):
    """The same list, filters and order as an .xlsx workbook, written row by row as the query reads them."""
    prepared, refusal = _prepare(request, project, named=False, rows=False)
    if refusal is not None:
        return refusal
    project_obj, today, f, visibility, _rows = prepared
    out = tempfile.TemporaryFile()  # closed by the response once sent
    write_workbook(out, project_obj, today, f, streamed_rows(project_obj, visibility, today, f))
    out.seek(0)
    # the finished file, compressed (some 50 bytes a row), sent in blocks: neither the rows nor the file are ever
    # all in memory
    return FileResponse(out, as_attachment=True, filename=f"receivables-{project_obj.code}-{today:%Y%m%d}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def workbook(project: Project, today: date, f: Filters, rows: Iterable[Row]) -> bytes:
    """The workbook of these rows, as bytes."""
    with tempfile.TemporaryFile() as out:
        write_workbook(out, project, today, f, rows)
        out.seek(0)
        return out.read()


def write_workbook(out, project: Project, today: date, f: Filters, rows: Iterable[Row]) -> None:
    """Title row (project, zone, day), headers in the user's language, one row per deal as `rows` yields them,
    the totals row; openpyxl's write-only mode keeps no row once written (its sheet goes to a temporary file)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Receivables due")[:31])
    for column, width in zip("ABCDEFGHIJKL", (14, 12, 15, 10, 12, 16, 16, 16, 16, 12, 10, 16), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"

    def cell(value, *, number_format: str | None = None, font: Font | None = None) -> Cell:
        made = WriteOnlyCell(sheet, value=value)
        if number_format is not None:
            made.number_format = number_format
        if font is not None:
            made.font = font
        return made

    title = gettext("Receivables due: %(project)s, %(day)s (%(zone)s)") % {
        "project": f"{project.code} {project.name}", "day": day(today), "zone": zone_name(project.zone, lang())}
    sheet.append([cell(title, font=Font(bold=True, size=13))])
    headers = [gettext("Reference"), gettext("Customer"), gettext("Phone"), gettext("Unit"), gettext("Consultant"),
               gettext("Total due"), pgettext("receivables", "Received"), pgettext("receivables", "Balance"),
               gettext("Overdue amount"),
               pgettext("receivables", "Overdue since"), gettext("Days overdue"),
               gettext("Due within %(days)s days") % {"days": f.days}]
    bold = Font(bold=True)
    sheet.append([cell(h, font=bold) for h in headers])
    keys = ("due", "received", "balance", "overdue", "due_soon")
    totals = dict.fromkeys(keys, Decimal("0.00"))
    for r in rows:
        for key in keys:
            totals[key] += getattr(r, key)
        sheet.append([r.reference, r.customer, r.phone, r.unit, r.consultant,
                      *(cell(v, number_format=MONEY_FORMAT) for v in (r.due, r.received, r.balance, r.overdue)),
                      cell(r.overdue_since, number_format=DATE_FORMAT), r.days_overdue,
                      cell(r.due_soon, number_format=MONEY_FORMAT)])
    money_total = [cell(totals[key], number_format=MONEY_FORMAT, font=bold) for key in keys]
    sheet.append([cell(pgettext("receivables", "Total"), font=bold), *(cell(None, font=bold) for _ in range(4)),
                  *money_total[:4], cell(None, font=bold), cell(None, font=bold), money_total[4]])
    book.save(out)


__all__ = ["deal_customers", "receivables_due", "receivables_export", "rows_for", "streamed_rows", "workbook",
           "write_workbook"]

"""Exports 导出: units (with their status and deal), customers (phones masked as the viewer sees them), payments,
the commission ledger (beneficiaries by name) and the points ledger.

Each export is a title row saying what and when (with the time zone), a header row in
the user's language and one row per item, streamed to .xlsx (openpyxl's write-only
mode) or .csv by the file name, so a 100,000-row list never sits in memory whole.
Customers are shown exactly as on screen: the phone through kernel.visibility's
`PhoneVisibility` of the exporting user in this project (no user: every phone masked).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from kernel import followups
from kernel.models import CustomerRegistration, Payment, Project, SaleStatus, Unit, UnitHold
from kernel.models.payments import PaymentKind
from kernel.visibility import PhoneVisibility
from kernel.zones import zone_name

KINDS = ("units", "customers", "payments", "commissions", "points")
BATCH = 2000


@dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]


def units(project: Project) -> Table:
    holds = dict(UnitHold.objects.filter(project=project, released_at__isnull=True).values_list("unit_id", "reference"))
    query = Unit.objects.filter(project=project).select_related("building").order_by("building__code", "-floor",
                                                                                       "position")

    def rows() -> Iterator[list]:
        for u in query.iterator(chunk_size=BATCH):
            yield [u.building.code, u.code, u.floor, u.position, u.layout, u.built_area, u.inner_area, u.orientation,
                   u.list_price, str(SaleStatus(u.status).label), holds.get(u.pk, "")]

    return Table(gettext("Units"), [gettext("Building"), gettext("Unit code"), gettext("Floor"),
                                     gettext("Position on the floor"), gettext("Layout"), gettext("Built area (m²)"),
                                     gettext("Inner area (m²)"), gettext("Orientation"), gettext("List price (yuan)"),
                                     gettext("Sale status"), gettext("Deal")], rows())


def customers(project: Project, visibility: PhoneVisibility, registrations=None) -> Table:
    """The project's registrations by name (or `registrations`, the list page's query, customer_list.registrations_query,
    loaded with its customers, consultants and their registrations here), phones as `visibility` says."""
    if registrations is None:
        query = (CustomerRegistration.objects.filter(project=project).select_related("customer", "consultant")
                 .prefetch_related(Prefetch("customer__registrations",
                                            queryset=CustomerRegistration.objects.filter(project=project)))
                 .order_by("customer__name", "pk"))
    else:  # the list's query, with its joins and prefetches, in its order: the download is the list
        query = registrations
    zone = project.zone
    language = translation.get_language() or "zh-hans"
    stages = {s.code: s.title(language) for s in followups.stages(project)}

    def rows() -> Iterator[list]:
        # iterator() drops prefetches unless given a chunk size (Django 5): batches keep the queries fixed per batch
        for r in query.iterator(chunk_size=BATCH):
            yield [r.customer.name, visibility.phone_for(r.customer), str(r.consultant),
                   _local(r.registered_at, zone), _local(r.protected_until, zone),
                   stages.get(r.stage, gettext("a stage no longer offered")) if r.stage else "",
                   _local(r.last_contact_at, zone) if r.last_contact_at else ""]

    return Table(gettext("Customers"), [gettext("Name"), gettext("Phone"), gettext("Consultant"),
                                         gettext("Registered at"), gettext("Protected until"),
                                         gettext("Opportunity stage"), gettext("Last contact")], rows())


def payments(project: Project) -> Table:
    zone = project.zone
    query = Payment.objects.filter(project=project).order_by("received_at", "pk")

    def rows() -> Iterator[list]:
        for p in query.iterator(chunk_size=BATCH):
            yield [p.reference, str(PaymentKind(p.kind).label), p.amount, _local(p.received_at, zone), p.note,
                   gettext("yes") if p.overpayment else ""]

    return Table(gettext("Payments"), [gettext("Deal"), gettext("Kind"), gettext("Amount (yuan)"),
                                        gettext("Received at"), gettext("Note"), gettext("Overpayment")], rows())


def commissions(project: Project) -> Table:
    """The commission ledger 佣金台账, entry by entry, oldest first; each beneficiary by name, never by key."""
    from accounts.models import User
    from extensions.models import RuleSet
    from plugins.commission.models import BeneficiaryKind, CommissionEntry, EntryStatus

    zone = project.zone
    config = RuleSet.objects.filter(project=project, plugin="commission").values_list("config", flat=True).first()
    channels = {c["code"]: c.get("title", c["code"]) for c in (config or {}).get("channels", [])}
    query = CommissionEntry.objects.filter(project=project).select_related("deal").order_by("created_at", "pk")
    consultant_ids = {int(b) for b in query.filter(beneficiary_kind=BeneficiaryKind.CONSULTANT)
                      .values_list("beneficiary", flat=True).distinct() if str(b).isdigit()}
    people = {str(u.pk): str(u) for u in User.objects.filter(pk__in=consultant_ids)}
    referrers = _referrer_names(query)

    def beneficiary(entry) -> str:
        if entry.beneficiary_kind == BeneficiaryKind.CONSULTANT:
            return people.get(entry.beneficiary, gettext("a former user"))
        if entry.beneficiary_kind == BeneficiaryKind.CHANNEL:
            return channels.get(entry.beneficiary, entry.beneficiary)
        return referrers.get(entry.beneficiary, entry.beneficiary)

    def rows() -> Iterator[list]:
        for e in query.iterator(chunk_size=BATCH):
            yield [e.deal.reference, str(BeneficiaryKind(e.beneficiary_kind).label), beneficiary(e), e.base_amount,
                   f"{(e.rate * 100).normalize():f}%" if e.rate is not None else "", e.amount,
                   str(EntryStatus(e.status).label), _local(e.created_at, zone), _local(e.payable_at, zone),
                   _local(e.paid_at, zone), e.note]

    return Table(gettext("Commission ledger"), [
        gettext("Deal"), gettext("Beneficiary kind"), gettext("Beneficiary"), gettext("Base (yuan)"), gettext("Rate"),
        gettext("Amount (yuan)"), gettext("Status"), gettext("Accrued at"), gettext("Payable at"), gettext("Paid at"),
        gettext("Note")], rows())


def _referrer_names(query) -> dict[str, str]:
    """A referrer is keyed by what the flow passes, a customer's id in the shipped flows: their name, one query."""
    from kernel.models import Customer
    from plugins.commission.models import BeneficiaryKind

    keys = {b for b in query.filter(beneficiary_kind=BeneficiaryKind.REFERRER).values_list("beneficiary", flat=True)
            .distinct() if str(b).isdigit()}
    return {str(pk): name for pk, name in Customer.objects.filter(pk__in={int(k) for k in keys})
            .values_list("pk", "name")}


def points(project: Project) -> Table:
    """The points ledger 积分流水, entry by entry, oldest first, with each member's balance after it."""
    from plugins.points.models import EntryKind, PointsEntry

    zone = project.zone
    query = (PointsEntry.objects.filter(account__project=project).select_related("account__customer")
             .order_by("at", "pk"))

    def rows() -> Iterator[list]:
        for e in query.iterator(chunk_size=BATCH):
            yield [_local(e.at, zone), e.account.customer.name, str(EntryKind(e.kind).label), e.points,
                   e.balance_after, e.reference, e.note]

    return Table(gettext("Points ledger"), [gettext("At"), gettext("Member"), gettext("Kind"), gettext("Points"),
                                             gettext("Balance after"), gettext("Reference"), gettext("Note")], rows())


def _local(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def heading(table: Table, project: Project, language: str, now: datetime | None = None) -> str:
    now = now or timezone.now()
    return gettext("%(what)s: %(project)s, exported %(at)s (%(zone)s)") % {
        "what": table.title, "project": f"{project.code} {project.name}",
        "at": now.astimezone(project.zone).strftime("%Y-%m-%d %H:%M"), "zone": zone_name(project.zone, language)}


def write(table: Table, project: Project | None, file_name: str, language: str, out, title: str | None = None) -> None:
    """Write `table` to the binary stream `out` as .csv (UTF-8 with a BOM, for Excel) or .xlsx."""
    if not title:
        if project is None:
            raise ValueError("a table without a project is written with its own title")
        title = heading(table, project, language)
    if file_name.lower().endswith(".csv"):
        text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([title])
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow(["" if v is None else v for v in row])
        text.flush()
        text.detach()
        return
    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title[:31])
    sheet.append([title])
    sheet.append(list(table.headers))
    for row in table.rows:
        sheet.append(list(row))
    book.save(out)


def content(table: Table, project: Project, file_name: str, language: str) -> bytes:
    out = io.BytesIO()
    write(table, project, file_name, language, out)
    return out.getvalue()


def title_without_project(table: Table, language: str) -> str:
    """A list across projects (the inbox): its title says when, in the installation's time zone."""
    now = timezone.localtime(timezone.now())
    return gettext("%(what)s, exported %(at)s (%(zone)s)") % {
        "what": table.title, "at": now.strftime("%Y-%m-%d %H:%M"), "zone": zone_name(timezone.get_current_timezone(), language)}


def content_without_project(table: Table, file_name: str, language: str) -> bytes:
    out = io.BytesIO()
    write(table, None, file_name, language, out, title_without_project(table, language))
    return out.getvalue()


def count(kind: str, project: Project) -> int:
    """How many rows the project list `kind` has (customers: count the list page's query instead), one COUNT."""
    if kind == "units":
        return Unit.objects.filter(project=project).count()
    if kind == "payments":
        return Payment.objects.filter(project=project).count()
    if kind == "commissions":
        from plugins.commission.models import CommissionEntry

        return CommissionEntry.objects.filter(project=project).count()
    if kind == "points":
        from plugins.points.models import PointsEntry

        return PointsEntry.objects.filter(account__project=project).count()
    return CustomerRegistration.objects.filter(project=project).count()


TITLES = {"units": _("Units"), "customers": _("Customers"), "payments": _("Payments"),
          "commissions": _("Commission ledger"), "points": _("Points ledger")}

"""Dunning 催款: amounts due soon or overdue, reminded once per line and day; deals' balances for finance.

`issue_notices` (the huey job kernel.tasks runs every hour) writes a `DunningNotice` for
every receivable line with a balance that is overdue or due within the project's
`dunning_days_ahead` (default 7 days), for the project's day (its zone). It is safe to
run any number of times, in any number of consumers at once: the notice's unique key
(schedule, kind, due date, day) turns a second insert of the same reminder into
nothing (`bulk_create(ignore_conflicts=True)`: INSERT … ON CONFLICT DO NOTHING on
PostgreSQL, INSERT OR IGNORE on SQLite). No row locks are needed: nothing is updated.

What is still due is computed as the record pages compute it (kernel.receivables.statement),
for a batch of schedules at a time: the schedules with their lines, the batch's
payments, its unit holds, the notices already written, the customers and their
registrations: a fixed number of queries per batch of `BATCH` schedules, never one per
line. A deal that released its unit (cancelled, refunded, expired) is over: what its
lines still say is not owed, so it is neither reminded nor listed (`DealBalance.ended`).

The deal's customer is named in the deal's record (engine data `customer_id`); the
kernel does not import the engine, so the job asks for it through a function named by
dotted path (the `DUNNING_DEAL_CUSTOMERS` setting, as kernel.merge names its parts), or
the one it is given: `customers(deal_ids) -> {deal_id: customer_id}`. The consultant to
tell is the customer's registration consultant in the project.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Prefetch, Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from .access import roles_in
from .errors import KernelError
from .models.customers import Customer, CustomerRegistration
from .models.dunning import DunningNotice
from .models.payments import Payment
from .models.projects import Project
from .models.receivables import Receivable, ReceivableSchedule
from .models.units import ReleaseReason, UnitHold
from .receivables import SETTLED_KINDS, Statement, lines_of, statement
from .settings_schema import dunning_days_ahead

ZERO = Decimal("0.00")
BATCH = 500
# (app label that must be installed, function): reads the deals' records for their customer
DEAL_CUSTOMERS = ("engine", "web.views.receivables_due.deal_customers")
# who sees a project's receivables list and all of its reminders; a consultant sees their customers' reminders
RECEIVABLES_ROLES = frozenset({"finance", "sales_manager", "project_director"})
FINANCE = "finance"

CustomersOf = Callable[[Sequence[int]], Mapping[int, int]]


class NoticeNotYours(KernelError):
    code = "dunning_notice_not_yours"
    template = gettext_noop("this payment reminder of {reference} is for the project's finance and the customer's "
                            "consultant; only they may dismiss it")


# -- what each deal still owes ---------------------------------------------------------------


@dataclass(frozen=True)
class DealBalance:
    """One deal's statement on a day, with the unit it holds (or last held) and whether it is over."""

    schedule: ReceivableSchedule
    statement: Statement
    unit_id: int | None
    ended: bool

    @property
    def overdue_since(self) -> date | None:
        """The due date of its oldest overdue line."""
        days = [line.due_on for line in self.statement.lines if line.overdue and line.due_on is not None]
        return min(days) if days else None

    def due_within(self, last_day: date) -> Decimal:
        """What is due from today to `last_day` (both included), not yet overdue."""
        today = self.statement.lines[0].today if self.statement.lines else last_day
        return sum((line.balance for line in self.statement.lines
                    if line.balance > 0 and line.due_on is not None and today <= line.due_on <= last_day), ZERO)


def with_lines(schedules):
    """Schedules with their lines in position order (one more query for any number of schedules)."""
    return schedules.prefetch_related(Prefetch("lines", queryset=Receivable.objects.order_by("position")))


@dataclass(frozen=True)
class PlannedLine:
    """A receivable line as allocation reads it (kernel.receivables.allocate): read as plain values, since
    building a model instance per line was most of a big list's time (bench/receivables.py)."""

    kind: str
    due_on: date | None
    amount: Decimal
    position: int


@dataclass(frozen=True)
class Receipt:
    """A payment as allocation reads it: its kind, amount and whether finance took it as an overpayment."""

    kind: str
    amount: Decimal
    overpayment: bool


def planned_lines(schedule_ids: Iterable[int] | None, *, project: Project | None = None) -> dict[int, list[PlannedLine]]:
    """schedule id -> its lines in position order, in one query (the project's whole when `project` is given)."""
    rows = Receivable.objects.filter(schedule__project=project) if project is not None else (
        Receivable.objects.filter(schedule_id__in=list(schedule_ids or ())))
    out: dict[int, list[PlannedLine]] = {}
    for schedule_id, kind, due_on, amount, position in rows.order_by("schedule_id", "position").values_list(
            "schedule_id", "kind", "due_on", "amount", "position"):
        out.setdefault(schedule_id, []).append(PlannedLine(kind, due_on, amount, position))
    return out


def balances(schedules: Sequence[ReceivableSchedule], today: date, *, whole_project: bool = False,
             lines: Mapping[int, Sequence] | None = None) -> list[DealBalance]:
    """Each schedule's statement on `today` (lines prefetched: `with_lines`, or given by schedule id: `lines`),
    in two queries for all of them: the deals' payments and their unit holds. `whole_project`: the schedules
    are all of their project's, so its payments and holds are read whole rather than by a list of record ids
    as long as the deals."""
    if not schedules:
        return []
    owner: dict[int, list[int]] = {}  # record id -> the schedules it acts for (one, unless data is odd)
    for i, s in enumerate(schedules):
        for record_id in {s.deal_id, *s.record_ids}:
            owner.setdefault(record_id, []).append(i)
    projects = {s.project_id for s in schedules}
    payments = Payment.objects.filter(project_id__in=projects)
    holds = UnitHold.objects.filter(project_id__in=projects)
    if not whole_project:
        payments, holds = payments.filter(record_id__in=list(owner)), holds.filter(record_id__in=list(owner))
    paid: list[list[Receipt]] = [[] for _ in schedules]
    for record_id, kind, amount, overpayment in payments.order_by("received_at", "id").values_list(
            "record_id", "kind", "amount", "overpayment"):
        for i in owner.get(record_id, ()):
            paid[i].append(Receipt(kind, amount, overpayment))
    held: list[list[UnitHold]] = [[] for _ in schedules]
    chain = "transferred_to__transferred_to__transferred_to__transferred_to"
    for h in holds.select_related(chain):
        for i in owner.get(h.record_id, ()):
            held[i].append(_last(h))
    found = []
    for i, s in enumerate(schedules):
        ends = sorted(held[i], key=lambda h: (h.released_at is None, h.held_at, h.pk))
        live = [h for h in ends if h.released_at is None]
        ended = not live and any(h.release_reason == ReleaseReason.RELEASED for h in ends)
        unit_id = (live or ends)[-1].unit_id if ends else None
        planned = lines.get(s.pk, []) if lines is not None else list(s.lines.all())
        found.append(DealBalance(s, statement(s, today, lines=planned, payments=paid[i]), unit_id, ended))
    return found


def _last(hold: UnitHold) -> UnitHold:
    """Where a hold passed on to ends (a transfer moves it to the next record of the deal)."""
    seen = 0
    while hold.transferred_to_id is not None and seen < 4:
        hold, seen = cast(UnitHold, hold.transferred_to), seen + 1  # transferred_to_id is set
    return hold


def project_balances(project: Project, today: date) -> list[DealBalance]:
    """Every live deal of the project that still owes something, on `today`: four queries whatever the deals."""
    schedules = list(ReceivableSchedule.objects.filter(project=project).order_by("pk"))
    found = balances(schedules, today, whole_project=True, lines=planned_lines(None, project=project))
    return [b for b in found if not b.ended and b.statement.balance > 0]


@dataclass(frozen=True)
class DealSummary:
    """One deal's totals on a day as the receivables list shows them (plain values, no statement objects)."""

    schedule_id: int
    deal_id: int
    reference: str
    unit_id: int | None
    due: Decimal
    received: Decimal
    overdue: Decimal
    overdue_since: date | None
    due_soon: Decimal

    @property
    def balance(self) -> Decimal:
        return self.due - self.received


def project_summaries(project: Project, today: date, last_day: date) -> list[DealSummary]:
    """Every live deal of the project that still owes something, on `today`, with what falls due up to
    `last_day`: the same figures as `project_balances` (tests/kernel/test_dunning_summaries.py compares them on
    random schedules), in four plain queries whatever the deals.

    Why it is faster: receipts are summed per record and kind in SQL (the list needs only what each line
    received, not which receipt paid it) and each line takes what its kind's total leaves after the earlier
    lines of that kind (oldest due first, undated last): receipts fill the lines in that order whichever came
    first, so this is what `allocate` gives. Holds are read as values and their transfers followed in a dict,
    instead of a five-table join building model instances.
    """
    schedules = list(ReceivableSchedule.objects.filter(project=project).order_by("pk").values_list(
        "pk", "deal_id", "reference", "record_ids", "payment_plan"))
    owner: dict[int, list[int]] = {}  # record id -> the schedules it acts for
    for pk, deal_id, _ref, record_ids, _plan in schedules:
        for record_id in {deal_id, *(record_ids or ())}:
            owner.setdefault(record_id, []).append(pk)
    plan_of = {pk: plan for pk, _d, _r, _ids, plan in schedules}
    paid: dict[tuple[int, str], Decimal] = {}  # (schedule, line kind) -> receipts to spread over those lines
    for record_id, kind, total in (Payment.objects.filter(project=project, overpayment=False)
                                   .values("record_id", "kind").annotate(total=Sum("amount"))
                                   .values_list("record_id", "kind", "total")):
        for pk in owner.get(record_id, ()):
            target = lines_of(plan_of[pk]).get(kind)
            if target is not None:
                paid[(pk, target)] = paid.get((pk, target), ZERO) + total
    ends: dict[int, list[tuple]] = {}
    holds = {row[0]: row for row in UnitHold.objects.filter(project=project).values_list(
        "pk", "record_id", "unit_id", "held_at", "released_at", "release_reason", "transferred_to_id")}
    for row in holds.values():
        last, seen = row, 0
        while last[6] is not None and seen < 4 and last[6] in holds:  # as `_last`: four transfers at most
            last, seen = holds[last[6]], seen + 1
        for pk in owner.get(row[1], ()):
            ends.setdefault(pk, []).append(last)
    sums: dict[int, list] = {}  # schedule -> [due, received, overdue, since, soon]
    before: dict[tuple[int, str], Decimal] = {}  # what the earlier lines of the kind took first
    lines = (Receivable.objects.filter(schedule__project=project)
             .order_by("schedule_id", F("due_on").asc(nulls_last=True), "position")
             .values_list("schedule_id", "kind", "due_on", "amount"))
    for pk, kind, due_on, amount in lines:
        if kind in SETTLED_KINDS:
            received = amount
        else:
            key = (pk, kind)
            earlier = before.get(key, ZERO)
            received = min(amount, max(paid.get(key, ZERO) - earlier, ZERO))
            before[key] = earlier + amount
        s = sums.setdefault(pk, [ZERO, ZERO, ZERO, None, ZERO])
        s[0] += amount
        s[1] += received
        left = amount - received
        if left > 0 and due_on is not None:
            if due_on < today:
                s[2] += left
                s[3] = due_on if s[3] is None else min(s[3], due_on)
            elif due_on <= last_day:
                s[4] += left
    found = []
    for pk, deal_id, reference, _ids, _plan in schedules:
        s = sums.get(pk)  # type: ignore[assignment]  # None: a schedule without lines, skipped
        if s is None or s[0] - s[1] <= 0:
            continue
        held = sorted(ends.get(pk, ()), key=lambda h: (h[4] is None, h[3], h[0]))
        live = [h for h in held if h[4] is None]
        if not live and any(h[5] == ReleaseReason.RELEASED for h in held):
            continue  # the deal gave its unit back: it owes nothing any more
        unit_id = (live or held)[-1][2] if held else None
        found.append(DealSummary(pk, deal_id, reference, unit_id, s[0], s[1], s[2], s[3], s[4]))
    return found


# -- the job ---------------------------------------------------------------------------------


def deal_customers_source() -> CustomersOf:
    """The function that names each deal's customer (the `DUNNING_DEAL_CUSTOMERS` setting); none: nobody known."""
    label, path = getattr(settings, "DUNNING_DEAL_CUSTOMERS", DEAL_CUSTOMERS)
    if not any(config.label == label for config in apps.get_app_configs()):
        return lambda deal_ids: {}
    return import_string(path)


def issue_notices(today: date | None = None, *, customers: CustomersOf | None = None,
                  now: datetime | None = None) -> int:
    """Write today's reminders of every project (its own day unless `today` is given); how many this run wrote.

    Running it again the same day writes nothing; two runs at once write each reminder
    once (both may count one they raced for: the count is what a run tried to add).
    """
    now = now or timezone.now()
    resolve = customers or deal_customers_source()
    written = 0
    for project in Project.objects.order_by("pk"):
        day = today or now.astimezone(project.zone).date()
        written += _issue(project, day, day + timedelta(days=dunning_days_ahead(project.settings)), resolve, now)
    return written


def _issue(project: Project, day: date, horizon: date, resolve: CustomersOf, now: datetime) -> int:
    due_by = Receivable.objects.filter(schedule=OuterRef("pk"), due_on__lte=horizon, amount__gt=0)
    query = with_lines(ReceivableSchedule.objects.filter(Exists(due_by), project=project).order_by("pk"))
    written, after = 0, 0
    while True:
        batch = list(query.filter(pk__gt=after)[:BATCH])
        if batch:
            written += _write(project, batch, day, horizon, resolve, now)
        if len(batch) < BATCH:
            return written
        after = batch[-1].pk


def _write(project: Project, batch: list[ReceivableSchedule], day: date, horizon: date, resolve: CustomersOf,
           now: datetime) -> int:
    wanted: dict[tuple[int, str, date], Decimal] = {}
    schedules = {s.pk: s for s in batch}
    for found in balances(batch, day):
        if found.ended:
            continue
        for line in found.statement.lines:
            if line.due_on is not None and line.balance > 0 and line.due_on <= horizon:
                key = (found.schedule.pk, line.kind, line.due_on)
                wanted[key] = wanted.get(key, ZERO) + line.balance
    if not wanted:
        return 0
    written = set(DunningNotice.objects.filter(schedule_id__in={k[0] for k in wanted}, day=day)
                  .values_list("schedule_id", "kind", "due_on"))
    missing = {key: amount for key, amount in wanted.items() if key not in written}
    if not missing:
        return 0
    customer_of = _customers(resolve, [schedules[key[0]].deal_id for key in missing])
    consultant_of = dict(CustomerRegistration.objects.filter(project=project, customer_id__in=set(customer_of.values()))
                         .values_list("customer_id", "consultant_id"))
    notices = []
    for (schedule_id, kind, due_on), amount in missing.items():
        s = schedules[schedule_id]
        customer_id = customer_of.get(s.deal_id)
        notices.append(DunningNotice(
            project=project, schedule=s, kind=kind, due_on=due_on, day=day, overdue=due_on < day, amount=amount,
            reference=s.reference, deal_id=s.deal_id, customer_id=customer_id,
            consultant_id=consultant_of.get(customer_id) if customer_id is not None else None, created_at=now))
    DunningNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def _customers(resolve: CustomersOf, deal_ids: Iterable[int]) -> dict[int, int]:
    """deal id -> customer id, for customers that exist (a merged customer's old id names nobody)."""
    named = {deal: customer for deal, customer in resolve(sorted(set(deal_ids))).items() if customer is not None}
    known = set(Customer.objects.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    return {deal: customer for deal, customer in named.items() if customer in known}


# -- dismissing ------------------------------------------------------------------------------


def dismiss(notice: DunningNotice, *, user_id: int, now: datetime | None = None) -> str:
    """Take the reminder off the user's inbox: finance's copy for finance, the consultant's for the consultant.

    Returns which side was dismissed ("finance" or "consultant"); anyone else is refused.
    """
    now = now or timezone.now()
    roles = roles_in(user_id, notice.project_id)
    if FINANCE in roles:
        DunningNotice.objects.filter(pk=notice.pk, finance_dismissed_at__isnull=True).update(
            finance_dismissed_at=now, finance_dismissed_by_id=user_id)
        return "finance"
    if roles and notice.consultant_id == user_id:
        DunningNotice.objects.filter(pk=notice.pk, consultant_dismissed_at__isnull=True).update(
            consultant_dismissed_at=now)
        return "consultant"
    raise NoticeNotYours(reference=notice.reference)

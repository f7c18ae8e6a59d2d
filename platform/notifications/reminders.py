"""Notifications no step emits: what the clock brings (a reservation about to expire, a subscription's
time to become a contract ending, today's follow-ups, a payment due or overdue, a customer's birthday,
the anniversary of a customer's handover).

Periodic jobs (tasks.py) call these. Each notification is named by an event key that the same
run an hour later makes again (the timer's id; the record and its deadline; the project, person
and local date; the receivable line and the day; the customer (and unit) and the year), so a
sweep run twice, or by two consumers, tells nobody twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Delivery, Kind, Notification

if TYPE_CHECKING:  # imported where used, as the kernel's models are: kept off this module's import time
    from kernel.dunning import DealBalance

# which flows' records hold a unit until a timer lets it go (a subscription has a deadline instead: CONTRACT_DEADLINES)
EXPIRING_FLOWS: tuple[str, ...] = ("reservation",)
STORE_BATCH = 500  # event keys (or notifications) read back per query
RECEIVABLES_ANCHOR = "receivables"  # the id of the record page's receivables section
FINANCE = "finance"  # the role told of every payment of its project (as kernel.dunning's reminders)


def lead_hours() -> int:
    """How many hours before a hold ends its consultant is told (NOTIFICATION_EXPIRY_LEAD_HOURS, default 24)."""
    return int(getattr(settings, "NOTIFICATION_EXPIRY_LEAD_HOURS", 24))


def store(wanted: list[dict]) -> list[int]:
    """Create these notifications and their deliveries (rows that exist are left alone); the deliveries to send."""
    if not wanted:
        return []
    from .preferences import deliveries

    with transaction.atomic():
        Notification.objects.bulk_create([Notification(**w) for w in wanted], ignore_conflicts=True, batch_size=500)
        pairs = {(w["event_key"], w["recipient_id"]) for w in wanted}
        keys = sorted({key for key, _who in pairs})
        made: list[tuple[int, str]] = []
        for start in range(0, len(keys), STORE_BATCH):  # a query per batch of events, not one per person
            made += [(pk, kind) for pk, kind, key, who in Notification.objects.filter(
                event_key__in=keys[start:start + STORE_BATCH]).values_list("pk", "kind", "event_key", "recipient_id")
                if (key, who) in pairs]
        Delivery.objects.bulk_create(deliveries(made), ignore_conflicts=True, batch_size=500)
        pending: list[int] = []
        ids = [pk for pk, _ in made]
        for start in range(0, len(ids), STORE_BATCH):
            pending += list(Delivery.objects.filter(notification_id__in=ids[start:start + STORE_BATCH])
                            .exclude(status=Delivery.Status.SENT).exclude(status=Delivery.Status.SKIPPED)
                            .values_list("pk", flat=True))
        return pending


def expiring(now: datetime | None = None, flows: Iterable[str] | None = None) -> list[dict]:
    """The notifications of holds ending within the lead time: one per pending fire timer of an open record."""
    from engine.models import Record, Timer, TimerStatus

    now = now or timezone.now()
    configured: Iterable[str] = getattr(settings, "NOTIFICATION_EXPIRING_FLOWS", EXPIRING_FLOWS)
    flows = tuple(flows or configured)
    timers = (Timer.objects.filter(kind=Timer.Kind.FIRE, status=TimerStatus.PENDING, due_at__gt=now,
                                   due_at__lte=now + timedelta(hours=lead_hours()), record__flow__in=flows,
                                   record__created_by__isnull=False, record__is_closed=False)
              .select_related("record", "record__project").order_by("due_at", "pk"))
    out = []
    for timer in timers:
        record: Record = timer.record
        out.append({"kind": Kind.RESERVATION_EXPIRING, "recipient_id": record.created_by_id,
                    "project_id": record.project_id, "record_id": record.pk,
                    "link": reverse("web:record", args=[record.pk]), "event_key": f"timer:{timer.pk}:expiring",
                    "params": {"reference": record.reference, "due_at": timer.due_at.isoformat(),
                               "zone": record.project.zone.key}})
    return out


def follow_up_hour() -> int:
    """The local hour at which each consultant hears of the day's follow-ups (NOTIFICATION_FOLLOW_UP_HOUR, default 8)."""
    return int(getattr(settings, "NOTIFICATION_FOLLOW_UP_HOUR", 8))


def follow_ups_due(now: datetime | None = None) -> list[dict]:
    """For each project where it is now the morning hour: each consultant's count of follow-ups due today.

    "Due today" is the customer's planned next follow-up (CustomerRegistration.next_follow_up_on,
    which the last follow-up logged sets) on the project's local date; overdue ones are on the
    customer list already and not counted again each morning. One notification per consultant,
    project and day. Two queries: the projects, the counts.
    """
    from django.db.models import Count, Q

    from kernel.models import CustomerRegistration, Project

    now = now or timezone.now()
    days = {p.pk: (p, now.astimezone(p.zone).date()) for p in Project.objects.all()
            if now.astimezone(p.zone).hour == follow_up_hour()}
    if not days:
        return []
    due = Q()
    for pk, (_project, day) in days.items():
        due |= Q(project_id=pk, next_follow_up_on=day)
    counts = (CustomerRegistration.objects.filter(due, consultant__is_active=True)
              .values("project_id", "consultant_id").annotate(n=Count("pk")).order_by("project_id", "consultant_id"))
    out = []
    for row in counts:
        project, day = days[row["project_id"]]
        out.append({"kind": Kind.FOLLOW_UPS_DUE, "recipient_id": row["consultant_id"], "project_id": project.pk,
                    "record_id": None, "link": reverse("web:customer-list", args=[project.code]),
                    "event_key": f"follow-ups:{project.pk}:{day.isoformat()}",
                    "params": {"count": row["n"], "project": project.name, "day": day.isoformat()}})
    return out


# -- the day's reminders: payments due or overdue, customers' birthdays ------------------------------


def morning_hour() -> int:
    """The local hour from which the day's payment and birthday reminders are told (NOTIFICATION_MORNING_HOUR, 8)."""
    return int(getattr(settings, "NOTIFICATION_MORNING_HOUR", 8))


def payment_lead_days() -> int:
    """How many days before a line falls due it is told (NOTIFICATION_PAYMENT_LEAD_DAYS, default 3; 0: on the day)."""
    return int(getattr(settings, "NOTIFICATION_PAYMENT_LEAD_DAYS", 3))


def _mornings(now: datetime) -> dict[int, tuple]:
    """project id -> (project, its local date), for the projects whose day has reached the morning hour.

    At or after, not at: a consumer down at eight tells at nine; the day in the event key keeps it once.
    """
    from kernel.models import Project

    out = {}
    for project in Project.objects.order_by("pk"):
        local = now.astimezone(project.zone)
        if local.hour >= morning_hour():
            out[project.pk] = (project, local.date())
    return out


def payments_due(now: datetime | None = None) -> list[dict]:
    """Each receivable line with a balance that is overdue or falls due within the lead time, on each project's
    day: its customer's consultant and the project's finance are told, once per line and day.

    What is owed is computed as the payment reminders compute it (kernel.dunning.balances: the
    deal's receipts allocated to its lines, the oldest due first), so a paid line tells nobody and a
    part-paid one tells what is left; a deal that gave its unit back owes nothing. A line is named
    as the reminders name it, by its schedule, kind and due date (rescheduling rewrites the rows):
    the event key `payment:<schedule>:<kind>:<due date>:<day>` makes an overdue line told again the
    next day, never twice on one. The consultant is the one the deal's customer is registered to in
    the project (the reminders' consultant), finance every active finance member.
    """
    from django.db.models import Exists, OuterRef

    from kernel import dunning
    from kernel.models import Receivable, ReceivableSchedule

    now = now or timezone.now()
    out: list[dict] = []
    for project, day in _mornings(now).values():
        horizon = day + timedelta(days=payment_lead_days())
        due_by = Receivable.objects.filter(schedule=OuterRef("pk"), due_on__lte=horizon, amount__gt=0)
        query = dunning.with_lines(ReceivableSchedule.objects.filter(Exists(due_by), project=project).order_by("pk"))
        after = 0
        while True:
            batch = list(query.filter(pk__gt=after)[:dunning.BATCH])
            if batch:
                out += _payment_notifications(project, day, horizon, dunning.balances(batch, day))
            if len(batch) < dunning.BATCH:
                break
            after = batch[-1].pk
    return out


def _payment_notifications(project, day: date, horizon: date, found: Iterable[DealBalance]) -> list[dict]:
    """The notifications of one batch of deals' balances: five queries whatever its size."""
    from django.db.models.fields.json import KT

    from accounts.models import Membership
    from engine.models import Record
    from forms.parsing import parse_key
    from kernel.models import Customer, CustomerRegistration, Unit

    lines: dict[tuple[int, str, date], Decimal] = {}  # (schedule, kind, due date) -> still owed (as the reminders)
    deals: dict[int, DealBalance] = {}
    for balance in found:
        if balance.ended:
            continue
        for line in balance.statement.lines:
            if line.due_on is not None and line.balance > 0 and line.due_on <= horizon:
                key = (balance.schedule.pk, line.kind, line.due_on)
                lines[key] = lines.get(key, Decimal("0.00")) + line.balance
                deals[balance.schedule.pk] = balance
    if not lines:
        return []
    records: dict[int, int | None] = {}  # the deals' records that exist -> the customer their data names
    named_unit: dict[int, int | None] = {}  # -> the unit their data names (before the deal holds it)
    for pk, customer, unit in Record.objects.filter(pk__in={b.schedule.deal_id for b in deals.values()}).values_list(
            "pk", KT("data__customer_id"), KT("data__unit_id")):
        records[pk], named_unit[pk] = parse_key(customer), parse_key(unit)
    unit_of = {pk: b.unit_id if b.unit_id is not None else named_unit.get(b.schedule.deal_id)
               for pk, b in deals.items()}
    customers = dict(Customer.objects.filter(pk__in={c for c in records.values() if c is not None})
                     .values_list("pk", "name"))
    consultant_of = dict(CustomerRegistration.objects.filter(project=project, customer_id__in=list(customers),
                                                             consultant__is_active=True)
                         .values_list("customer_id", "consultant_id"))
    unit_codes = dict(Unit.objects.filter(project=project, pk__in={u for u in unit_of.values() if u is not None})
                      .values_list("pk", "code"))
    finance = sorted(set(Membership.objects.filter(project=project, role=FINANCE, user__is_active=True)
                         .values_list("user_id", flat=True)))
    out = []
    for (schedule_id, kind, due_on), amount in sorted(lines.items(), key=lambda item: (item[0][2], item[0][0])):
        balance = deals[schedule_id]
        deal_id = balance.schedule.deal_id
        customer_id = records.get(deal_id)
        recipients = set(finance)
        if customer_id in consultant_of:
            recipients.add(consultant_of[customer_id])
        overdue = due_on < day
        # the record page's receivables section (its id, web/record/receivables.html), not its top: the
        # person opening a payment's notice lands on the line to collect or record
        link = reverse("web:record", args=[deal_id]) + f"#{RECEIVABLES_ANCHOR}" if deal_id in records else ""
        unit_id = unit_of[schedule_id]
        params = {"reference": balance.schedule.reference,
                  "customer": customers.get(customer_id, "") if customer_id is not None else "",
                  "unit": unit_codes.get(unit_id, "") if unit_id is not None else "",
                  "kind": kind, "amount": str(amount),
                  "due_on": due_on.isoformat(), "day": day.isoformat()}
        for user_id in sorted(recipients):
            out.append({"kind": Kind.PAYMENT_OVERDUE if overdue else Kind.PAYMENT_DUE, "recipient_id": user_id,
                        "project_id": project.pk, "record_id": deal_id if deal_id in records else None,
                        "link": link, "params": params,
                        "event_key": f"payment:{schedule_id}:{kind}:{due_on.isoformat()}:{day.isoformat()}"})
    return out


def birthday_of(extra: Mapping) -> date | None:
    """A customer's date of birth: their profile's birthday, else the one a mainland resident ID number carries.

    The birthday field wins (a customer may celebrate another day than the ID says); an ID
    number is read only when it is a valid resident ID (GB 11643: digits 7–14 are the date of
    birth) and the ID type is a resident ID or not given. Anything else: not known.
    """
    from kernel.id_numbers import normalise_resident_id, resident_id_problem

    given = extra.get("birthday")
    if isinstance(given, str) and given:
        try:
            return date.fromisoformat(given[:10])
        except ValueError:
            return None
    number = extra.get("id_number")
    if not isinstance(number, str) or extra.get("id_type") not in (None, "", "resident_id"):
        return None
    if resident_id_problem(number) is not None:
        return None
    text = normalise_resident_id(number)
    return date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


def is_birthday(born: date, day: date) -> bool:
    """Whether `day` is the birthday of someone born on `born`; a 29 February birthday is kept on 28 February
    in the years without one."""
    if (born.month, born.day) == (day.month, day.day):
        return True
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return (born.month, born.day) == (2, 29) and (day.month, day.day) == (2, 28) and not leap


def birthdays(now: datetime | None = None) -> list[dict]:
    """Each customer whose birthday is the project's local date, from its morning hour: their consultant is told.

    The consultant is the one the customer is registered to in the project (as the customer
    list and the follow-ups say). Once per customer, consultant and year (event key
    `birthday:<customer>:<year>`): a customer registered to one consultant in two projects is
    told once. The database narrows the customers to those whose birthday or ID number carries
    the day; `birthday_of` decides.
    """
    from django.db.models import Q

    from kernel.models import CustomerRegistration

    now = now or timezone.now()
    days = _mornings(now)
    if not days:
        return []
    by_day: dict[date, list[int]] = {}
    for pk, (_project, day) in days.items():
        by_day.setdefault(day, []).append(pk)
    asked = Q()
    for day, projects in by_day.items():
        dates = [(day.month, day.day)]
        if (day.month, day.day) == (2, 28):
            dates.append((2, 29))
        shown = Q()
        for month, dom in dates:
            shown |= (Q(customer__extra__birthday__endswith=f"-{month:02d}-{dom:02d}")
                      | Q(customer__extra__id_number__regex=rf"^[0-9]{{10}}{month:02d}{dom:02d}"))
        asked |= Q(project_id__in=projects) & shown
    found = (CustomerRegistration.objects.filter(asked, consultant__is_active=True)
             .select_related("customer").order_by("project_id", "customer_id"))
    out = []
    for registration in found:
        project, day = days[registration.project_id]
        customer = registration.customer
        born = birthday_of(customer.extra or {})
        if born is None or not is_birthday(born, day):
            continue
        out.append({"kind": Kind.CUSTOMER_BIRTHDAY, "recipient_id": registration.consultant_id,
                    "project_id": project.pk, "record_id": None, "link": reverse("web:customer", args=[customer.pk]),
                    "event_key": f"birthday:{customer.pk}:{day.year}",
                    "params": {"customer": customer.name, "day": day.isoformat()}})
    return out


# -- a subscription's time to become a contract; customers' key dates --------------------------------

# the flow states in which a deal must become a contract by its deadline (the open tasks' due time):
# the subscription's `awaiting_contract` (7 days, or the project's own; then it escalates)
CONTRACT_DEADLINES: Mapping[str, tuple[str, ...]] = {"subscription": ("awaiting_contract",)}
# the record whose final state says a unit was delivered to its customer, and that state
DELIVERY_FLOW, DELIVERED = "handover", "delivered"


def subscriptions_expiring(now: datetime | None = None) -> list[dict]:
    """Each open deal whose time to become a contract ends within the lead time: its consultant is told.

    The time is the state's deadline (the due time of the open tasks of the states in
    NOTIFICATION_CONTRACT_DEADLINES, by default the subscription's `awaiting_contract`), after
    which the deal escalates to the sales manager; the flow's later `contract_overdue` timer only
    escalates it further, news the consultant already has (docs/decisions.md). The lead time is
    the reservation's, NOTIFICATION_EXPIRY_LEAD_HOURS. The consultant is the deal's
    `consultant_id` (set on submit), else who started the record. Once per record and deadline
    (event key `deadline:<record>:<task>:<due, epoch seconds>`): a deadline restarted, or the
    state entered again after a change request, is a new one; a deadline already past tells nothing
    (its escalation is the news). Four queries: the tasks, the customers, the units, the people.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from engine.models import Task, TaskStatus
    from forms.parsing import parse_key
    from kernel.models import Customer, Unit

    now = now or timezone.now()
    states = getattr(settings, "NOTIFICATION_CONTRACT_DEADLINES", CONTRACT_DEADLINES)
    which = Q()
    for flow, names in states.items():
        which |= Q(flow=flow, state__in=tuple(names))
    if not which:
        return []
    tasks = (Task.objects.filter(which, status=TaskStatus.OPEN, due_at__gt=now,
                                 due_at__lte=now + timedelta(hours=lead_hours()), record__is_closed=False)
             .select_related("record__project").order_by("due_at", "pk"))
    first: dict[int, Task] = {}
    for task in tasks:  # the record's earliest deadline, should its state open several tasks
        first.setdefault(task.record_id, task)
    if not first:
        return []
    data = {pk: task.record.data if isinstance(task.record.data, dict) else {} for pk, task in first.items()}
    wanted = {pk: parse_key(d.get("consultant_id")) or first[pk].record.created_by_id for pk, d in data.items()}
    active = set(get_user_model().objects.filter(pk__in={w for w in wanted.values() if w}, is_active=True)
                 .values_list("pk", flat=True))
    customer_of = {pk: parse_key(d.get("customer_id")) for pk, d in data.items()}
    unit_of = {pk: parse_key(d.get("unit_id")) for pk, d in data.items()}
    names = dict(Customer.objects.filter(pk__in={c for c in customer_of.values() if c}).values_list("pk", "name"))
    codes = dict(Unit.objects.filter(pk__in={u for u in unit_of.values() if u}).values_list("pk", "code"))
    out = []
    for record_id, task in first.items():
        record, due = task.record, task.due_at
        if due is None or wanted[record_id] not in active:
            continue
        customer_id, unit_id = customer_of[record_id], unit_of[record_id]
        out.append({"kind": Kind.SUBSCRIPTION_EXPIRING, "recipient_id": wanted[record_id],
                    "project_id": record.project_id, "record_id": record_id,
                    "link": reverse("web:record", args=[record_id]),
                    "event_key": f"deadline:{record_id}:{task.pk}:{int(due.timestamp())}",
                    "params": {"reference": record.reference,
                               "customer": names.get(customer_id, "") if customer_id is not None else "",
                               "unit": codes.get(unit_id, "") if unit_id is not None else "",
                               "due_at": due.isoformat(),
                               "zone": record.project.zone.key}})
    return out


def key_dates(now: datetime | None = None) -> list[dict]:
    """Each customer whose unit was delivered on this day of an earlier year (交房周年), on the project's date
    from its morning hour: the consultant the customer is registered to in the project is told.

    A unit is delivered when its handover record reaches `delivered` (keys handed over, or deemed
    delivered); the day is the record's `handed_over_on` (the certificate's date, which both steps
    ask), else the project's date of the history entry that moved it there. 29 February is kept
    on 28 February in common years, as birthdays. Once per customer, unit and year (event key
    `handover:<customer>:<unit>:<year>`). Five queries whatever the number of customers: the
    projects, the delivered handovers of the day, their customers, units and consultants.
    """
    from django.db.models import OuterRef, Q, Subquery
    from django.db.models.fields.json import KT

    from engine.models import HistoryEntry, Record
    from forms.parsing import parse_key
    from kernel.models import Customer, CustomerRegistration, Unit

    now = now or timezone.now()
    days = _mornings(now)
    if not days:
        return []
    asked = Q()
    for pk, (_project, day) in days.items():
        ends = [f"-{day.month:02d}-{day.day:02d}"] + (["-02-29"] if (day.month, day.day) == (2, 28) else [])
        shown = Q(data__handed_over_on__isnull=True) | Q(data__handed_over_on="")
        for end in ends:
            shown |= Q(data__handed_over_on__endswith=end)
        asked |= Q(project_id=pk) & shown
    entered = (HistoryEntry.objects.filter(record_id=OuterRef("pk"), to_state=DELIVERED)
               .order_by("-seq").values("at")[:1])
    found = (Record.objects.filter(asked, flow=DELIVERY_FLOW, state=DELIVERED)
             .annotate(delivered_at=Subquery(entered))
             .values_list("pk", "project_id", KT("data__customer_id"), KT("data__unit_id"), KT("data__handed_over_on"),
                          "delivered_at").order_by("pk"))
    due: list[tuple[int, int, int, int]] = []  # (project, customer, unit, years)
    for _pk, project_id, customer, unit, on, delivered_at in found:
        customer_id, unit_id = parse_key(customer), parse_key(unit)
        project, day = days[project_id]
        handed = _delivered_on(on, delivered_at, project.zone)
        if customer_id is None or unit_id is None or handed is None:
            continue
        if handed.year < day.year and is_birthday(handed, day):
            due.append((project_id, customer_id, unit_id, day.year - handed.year))
    if not due:
        return []
    names = dict(Customer.objects.filter(pk__in={c for _p, c, _u, _y in due}).values_list("pk", "name"))
    codes = dict(Unit.objects.filter(pk__in={u for _p, _c, u, _y in due}).values_list("pk", "code"))
    pairs = Q()
    for project_id in {p for p, _c, _u, _y in due}:
        pairs |= Q(project_id=project_id, customer_id__in={c for p, c, _u, _y in due if p == project_id})
    consultant_of = {(p, c): who for p, c, who in CustomerRegistration.objects.filter(pairs, consultant__is_active=True)
                     .values_list("project_id", "customer_id", "consultant_id")}
    out = []
    for project_id, customer_id, unit_id, years in sorted(due):
        consultant = consultant_of.get((project_id, customer_id))
        if consultant is None or customer_id not in names:
            continue
        _project, day = days[project_id]
        out.append({"kind": Kind.CUSTOMER_KEY_DATE, "recipient_id": consultant, "project_id": project_id,
                    "record_id": None, "link": reverse("web:customer", args=[customer_id]),
                    "event_key": f"handover:{customer_id}:{unit_id}:{day.year}",
                    "params": {"customer": names[customer_id], "unit": codes.get(unit_id, ""), "years": years,
                               "day": day.isoformat()}})
    return out


def _delivered_on(text: object, entered: datetime | None, zone) -> date | None:
    """The day a unit was delivered: the handover's date as typed, else the project's date of entering `delivered`."""
    if isinstance(text, str) and text:
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    return entered.astimezone(zone).date() if entered is not None else None

"""Notifications no step emits: what the clock brings (a reservation about to expire, today's follow-ups).

Periodic jobs (tasks.py) call these. Each notification is named by an event key that the same
run an hour later makes again (the timer's id; the project, person and local date), so a
sweep run twice, or by two consumers, tells nobody twice.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Delivery, Kind, Notification

# which flows' records hold a unit until a timer lets it go (settings may name others, e.g. subscriptions)
EXPIRING_FLOWS: tuple[str, ...] = ("reservation",)


def lead_hours() -> int:
    """How many hours before a hold ends its consultant is told (NOTIFICATION_EXPIRY_LEAD_HOURS, default 24)."""
    return int(getattr(settings, "NOTIFICATION_EXPIRY_LEAD_HOURS", 24))


def store(wanted: list[dict]) -> list[int]:
    """Create these notifications and their deliveries (rows that exist are left alone); the deliveries to send."""
    if not wanted:
        return []
    from .preferences import deliveries

    with transaction.atomic():
        Notification.objects.bulk_create([Notification(**w) for w in wanted], ignore_conflicts=True)
        made: list[tuple[int, str]] = []
        for w in wanted:  # a few a run: one per person or timer
            made += list(Notification.objects.filter(event_key=w["event_key"], recipient_id=w["recipient_id"])
                         .values_list("pk", "kind"))
        Delivery.objects.bulk_create(deliveries(made), ignore_conflicts=True)
        return list(Delivery.objects.filter(notification_id__in=[pk for pk, _ in made])
                    .exclude(status=Delivery.Status.SENT).exclude(status=Delivery.Status.SKIPPED)
                    .values_list("pk", flat=True))


def expiring(now: datetime | None = None, flows: Iterable[str] | None = None) -> list[dict]:
    """The notifications of holds ending within the lead time: one per pending fire timer of an open record."""
    from engine.models import Record, Timer, TimerStatus

    now = now or timezone.now()
    flows = tuple(flows or getattr(settings, "NOTIFICATION_EXPIRING_FLOWS", EXPIRING_FLOWS))
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

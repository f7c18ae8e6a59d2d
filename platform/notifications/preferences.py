"""Each person's say in how they are told: channels per kind of notification, quiet hours, language.

- **Channels**: the bell always; email and SMS/WeChat per kind as the person chose
  (`Preference`), else the kind's defaults (`EXTRA_CHANNELS`). Applied twice: when the
  deliveries are made (a channel turned on gets its delivery row) and when one is sent (a
  channel turned off since is marked "not wanted", never sent).
- **Quiet hours** (`RecipientSettings.quiet_from` – `quiet_until`, e.g. 22:00–08:00): read in
  the time zone of the notification's project, as the people of that project keep their
  hours. An email or SMS due inside them waits until they end; the bell is never held.
- **Language** of email and SMS: the person's choice, else the site's default
  (settings.LANGUAGE_CODE): a job has no request to read a language from.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from .models import Delivery, Kind, Notification, Preference, RecipientSettings

CHANNELS = ("email", "sms")  # beyond the bell, which is always on

# which channels besides the bell each kind goes to for a person who has not chosen (no `Preference` row)
EXTRA_CHANNELS: dict[str, tuple[str, ...]] = {
    Kind.TASK_ASSIGNED: ("email",),
    Kind.TASK_OFFERED: (),  # a whole role is offered the task: the bell only, not a mail to everyone
    Kind.TASK_ESCALATED: ("email", "sms"),
    Kind.SENT_BACK: ("email",),
    Kind.APPROVAL_DECIDED: ("email",),
    Kind.RESERVATION_EXPIRING: ("email",),
    Kind.FOLLOW_UPS_DUE: (),  # a count each morning: the bell, not a mail every day
    Kind.PAYMENT_DUE: ("email",),
    Kind.PAYMENT_OVERDUE: ("email",),
    Kind.CUSTOMER_BIRTHDAY: ("email",),  # once a year a customer: the consultant calls them that day
    Kind.SUBSCRIPTION_EXPIRING: ("email",),  # as a reservation's hold: a deadline the consultant must not miss
    Kind.CUSTOMER_KEY_DATE: ("email",),  # once a year a customer and unit, as the birthday
}


def defaults() -> dict[str, tuple[str, ...]]:
    return {kind: tuple(EXTRA_CHANNELS.get(kind, ())) for kind in Kind.values}


def _chosen(rows: Iterable[Preference]) -> dict[tuple[int, str], tuple[str, ...]]:
    return {(p.user_id, p.kind): tuple(c for c in CHANNELS if getattr(p, c)) for p in rows}


def channels_of(user_id: int) -> dict[str, tuple[str, ...]]:
    """The channels beyond the bell this person gets for each kind (one query)."""
    chosen = _chosen(Preference.objects.filter(user_id=user_id))
    return {kind: chosen.get((user_id, kind), default) for kind, default in defaults().items()}


def wants(user_id: int, kind: str, channel: str) -> bool:
    found = Preference.objects.filter(user_id=user_id, kind=kind).first()
    if found is None:
        return channel in defaults().get(kind, ())
    return bool(getattr(found, channel, False))


def any_extra(wanted: Iterable[Mapping]) -> bool:
    """Whether any of these planned notifications ({"kind", "recipient_id", ...}) goes beyond the bell.

    No query when a kind has channels by default; else one, for the recipients who turned a
    channel on for a bell-only kind (someone who wants an email for tasks offered to their role).
    """
    wanted = list(wanted)
    base = defaults()
    if any(base.get(w["kind"]) for w in wanted):
        return True
    if not wanted:
        return False
    from django.db.models import Q

    asked = Q()
    for w in wanted:
        asked |= Q(user_id=w["recipient_id"], kind=w["kind"])
    return Preference.objects.filter(asked).filter(Q(email=True) | Q(sms=True)).exists()


def deliveries(made: Iterable[tuple[int, str]]) -> list[Delivery]:
    """The delivery rows the notifications `made` ((id, kind) pairs) need, as their recipients chose (two queries)."""
    made = list(made)
    if not made:
        return []
    recipient: dict[int, int] = dict(Notification.objects.filter(pk__in=[pk for pk, _ in made])
                                     .values_list("pk", "recipient_id"))
    chosen = _chosen(Preference.objects.filter(user_id__in=set(recipient.values())))
    base = defaults()
    return [Delivery(notification_id=pk, channel=channel) for pk, kind in made
            for channel in chosen.get((recipient.get(pk, 0), kind), base.get(kind, ()))]


def settings_of(user_id: int) -> RecipientSettings:
    """The person's settings, unsaved defaults when they never saved any."""
    return RecipientSettings.objects.filter(user_id=user_id).first() or RecipientSettings(user_id=user_id)


def language_of(user) -> str:
    """The language of this person's email and SMS: their choice, else the site's default."""
    chosen = RecipientSettings.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


def quiet_end(now: datetime, zone: ZoneInfo, start: time | None, end: time | None) -> datetime | None:
    """When the quiet hours holding `now` end (aware), or None if `now` is not in quiet hours.

    Hours that pass midnight (22:00–08:00) are quiet from `start` to the next day's `end`;
    others (12:00–14:00) within one day. `start` is quiet, `end` is not.
    """
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:
        if start <= clock < end:
            return datetime.combine(day, end, tzinfo=zone)
        return None
    if clock >= start:  # evening part: ends tomorrow morning
        return datetime.combine(day + timedelta(days=1), end, tzinfo=zone)
    if clock < end:  # morning part
        return datetime.combine(day, end, tzinfo=zone)
    return None


@dataclass(frozen=True)
class Choices:
    """What the settings page saves, already parsed and checked."""

    channels: Mapping[str, frozenset[str]]  # kind -> channels wanted beyond the bell
    quiet_from: time | None
    quiet_until: time | None
    language: str


@transaction.atomic
def save(user, choices: Choices) -> None:
    """Store one person's preferences for every kind and their quiet hours and language, as one change.

    A kind left as its default keeps no row, so a later change of the default reaches them.
    """
    base = defaults()
    Preference.objects.filter(user=user).delete()
    Preference.objects.bulk_create([
        Preference(user=user, kind=kind, email="email" in wanted, sms="sms" in wanted)
        for kind, wanted in sorted(choices.channels.items())
        if kind in base and frozenset(wanted) != frozenset(base[kind])])
    RecipientSettings.objects.update_or_create(user=user, defaults={
        "quiet_from": choices.quiet_from, "quiet_until": choices.quiet_until, "language": choices.language})

"""Each person's say: channels per kind of notification, quiet hours (email and SMS wait, the bell never),
the language of their email; applied when deliveries are made and again when they are sent."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from engine.models import Task
from engine.runtime import moves, tasks
from engine.runtime.timers import fire_due_timers
from notifications import preferences
from notifications.models import Delivery, Kind, Notification, Preference, RecipientSettings
from notifications.tasks import deliver_now, held_due, notify_now
from tests.notifications.test_notifications import GOOD, _submitted, published  # noqa: F401  (the fixture)

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Recorder:
    """An SMS backend that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send(self, user, subject, text, link):
        Recorder.sent.append((user.username, subject))


@pytest.fixture
def sms(settings):
    settings.NOTIFICATION_SMS_BACKEND = "tests.notifications.test_preferences.Recorder"
    Recorder.sent = []
    return Recorder.sent


def _quiet_now(user, zone=SHANGHAI) -> datetime:
    """Quiet hours from an hour ago to an hour from now (in the zone); the moment they end."""
    local = timezone.now().astimezone(zone)
    start, end = (local - timedelta(hours=1)).time(), (local + timedelta(hours=1)).time()
    RecipientSettings.objects.create(user=user, quiet_from=start.replace(second=0, microsecond=0),
                                     quiet_until=end.replace(second=0, microsecond=0))
    return preferences.quiet_end(timezone.now(), zone, start.replace(second=0, microsecond=0),
                                 end.replace(second=0, microsecond=0))


@pytest.mark.parametrize("start, end, at, ends", [
    (time(22), time(8), datetime(2027, 1, 5, 23, 30), datetime(2027, 1, 6, 8, 0)),  # evening: tomorrow morning
    (time(22), time(8), datetime(2027, 1, 6, 7, 59), datetime(2027, 1, 6, 8, 0)),  # early morning: this morning
    (time(22), time(8), datetime(2027, 1, 6, 8, 0), None),  # the end itself is not quiet
    (time(22), time(8), datetime(2027, 1, 6, 12, 0), None),
    (time(22), time(8), datetime(2027, 1, 5, 22, 0), datetime(2027, 1, 6, 8, 0)),  # the start is quiet
    (time(12), time(14), datetime(2027, 1, 6, 13, 0), datetime(2027, 1, 6, 14, 0)),  # within one day
    (time(12), time(14), datetime(2027, 1, 6, 14, 30), None),
    (None, None, datetime(2027, 1, 6, 23, 0), None),  # no quiet hours
])
def test_quiet_hours_end_where_people_expect(start, end, at, ends):
    found = preferences.quiet_end(at.replace(tzinfo=SHANGHAI), SHANGHAI, start, end)
    assert found == (ends.replace(tzinfo=SHANGHAI) if ends else None)


def test_quiet_hours_are_read_in_the_projects_zone():
    # 23:30 in Shanghai is 00:30 in Tokyo: quiet 00:00-06:00 holds in a Tokyo project only
    at = datetime(2027, 1, 5, 23, 30, tzinfo=SHANGHAI)
    assert preferences.quiet_end(at, SHANGHAI, time(0), time(6)) is None
    tokyo = ZoneInfo("Asia/Tokyo")
    assert preferences.quiet_end(at, tokyo, time(0), time(6)) == datetime(2027, 1, 6, 6, 0, tzinfo=tokyo)


def test_quiet_hours_hold_the_sms_and_the_email_but_not_the_bell(published, sms, client):
    p = published
    record = _submitted(p)
    fire_due_timers(timezone.now() + timedelta(hours=25))
    ends = _quiet_now(p["manager"])

    notify_now(record.pk)

    # the bell: at once
    assert Notification.objects.filter(recipient=p["manager"], kind=Kind.TASK_ESCALATED).count() == 2
    client.force_login(p["manager"])
    assert client.get("/notifications/unread/").json() == {"unread": 2}
    # email and SMS: waiting for the end of the quiet hours, nothing sent
    held = list(Delivery.objects.filter(notification__recipient=p["manager"]).order_by("pk"))
    assert sorted(d.channel for d in held) == ["email", "email", "sms", "sms"]
    assert {(d.status, d.not_before, d.attempts) for d in held} == {(Delivery.Status.PENDING, ends, 0)}
    assert sms == [] and mail.outbox == []
    assert held_due(ends - timedelta(minutes=1)) == []

    # the quiet hours over: the sweep finds them due, and they go
    due = held_due(ends)
    assert sorted(due) == sorted(d.pk for d in held)
    for delivery_id in due:
        assert deliver_now(delivery_id, now=ends) is True
    assert [who for who, _ in sms] == ["manager", "manager"]
    assert sorted(m.to[0] for m in mail.outbox) == ["manager@example.com"] * 2
    assert held_due(ends + timedelta(hours=1)) == []  # sent: never again


def test_someone_elses_quiet_hours_hold_nothing_of_mine(published, sms):
    p = published
    record = _submitted(p)
    _quiet_now(p["fin"])  # not the manager's
    fire_due_timers(timezone.now() + timedelta(hours=25))

    notify_now(record.pk)

    assert len(sms) == 2 and len(mail.outbox) == 2


def test_channels_chosen_per_kind_decide_which_deliveries_are_made(published, sms):
    p = published
    # the manager wants escalations by SMS only; the consultant wants a record sent back also by SMS
    Preference.objects.create(user=p["manager"], kind=Kind.TASK_ESCALATED, email=False, sms=True)
    Preference.objects.create(user=p["consultant"], kind=Kind.SENT_BACK, email=True, sms=True)
    record = _submitted(p)
    fire_due_timers(timezone.now() + timedelta(hours=25))
    notify_now(record.pk)
    moves.send_back(p["director"], record.pk, "draft", "价格需复核")
    notify_now(record.pk)

    made = sorted(Delivery.objects.values_list("notification__recipient__username", "notification__kind",
                                               "channel"))
    assert made == [("consultant", Kind.SENT_BACK, "email"), ("consultant", Kind.SENT_BACK, "sms"),
                    ("manager", Kind.TASK_ESCALATED, "sms"), ("manager", Kind.TASK_ESCALATED, "sms")]
    assert [m.to for m in mail.outbox] == [["consultant@example.com"]]
    assert sorted(who for who, _ in sms) == ["consultant", "manager", "manager"]


def test_a_channel_turned_off_after_the_delivery_was_made_is_not_sent(published, sms):
    p = published
    record = _submitted(p)
    slot = Task.objects.get(record=record, status="open", roles=["finance"])
    tasks.reassign(p["manager"], slot.pk, p["fin2"].pk, "请处理")
    _quiet_now(p["fin2"])
    notify_now(record.pk)
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == Delivery.Status.PENDING and delivery.not_before is not None

    Preference.objects.create(user=p["fin2"], kind=Kind.TASK_ASSIGNED, email=False, sms=False)
    assert deliver_now(delivery.pk, now=delivery.not_before) is False

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED and delivery.attempts == 0
    assert mail.outbox == []
    assert deliver_now(delivery.pk, now=delivery.not_before) is False  # and stays unsent


def test_the_email_is_in_the_recipients_language(published, settings):
    p = published
    settings.NOTIFICATION_SITE_URL = "https://sales.example.com"
    RecipientSettings.objects.create(user=p["fin2"], language="en")
    record = _submitted(p)
    slot = Task.objects.get(record=record, status="open", roles=["finance"])
    tasks.reassign(p["manager"], slot.pk, p["fin2"].pk, "请处理")
    notify_now(record.pk)
    moves.send_back(p["director"], record.pk, "draft", "价格需复核")  # to the consultant, who chose no language
    notify_now(record.pk)

    by = {m.to[0]: m for m in mail.outbox}
    english, chinese = by["fin2@example.com"], by["consultant@example.com"]
    assert english.subject.endswith(f"of {record.reference} is assigned to you")
    assert "Open the work: https://sales.example.com/records/" in english.body
    assert "https://sales.example.com/notifications/settings/" in english.body
    assert "(Asia/Shanghai)" in english.body
    # no language chosen: the site's default, Chinese
    assert chinese.subject == f"{record.reference} 已退回给您：价格需复核" and "（北京时间）" in chinese.body
    assert "https://sales.example.com/notifications/settings/" in chinese.body


def test_saving_keeps_rows_only_for_kinds_off_their_defaults(people):
    user = people["fin"]
    base = preferences.defaults()
    chosen = {kind: frozenset(channels) for kind, channels in base.items()}
    chosen[Kind.TASK_OFFERED] = frozenset({"email"})
    preferences.save(user, preferences.Choices(chosen, time(22), time(8), "en"))

    assert list(Preference.objects.filter(user=user).values_list("kind", "email", "sms")) == [
        (Kind.TASK_OFFERED, True, False)]
    assert preferences.channels_of(user.pk)[Kind.TASK_OFFERED] == ("email",)
    assert preferences.channels_of(user.pk)[Kind.TASK_ESCALATED] == base[Kind.TASK_ESCALATED]
    mine = RecipientSettings.objects.get(user=user)
    assert (mine.quiet_from, mine.quiet_until, mine.language) == (time(22), time(8), "en")

    # saved again with every kind at its default: no rows left
    preferences.save(user, preferences.Choices({k: frozenset(v) for k, v in base.items()}, None, None, ""))
    assert not Preference.objects.filter(user=user).exists()


def test_a_bell_only_kind_goes_further_only_for_who_asked(people):
    fin, fin2 = people["fin"], people["fin2"]
    offered = [{"kind": Kind.TASK_OFFERED, "recipient_id": fin.pk}, {"kind": Kind.TASK_OFFERED, "recipient_id": fin2.pk}]
    assert preferences.any_extra(offered) is False
    Preference.objects.create(user=fin2, kind=Kind.TASK_ESCALATED, email=False, sms=True)  # another kind
    assert preferences.any_extra(offered) is False
    Preference.objects.create(user=fin2, kind=Kind.TASK_OFFERED, email=True, sms=False)
    assert preferences.any_extra(offered) is True
    assert preferences.any_extra([{"kind": Kind.TASK_ASSIGNED, "recipient_id": fin.pk}]) is True  # a default
    assert preferences.any_extra([]) is False

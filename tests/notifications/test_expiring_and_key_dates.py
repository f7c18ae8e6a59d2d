"""The last reminders the clock brings: a subscription whose time to become a contract is ending (its
consultant, within NOTIFICATION_EXPIRY_LEAD_HOURS), and the anniversary of a customer's handover 交房周年
(the consultant the customer is registered to, on the project's day from its morning hour).

Deals and handovers go through the real flows of S1 (tests/flows/conftest.py): a subscription submitted
waits in `awaiting_contract`, whose deadline is 7 days; a handover is delivered by its own steps.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from engine.models import Record, Task
from engine.runtime import records
from kernel.models import Customer, CustomerRegistration, Project
from notifications.models import Kind, Notification
from notifications.reminders import key_dates
from notifications.tasks import (
    remind_key_dates,
    remind_key_dates_now,
    remind_subscriptions_expiring,
    remind_subscriptions_expiring_now,
)
from notifications.words import title
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.flows.steps import filed_contract, fire, reject
from tests.kernel.conftest import make_user
from tests.kernel.parallel import needs_postgresql, race

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 8, minute: int = 27) -> datetime:
    """A moment of the project's day (its zone)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def s1(world, settings):  # noqa: F811  (the fixture imported above)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    p, u, units = world
    for role in ("sales_consultant", "sales_manager"):
        u[role].email = f"{role}@example.com"
        u[role].save(update_fields=["email"])
    return p, u, units


def registered(p, consultant, name, phone):
    customer = Customer.objects.create(name=name, phone=phone)
    now = at(date(2026, 1, 5))
    CustomerRegistration.objects.create(project=p, customer=customer, consultant=consultant, registered_at=now,
                                        protected_until=now + timedelta(days=30))
    return customer


def awaiting_contract(p, u, unit, customer):
    """A subscription quoted and submitted within the allowance: waiting for its contract, 7 days to sign."""
    sc = u["sales_consultant"]
    sub = records.start_record(sc, p, "subscription", {"customer_id": customer.pk, "unit_id": unit.pk})
    sub = fire(sc, sub, "quote", {"unit_id": unit.pk, "payment_plan": "installments"}, to="draft")
    return fire(sc, sub, "submit", {"buyers": [{"customer_id": customer.pk}], "deposit": "30000.00"},
                to="awaiting_contract")


def deadline(record) -> datetime:
    return Task.objects.get(record_id=record.pk, status="open", name="arrange_signing").due_at


def expiring():
    return sorted((n.recipient.username, n.params["reference"], n.params["due_at"])
                  for n in Notification.objects.filter(kind=Kind.SUBSCRIPTION_EXPIRING).select_related("recipient"))


# --- a subscription's time to become a contract ------------------------------------------------------

def test_a_deadline_entering_the_lead_time_tells_the_consultant_once_with_customer_unit_and_zoned_time(s1):
    p, u, units = s1
    li = registered(p, u["sales_consultant"], "李娜", "+8613900001111")
    sub = awaiting_contract(p, u, units[0], li)
    due = deadline(sub)
    assert due is not None
    mail.outbox.clear()

    assert remind_subscriptions_expiring_now(due - timedelta(hours=25)) == []  # not yet within 24 hours
    remind_subscriptions_expiring_now(due - timedelta(hours=10))
    assert remind_subscriptions_expiring_now(due - timedelta(hours=9)) == []  # the next hour: made already

    assert expiring() == [("sales_consultant", sub.reference, due.isoformat())]
    notice = Notification.objects.get(kind=Kind.SUBSCRIPTION_EXPIRING)
    task = Task.objects.get(record_id=sub.pk, status="open")
    assert notice.event_key == f"deadline:{sub.pk}:{task.pk}:{int(due.timestamp())}"
    assert (notice.record_id, notice.project_id, notice.link) == (sub.pk, p.pk, reverse("web:record", args=[sub.pk]))
    local = due.astimezone(SHANGHAI)
    code = units[0].code
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params) == (
            f"认购 {sub.reference}（李娜，{code}） 须于 {local.year}年{local.month}月{local.day}日 "
            f"{local:%H:%M}（北京时间）前转签约")
    with translation.override("en"):
        assert title(notice.kind, notice.params) == (
            f"Subscription {sub.reference} (李娜, {code}) must become a contract by "
            f"{local:%Y-%m-%d %H:%M} (Asia/Shanghai)")
    assert [m.to for m in mail.outbox] == [["sales_consultant@example.com"]]  # bell and email by default


def test_a_deal_contracted_a_draft_or_a_deadline_already_past_tells_nobody(s1):
    p, u, units = s1
    li = registered(p, u["sales_consultant"], "李娜", "+8613900001111")
    signed = awaiting_contract(p, u, units[0], li)
    due = deadline(signed)
    fire(u["contract_clerk"], signed, "sign", to="contracted")  # closed: its deadline went with the state
    draft = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": li.pk})
    waiting = awaiting_contract(p, u, units[1], li)

    draft_due = Task.objects.get(record_id=draft.pk, status="open").due_at
    remind_subscriptions_expiring_now(draft_due - timedelta(hours=1))  # a draft's own deadline is not a contract's
    assert expiring() == []

    remind_subscriptions_expiring_now(due - timedelta(hours=1))
    assert expiring() == [("sales_consultant", waiting.reference, deadline(waiting).isoformat())]

    Notification.objects.all().delete()
    remind_subscriptions_expiring_now(deadline(waiting) + timedelta(minutes=1))  # past: the escalation is the news
    assert expiring() == []


def test_the_deals_consultant_is_told_and_a_state_entered_again_brings_a_new_deadline(s1):
    p, u, units = s1
    li = registered(p, u["sales_consultant"], "李娜", "+8613900001111")
    sub = awaiting_contract(p, u, units[0], li)
    other = make_user("wang", p, "sales_consultant")  # the deal's consultant (carried from its reservation)
    Record.objects.filter(pk=sub.pk).update(data={**Record.objects.get(pk=sub.pk).data, "consultant_id": other.pk})
    first = deadline(sub)

    remind_subscriptions_expiring_now(first - timedelta(hours=2))
    sub = fire(u["sales_consultant"], Record.objects.get(pk=sub.pk), "request_buyer_change",
               {"change_buyers": [{"customer_id": li.pk}], "change_reason": "spelling"}, to="buyer_change_review")
    reject(sub, u["sales_manager"], fires="reject_buyer_change", to="awaiting_contract")
    second = deadline(sub)
    remind_subscriptions_expiring_now(second - timedelta(hours=2))

    assert second > first
    assert expiring() == [("wang", sub.reference, first.isoformat()), ("wang", sub.reference, second.isoformat())]


def test_the_lead_time_is_the_reservations_setting_and_the_job_runs_on_its_own_clock(s1, settings, monkeypatch):
    p, u, units = s1
    sub = awaiting_contract(p, u, units[0], registered(p, u["sales_consultant"], "李娜", "+8613900001111"))
    settings.NOTIFICATION_EXPIRY_LEAD_HOURS = 48
    monkeypatch.setattr("notifications.reminders.timezone.now", lambda: deadline(sub) - timedelta(hours=47))

    remind_subscriptions_expiring.call_local()
    remind_subscriptions_expiring.call_local()

    assert len(expiring()) == 1


# --- customers' handover anniversaries ---------------------------------------------------------------

def delivered(p, u, unit, customer, on: str):
    """The customer's deal filed, its handover notified, refused and deemed delivered on `on`."""
    ho = filed_contract(p, u, unit, customer)
    ho = fire(u["handover_staff"], ho, "issue_notice", {"notice_date": "2024-11-01"}, to="notified")
    ho = fire(u["customer_service"], ho, "refuse", {"refusal_reason": "wants compensation"}, to="dispute")
    return fire(u["project_director"], ho, "deem_delivered", {"dispute_resolution": "no valid reason",
                                                              "handed_over_on": on}, to="delivered")


def anniversaries():
    return sorted((n.recipient.username, n.params["customer"], n.params["unit"], n.params["years"], n.params["day"])
                  for n in Notification.objects.filter(kind=Kind.CUSTOMER_KEY_DATE).select_related("recipient"))


def test_a_handover_anniversary_tells_the_customers_consultant_once_that_day_and_again_next_year(s1):
    p, u, units = s1
    zhou = registered(p, u["sales_consultant"], "周婷", "+8613700003333")
    delivered(p, u, units[0], zhou, "2024-12-04")
    code = units[0].code
    mail.outbox.clear()

    remind_key_dates_now(at(date(2025, 12, 3)))  # the day before
    remind_key_dates_now(at(date(2025, 12, 4), hour=7))  # before the morning
    assert anniversaries() == []
    remind_key_dates_now(at(date(2025, 12, 4)))
    assert remind_key_dates_now(at(date(2025, 12, 4), hour=18)) == []  # later that day, or a second consumer

    assert anniversaries() == [("sales_consultant", "周婷", code, 1, "2025-12-04")]
    notice = Notification.objects.get(kind=Kind.CUSTOMER_KEY_DATE)
    assert notice.event_key == f"handover:{zhou.pk}:{units[0].pk}:2025"
    assert (notice.link, notice.record_id, notice.project_id) == (reverse("web:customer", args=[zhou.pk]), None, p.pk)
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params) == f"今天是您的客户 周婷 的 {code} 交房 1 周年"
    with translation.override("en"):
        assert title(notice.kind, notice.params) == f"Today is 1 year since {code} was handed over to your customer 周婷"
    assert [m.to for m in mail.outbox] == [["sales_consultant@example.com"]]

    remind_key_dates_now(at(date(2027, 12, 4)))
    assert anniversaries()[-1] == ("sales_consultant", "周婷", code, 3, "2027-12-04")
    later = Notification.objects.get(kind=Kind.CUSTOMER_KEY_DATE, event_key=f"handover:{zhou.pk}:{units[0].pk}:2027")
    with translation.override("en"):
        assert title(later.kind, later.params) == f"Today is 3 years since {code} was handed over to your customer 周婷"


def test_without_a_handover_date_the_day_it_was_delivered_counts_and_the_day_itself_is_no_anniversary(s1):
    p, u, units = s1
    chen = registered(p, u["sales_consultant"], "陈晨", "+8613700009999")
    ho = delivered(p, u, units[0], chen, "2024-12-04")
    data = dict(Record.objects.get(pk=ho.pk).data)
    del data["handed_over_on"]
    Record.objects.filter(pk=ho.pk).update(data=data)  # an older record, delivered before the date was asked
    today = ho.history.get(to_state="delivered").at.astimezone(SHANGHAI).date()

    remind_key_dates_now(at(today, hour=23))  # the day of the handover itself: nothing yet
    remind_key_dates_now(at(date(2025, 12, 4)))  # the typed date, gone: nothing
    assert anniversaries() == []
    next_year = date(today.year + 1, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    remind_key_dates_now(at(next_year))

    assert anniversaries() == [("sales_consultant", "陈晨", units[0].code, 1, next_year.isoformat())]


def test_a_cancelled_handover_an_inactive_or_missing_consultant_tells_nobody(s1):
    p, u, units = s1
    away = make_user("away", p, "sales_consultant")
    gone = registered(p, away, "褚亮", "+8613700001010")
    delivered(p, u, units[0], gone, "2024-12-04")
    away.is_active = False
    away.save(update_fields=["is_active"])
    nobody = Customer.objects.create(name="钱多", phone="+8613700007777")  # registered to no consultant
    delivered(p, u, units[1], nobody, "2024-12-04")
    wu = registered(p, u["sales_consultant"], "吴军", "+8613700005555")
    ho = filed_contract(p, u, units[2], wu)
    fire(u["project_director"], ho, "cancel", {"cancel_reason": "duplicate"}, to="cancelled")

    remind_key_dates_now(at(date(2025, 12, 4)))

    assert anniversaries() == []


def test_the_sweep_asks_a_fixed_number_of_queries_whatever_the_number_of_customers(s1):
    p, u, units = s1
    first = registered(p, u["sales_consultant"], "周婷", "+8613700003333")
    delivered(p, u, units[0], first, "2024-12-04")
    with CaptureQueriesContext(connection) as one:
        found_one = len(key_dates(at(date(2025, 12, 4))))
    second = registered(p, u["sales_consultant"], "孙浩", "+8613700004444")
    delivered(p, u, units[1], second, "2023-12-04")
    Project.objects.create(code="S2", name="Second")  # another project whose morning has come: no more queries
    with CaptureQueriesContext(connection) as two:
        found = key_dates(at(date(2025, 12, 4)))

    assert (found_one, len(found)) == (1, 2)
    assert sorted((f["params"]["customer"], f["params"]["years"]) for f in found) == [("周婷", 1), ("孙浩", 2)]
    assert len(two.captured_queries) == len(one.captured_queries) == 5


def test_the_key_date_job_runs_on_its_own_clock(s1, monkeypatch):
    p, u, units = s1
    delivered(p, u, units[0], registered(p, u["sales_consultant"], "周婷", "+8613700003333"), "2024-12-04")
    monkeypatch.setattr("notifications.reminders.timezone.now", lambda: at(date(2025, 12, 4), hour=9))

    remind_key_dates.call_local()
    remind_key_dates.call_local()

    assert len(anniversaries()) == 1


def test_the_settings_page_offers_both_kinds_in_both_languages_with_email_on(client, s1):
    client.force_login(s1[1]["sales_consultant"])
    url = reverse("web:notification-settings")

    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "我的认购即将到签约期限" in zh and "我的客户交房周年" in zh
    assert "My subscription due to become a contract" in en and "My customer&#x27;s handover anniversary" in en
    for kind in ("subscription_expiring", "customer_key_date"):
        assert f'name="email__{kind}" id="id_email__{kind}" checked>' in en


# --- two consumers at once (PostgreSQL) ----------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_tell_and_email_each_deadline_and_anniversary_once(s1):
    needs_postgresql()
    p, u, units = s1
    li = registered(p, u["sales_consultant"], "李娜", "+8613900001111")
    sub = awaiting_contract(p, u, units[0], li)
    delivered(p, u, units[1], li, "2024-12-04")
    soon, morning = deadline(sub) - timedelta(hours=3), at(date(2025, 12, 4))
    mail.outbox.clear()
    connection.close()

    results = race(2, lambda worker: (remind_subscriptions_expiring_now(soon), remind_key_dates_now(morning)))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert expiring() == [("sales_consultant", sub.reference, deadline(sub).isoformat())]
    assert anniversaries() == [("sales_consultant", "李娜", units[1].code, 1, "2025-12-04")]
    assert sorted(m.to[0] for m in mail.outbox) == ["sales_consultant@example.com"] * 2

"""The day's reminders: a payment due or overdue (its consultant and the project's finance), a customer's
birthday (their consultant); once per line and day, once per customer and year; two consumers at once.

The deal: a subscription record of S1 (tests/flows/conftest.py) naming the customer 李娜, registered to
the sales consultant, scheduled at 1 000 000.00 by installments: the deposit of 100 000.00 and the down
payment of 300 000.00 due and paid on 1 May 2026, then 300 000.00 due on 1 June and on 1 July 2026.
The lead time is 3 days (the default), the morning hour 08:00 in the project's zone (Asia/Shanghai).
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from engine.runtime import records
from kernel import customers, payments, receivables, units
from kernel.id_numbers import check_character
from kernel.models import Customer, CustomerRegistration, Project
from notifications import preferences
from notifications.models import Delivery, Kind, Notification
from notifications.tasks import remind_birthdays, remind_birthdays_now, remind_payments, remind_payments_now
from notifications.words import title
from tests.flows.conftest import world  # noqa: F401  (the fixture)
from tests.kernel.conftest import make_ctx, make_user
from tests.kernel.parallel import needs_postgresql, race

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUNE_1, JULY_1 = date(2026, 6, 1), date(2026, 7, 1)


def at(day: date, hour: int = 8, minute: int = 12) -> datetime:
    """A moment of the project's day (its zone)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def sale(world, settings):  # noqa: F811  (the fixture imported above)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    p, u, unit_list = world
    for role in ("sales_consultant", "finance", "sales_manager"):
        u[role].email = f"{role}@example.com"
        u[role].save(update_fields=["email"])
    u["cashier"] = make_user("cashier", p, "finance")  # a second finance member: told too
    u["cashier"].email = "cashier@example.com"
    u["cashier"].save(update_fields=["email"])
    gone = make_user("gone", p, "finance")  # left the company: told nothing
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    li = customers.register(project_id=p.pk, consultant_id=u["sales_consultant"].pk, name="李娜",
                            phone="13900001111").customer
    unit = unit_list[0]
    sub = records.start_record(u["sales_consultant"], p, "subscription", {"customer_id": li.pk, "unit_id": unit.pk})
    ctx = make_ctx(p, record_id=sub.pk, reference=sub.reference, flow="subscription")
    receivables.schedule(ctx, payment_plan="installments", deal_price="1000000.00", deposit="100000.00",
                         down_payment="300000.00", signed_on="2026-05-01", installments=2, every_months=1)
    payments.record(ctx, "deposit", "100000.00")
    payments.record(ctx, "down_payment", "300000.00")
    return {"p": p, "u": u, "unit": unit, "li": li, "sub": sub, "ctx": ctx}


def told(kind=None):
    found = Notification.objects.all() if kind is None else Notification.objects.filter(kind=kind)
    return sorted((n.kind, n.recipient.username, n.params["due_on"], n.params["day"], n.params["amount"])
                  for n in found.select_related("recipient"))


EVERYONE = ("cashier", "finance", "sales_consultant")  # the consultant of 李娜 and the active finance members


# --- payments due or overdue -------------------------------------------------------------------------

def test_a_line_within_the_lead_time_tells_its_consultant_and_finance_with_amount_customer_and_unit(sale):
    s = sale
    mail.outbox.clear()
    remind_payments_now(at(date(2026, 5, 28)))  # 1 June is 4 days ahead: not yet
    assert told() == []

    remind_payments_now(at(date(2026, 5, 29)))

    assert told() == [(Kind.PAYMENT_DUE, who, "2026-06-01", "2026-05-29", "300000.00") for who in EVERYONE]
    notice = Notification.objects.get(recipient=s["u"]["sales_consultant"])
    # the link lands on the record page's receivables section, where the line is
    assert notice.link == reverse("web:record", args=[s["sub"].pk]) + "#receivables"
    assert notice.record_id == s["sub"].pk
    assert notice.project_id == s["p"].pk
    code, ref = s["unit"].code, s["sub"].reference
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params) == f"{ref}（李娜，{code}）：分期款 ¥300,000.00 将于 2026年6月1日 到期"
    with translation.override("en"):
        assert title(notice.kind, notice.params) == (
            f"{ref} (李娜, {code}): installment of ¥300,000.00 due on 1 Jun 2026")
    # the bell and an email each by default (the inactive finance member is told nothing)
    assert sorted(m.to[0] for m in mail.outbox) == ["cashier@example.com", "finance@example.com",
                                                    "sales_consultant@example.com"]
    assert not Notification.objects.filter(recipient__username="gone").exists()


def test_the_sweep_run_twice_on_one_day_tells_each_person_once(sale):
    remind_payments_now(at(date(2026, 5, 30)))
    mail.outbox.clear()

    assert remind_payments_now(at(date(2026, 5, 30), hour=15)) == []  # later that day, or a second consumer
    remind_payments_now(at(date(2026, 5, 30), hour=15))

    assert told() == [(Kind.PAYMENT_DUE, who, "2026-06-01", "2026-05-30", "300000.00") for who in EVERYONE]
    assert mail.outbox == []


def test_opening_a_payment_notice_lands_on_the_records_receivables_section(client, sale):
    # given finance told of the installment due
    remind_payments_now(at(date(2026, 5, 29)))
    notice = Notification.objects.get(recipient=sale["u"]["finance"])
    client.force_login(sale["u"]["finance"])

    # when they open the work from the bell
    opened = client.post(reverse("web:notification-read", args=[notice.pk]), {"open": "1"})

    # then the browser goes to the record page's receivables section, which is on that page
    path, anchor = opened.url.split("#")
    assert (path, anchor) == (reverse("web:record", args=[sale["sub"].pk]), "receivables")
    assert '<section class="card receivables" id="receivables"' in client.get(path).content.decode()


def test_the_day_of_the_payment_says_due_today(sale):
    remind_payments_now(at(JUNE_1))

    notice = Notification.objects.get(recipient=sale["u"]["finance"])
    assert notice.kind == Kind.PAYMENT_DUE
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params).endswith("：分期款 ¥300,000.00 今天到期")
    with translation.override("en"):
        assert title(notice.kind, notice.params).endswith(": installment of ¥300,000.00 due today")


def test_an_overdue_line_is_told_again_each_day_and_says_since_when(sale):
    s = sale
    remind_payments_now(at(date(2026, 6, 2)))
    remind_payments_now(at(date(2026, 6, 2), hour=20))
    remind_payments_now(at(date(2026, 6, 3)))

    assert told() == sorted([(Kind.PAYMENT_OVERDUE, who, "2026-06-01", day, "300000.00")
                             for who in EVERYONE for day in ("2026-06-02", "2026-06-03")])
    keys = set(Notification.objects.values_list("event_key", flat=True))
    schedule = receivables.schedule_of(s["p"].pk, [s["sub"].pk])
    assert keys == {f"payment:{schedule.pk}:installment:2026-06-01:2026-06-02",
                    f"payment:{schedule.pk}:installment:2026-06-01:2026-06-03"}
    notice = Notification.objects.filter(recipient=s["u"]["sales_consultant"]).order_by("pk").first()
    code, ref = s["unit"].code, s["sub"].reference
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params) == (
            f"{ref}（李娜，{code}）：分期款 ¥300,000.00 已逾期，应于 2026年6月1日 付清")
    with translation.override("en"):
        assert title(notice.kind, notice.params) == (
            f"{ref} (李娜, {code}): installment of ¥300,000.00 overdue since 1 Jun 2026")


def test_a_settled_line_tells_nobody_and_a_part_paid_one_tells_what_is_left(sale):
    s = sale
    payments.record(s["ctx"], "installment", "300000.00")  # June's, in full
    remind_payments_now(at(date(2026, 6, 2)))
    assert told() == []

    payments.record(s["ctx"], "installment", "120000.00")  # part of July's
    remind_payments_now(at(date(2026, 6, 29)))
    assert told() == [(Kind.PAYMENT_DUE, who, "2026-07-01", "2026-06-29", "180000.00") for who in EVERYONE]


def test_a_deal_that_gave_its_unit_back_tells_nobody(sale):
    s = sale
    units.hold(s["ctx"], s["unit"].pk, "subscribed")
    remind_payments_now(at(date(2026, 6, 2)))
    assert len(told()) == 3

    units.release(s["ctx"], s["unit"].pk, note="退房")
    remind_payments_now(at(date(2026, 6, 3)))

    assert [day for _k, _who, _due, day, _a in told()] == ["2026-06-02"] * 3  # nothing on the 3rd


def test_nothing_is_told_before_the_projects_morning_hour_and_the_lead_time_is_a_setting(sale, settings):
    remind_payments_now(at(date(2026, 5, 29), hour=7, minute=59))
    assert told() == []

    settings.NOTIFICATION_PAYMENT_LEAD_DAYS = 0  # on the day only
    remind_payments_now(at(date(2026, 5, 31)))
    assert told() == []
    remind_payments_now(at(JUNE_1, hour=9))
    assert {day for _k, _who, _due, day, _a in told()} == {"2026-06-01"}


def test_an_email_turned_off_for_overdue_payments_leaves_the_bell(sale):
    s = sale
    consultant = s["u"]["sales_consultant"]
    chosen = {kind: frozenset(c) for kind, c in preferences.channels_of(consultant.pk).items()}
    preferences.save(consultant, preferences.Choices({**chosen, Kind.PAYMENT_OVERDUE: frozenset()}, None, None, ""))
    mail.outbox.clear()

    remind_payments_now(at(date(2026, 6, 2)))

    assert Notification.objects.filter(recipient=consultant, kind=Kind.PAYMENT_OVERDUE).count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["cashier@example.com", "finance@example.com"]
    assert not Delivery.objects.filter(notification__recipient=consultant).exists()


def test_the_hourly_jobs_run_on_their_own_clock(sale, monkeypatch):
    monkeypatch.setattr("notifications.reminders.timezone.now", lambda: at(date(2026, 6, 2), hour=10))

    remind_payments.call_local()
    remind_payments.call_local()

    assert len(told(Kind.PAYMENT_OVERDUE)) == 3


# --- customers' birthdays ----------------------------------------------------------------------------

def resident_id(born: date, area: str = "110105", serial: str = "123") -> str:
    first = f"{area}{born:%Y%m%d}{serial}"
    return first + check_character(first)


def customer(p, consultant, name, phone, **extra):
    found = Customer.objects.create(name=name, phone=phone, extra=extra)
    CustomerRegistration.objects.create(project=p, customer=found, consultant=consultant, registered_at=at(JUNE_1),
                                        protected_until=at(JUNE_1) + timedelta(days=30))
    return found


def birthdays():
    return sorted((n.recipient.username, n.params["customer"], n.params["day"])
                  for n in Notification.objects.filter(kind=Kind.CUSTOMER_BIRTHDAY).select_related("recipient"))


def test_a_customers_birthday_tells_their_consultant_once_that_day_and_again_next_year(sale):
    s = sale
    p, consultant = s["p"], s["u"]["sales_consultant"]
    zhou = customer(p, consultant, "周婷", "+8613700003333", birthday="1990-12-04")
    customer(p, consultant, "孙浩", "+8613700004444", birthday="1988-12-05")  # tomorrow
    mail.outbox.clear()

    remind_birthdays_now(at(date(2026, 12, 4), hour=7))  # before the morning: not yet
    assert birthdays() == []
    remind_birthdays_now(at(date(2026, 12, 4)))
    remind_birthdays_now(at(date(2026, 12, 4), hour=18))  # later that day, or a second consumer

    assert birthdays() == [("sales_consultant", "周婷", "2026-12-04")]
    notice = Notification.objects.get(kind=Kind.CUSTOMER_BIRTHDAY)
    assert notice.event_key == f"birthday:{zhou.pk}:2026"
    assert notice.link == reverse("web:customer", args=[zhou.pk]) and notice.record_id is None
    with translation.override("zh-hans"):
        assert title(notice.kind, notice.params) == "今天是您的客户 周婷 的生日"
    with translation.override("en"):
        assert title(notice.kind, notice.params) == "Today is the birthday of your customer 周婷"
    assert [m.to for m in mail.outbox] == [["sales_consultant@example.com"]]

    remind_birthdays_now(at(date(2027, 12, 4)))
    assert birthdays() == [("sales_consultant", "周婷", "2026-12-04"), ("sales_consultant", "周婷", "2027-12-04")]


def test_without_a_birthday_the_resident_id_number_tells_the_date_and_a_given_birthday_wins(sale):
    s = sale
    p, consultant = s["p"], s["u"]["sales_consultant"]
    customer(p, consultant, "吴军", "+8613700005555", id_type="resident_id", id_number=resident_id(date(1985, 7, 4)))
    customer(p, consultant, "郑洁", "+8613700006666", id_type="resident_id",
             id_number=resident_id(date(1992, 7, 4), serial="456"), birthday="1992-03-01")  # celebrates in March
    customer(p, consultant, "钱多", "+8613700007777", id_type="passport", id_number="E1985070412345")

    remind_birthdays_now(at(date(2026, 7, 4)))

    assert birthdays() == [("sales_consultant", "吴军", "2026-07-04")]


def test_a_29_february_birthday_is_told_on_28_february_in_a_year_without_one(sale):
    s = sale
    customer(s["p"], s["u"]["sales_consultant"], "冯乐", "+8613700008888", birthday="1996-02-29")

    remind_birthdays_now(at(date(2027, 2, 28)))
    remind_birthdays_now(at(date(2028, 2, 28)))  # a leap year: its own day comes
    remind_birthdays_now(at(date(2028, 2, 29)))

    assert birthdays() == [("sales_consultant", "冯乐", "2027-02-28"), ("sales_consultant", "冯乐", "2028-02-29")]


def test_each_consultant_of_the_customer_is_told_once_and_an_inactive_one_never(sale):
    s = sale
    p, u = s["p"], s["u"]
    other = customer(p, u["sales_consultant"], "陈晨", "+8613700009999", birthday="1979-12-04")
    CustomerRegistration.objects.create(project=Project.objects.create(code="S2", name="Second"),
                                        customer=other, consultant=u["sales_consultant"], registered_at=at(JUNE_1),
                                        protected_until=at(JUNE_1) + timedelta(days=30))
    away = make_user("away", p, "sales_consultant")
    customer(p, away, "褚亮", "+8613700001010", birthday="1979-12-04")
    away.is_active = False
    away.save(update_fields=["is_active"])

    remind_birthdays_now(at(date(2026, 12, 4)))

    assert birthdays() == [("sales_consultant", "陈晨", "2026-12-04")]  # two projects, one consultant: once


def test_the_birthday_job_runs_on_its_own_clock(sale, monkeypatch):
    customer(sale["p"], sale["u"]["sales_consultant"], "周婷", "+8613700003333", birthday="1990-12-04")
    monkeypatch.setattr("notifications.reminders.timezone.now", lambda: at(date(2026, 12, 4), hour=9))

    remind_birthdays.call_local()

    assert len(birthdays()) == 1


def test_the_settings_page_offers_the_new_kinds_in_both_languages_with_email_on(client, sale):
    client.force_login(sale["u"]["sales_consultant"])
    url = reverse("web:notification-settings")

    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for words in ("款项即将到期", "款项已逾期", "我的客户生日"):
        assert words in zh
    for words in ("A payment falling due", "A payment overdue", "My customer&#x27;s birthday"):
        assert words in en  # each row's heading, and its boxes' spoken labels ("A payment overdue: Email")
    assert "a payment overdue" not in en
    assert "款项已逾期：电子邮箱" in zh  # the spoken label's colon is the language's own
    for kind in ("payment_due", "payment_overdue", "customer_birthday"):
        assert f'name="email__{kind}" id="id_email__{kind}" checked>' in en


# --- two consumers at once (PostgreSQL) ----------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_tell_and_email_each_payment_and_birthday_once(sale):
    needs_postgresql()
    s = sale
    customer(s["p"], s["u"]["sales_consultant"], "周婷", "+8613700003333", birthday="1990-06-02")
    now = at(date(2026, 6, 2))
    mail.outbox.clear()
    connection.close()

    results = race(2, lambda worker: (remind_payments_now(now), remind_birthdays_now(now)))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert told(Kind.PAYMENT_OVERDUE) == [(Kind.PAYMENT_OVERDUE, who, "2026-06-01", "2026-06-02", "300000.00")
                                          for who in EVERYONE]
    assert birthdays() == [("sales_consultant", "周婷", "2026-06-02")]
    assert sorted(m.to[0] for m in mail.outbox) == ["cashier@example.com", "finance@example.com",
                                                    "sales_consultant@example.com", "sales_consultant@example.com"]
    assert Delivery.objects.filter(channel="email", status=Delivery.Status.SENT, attempts=1).count() == 4
    assert Membership.objects.filter(project=s["p"], role="finance").count() == 3  # finance, cashier, gone

"""Dunning 催款: a reminder per receivable line and project day, once however often the job runs.

One deal throughout, at 1 000 000.00 (installments): the deposit of 100 000.00 due on
2026-05-01 and the down payment of 300 000.00 on signing that day, both paid; then two
installments of 300 000.00 due 2026-06-01 and 2026-07-01. The project reminds 7 days
ahead (the default). The deal's customer is 张伟, Wang's registration.
"""
from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from kernel import dunning, payments, receivables, units
from kernel.dunning import NoticeNotYours, issue_notices
from kernel.models import DunningNotice, Receivable

from .conftest import make_ctx, make_user
from .parallel import needs_postgresql, race

SUB = 7001
JUNE_1, JULY_1 = date(2026, 6, 1), date(2026, 7, 1)


def ctx(project, record_id=SUB, user_id=None):
    return make_ctx(project, record_id=record_id, flow="subscription", user_id=user_id, reference=f"SUB-{record_id}")


def deal(project, record_id=SUB):
    c = ctx(project, record_id)
    receivables.schedule(c, payment_plan="installments", deal_price="1000000.00", deposit="100000.00",
                         down_payment="300000.00", signed_on="2026-05-01", installments=2, every_months=1)
    payments.record(c, "deposit", "100000.00")
    payments.record(c, "down_payment", "300000.00")
    return c


@pytest.fixture
def sold(project, zhang):
    """The deal, whose record names 张伟."""
    deal(project)
    return lambda deal_ids: {SUB: zhang.pk} if SUB in deal_ids else {}


def notices():
    return sorted((n.kind, n.due_on, n.day, n.overdue, n.amount) for n in DunningNotice.objects.all())


def test_nothing_is_reminded_before_the_days_ahead(project, sold):
    assert issue_notices(date(2026, 5, 24), customers=sold) == 0  # 8 days before 1 June
    assert notices() == []


def test_a_line_due_soon_is_reminded_with_the_amount_customer_and_consultant(project, sold, zhang, wang):
    assert issue_notices(date(2026, 5, 25), customers=sold) == 1

    notice = DunningNotice.objects.get()
    assert (notice.kind, notice.due_on, notice.day, notice.overdue, notice.amount) == (
        "installment", JUNE_1, date(2026, 5, 25), False, D("300000.00"))
    assert (notice.reference, notice.deal_id, notice.customer_id, notice.consultant_id) == (
        "SUB-7001", SUB, zhang.pk, wang.pk)
    assert (notice.finance_dismissed_at, notice.consultant_dismissed_at) == (None, None)


def test_the_job_run_twice_on_the_same_day_writes_once(project, sold):
    assert issue_notices(date(2026, 5, 26), customers=sold) == 1
    assert issue_notices(date(2026, 5, 26), customers=sold) == 0

    assert notices() == [("installment", JUNE_1, date(2026, 5, 26), False, D("300000.00"))]


def test_a_new_day_writes_again_and_an_overdue_line_says_so(project, sold):
    issue_notices(date(2026, 5, 31), customers=sold)
    issue_notices(date(2026, 6, 1), customers=sold)
    issue_notices(date(2026, 6, 2), customers=sold)

    assert notices() == [
        ("installment", JUNE_1, date(2026, 5, 31), False, D("300000.00")),
        ("installment", JUNE_1, date(2026, 6, 1), False, D("300000.00")),  # due today: not overdue yet
        ("installment", JUNE_1, date(2026, 6, 2), True, D("300000.00")),
    ]


def test_a_paid_line_gets_no_notice_and_a_part_paid_one_its_balance(project, sold):
    c = ctx(project)
    payments.record(c, "installment", "300000.00")  # the first installment, in full
    assert issue_notices(date(2026, 6, 3), customers=sold) == 0

    payments.record(c, "installment", "120000.00")  # part of the second
    issue_notices(date(2026, 6, 28), customers=sold)
    assert notices() == [("installment", JULY_1, date(2026, 6, 28), False, D("180000.00"))]


def test_due_soon_and_overdue_lines_of_one_deal_on_one_day(project, sold):
    issue_notices(date(2026, 6, 25), customers=sold)

    assert notices() == [("installment", JUNE_1, date(2026, 6, 25), True, D("300000.00")),
                         ("installment", JULY_1, date(2026, 6, 25), False, D("300000.00"))]


def test_rescheduling_the_deal_on_the_day_does_not_remind_twice(project, sold):
    issue_notices(date(2026, 5, 28), customers=sold)
    # the lines are deleted and written again (a price change): the same debts, the same reminder
    receivables.schedule(ctx(project), payment_plan="installments", deal_price="1000000.00", installments=2,
                         every_months=1)
    assert Receivable.objects.filter(kind="installment").count() == 2

    assert issue_notices(date(2026, 5, 28), customers=sold) == 0
    assert len(notices()) == 1


def test_the_project_setting_says_how_many_days_ahead(project, sold):
    project.settings = {**project.settings, "dunning_days_ahead": 0}
    project.save(update_fields=["settings"])

    assert issue_notices(date(2026, 5, 31), customers=sold) == 0
    assert issue_notices(date(2026, 6, 1), customers=sold) == 1


def test_each_project_is_reminded_on_its_own_day(project, sold):
    # 24 May 17:00 UTC is already 25 May 01:00 in Shanghai (the project's zone): 7 days before 1 June
    assert issue_notices(customers=sold, now=datetime(2026, 5, 24, 17, 0, tzinfo=ZoneInfo("UTC"))) == 1
    assert [n[2] for n in notices()] == [date(2026, 5, 25)]


def test_a_deal_that_released_its_unit_is_not_reminded(project, unit, zhang):
    c = deal(project)
    units.hold(c, unit.pk, "subscribed")
    assert issue_notices(date(2026, 6, 2), customers=lambda ids: {SUB: zhang.pk}) == 1

    units.release(c, unit.pk, note="退房")
    assert issue_notices(date(2026, 6, 3), customers=lambda ids: {SUB: zhang.pk}) == 0
    assert dunning.project_balances(project, date(2026, 6, 3)) == []


def test_a_deal_whose_customer_is_not_known_is_reminded_to_finance_alone(project):
    deal(project)
    issue_notices(date(2026, 6, 2), customers=lambda ids: {SUB: 999_999})  # nobody by that id

    notice = DunningNotice.objects.get()
    assert (notice.customer_id, notice.consultant_id, notice.amount) == (None, None, D("300000.00"))


def test_the_job_reads_a_fixed_number_of_queries_per_batch(project, zhang, django_assert_max_num_queries):
    for i in range(30):
        deal(project, SUB + i)
    everyone = {SUB + i: zhang.pk for i in range(30)}

    with django_assert_max_num_queries(9):
        assert issue_notices(date(2026, 6, 2), customers=lambda ids: everyone) == 30
    with django_assert_max_num_queries(6):
        assert issue_notices(date(2026, 6, 2), customers=lambda ids: everyone) == 0


def test_finance_and_the_consultant_each_dismiss_their_own_copy(project, sold, wang):
    finance = make_user("cashier", project, "finance")
    other = make_user("li", project, "sales_consultant")
    issue_notices(date(2026, 6, 2), customers=sold)
    notice = DunningNotice.objects.get()

    assert dunning.dismiss(notice, user_id=finance.pk) == "finance"
    notice.refresh_from_db()
    assert (notice.finance_dismissed_by_id, notice.consultant_dismissed_at) == (finance.pk, None)
    assert dunning.dismiss(notice, user_id=wang.pk) == "consultant"
    notice.refresh_from_db()
    assert notice.consultant_dismissed_at is not None

    with pytest.raises(NoticeNotYours) as refused:
        dunning.dismiss(notice, user_id=other.pk)
    assert refused.value.message_zh == "SUB-7001 的催款提醒发给本项目财务和客户的置业顾问，只有他们可以关闭"


@pytest.mark.django_db(transaction=True)
def test_four_connections_running_the_job_at_once_write_each_reminder_once(project, zhang):
    needs_postgresql()
    for i in range(40):
        deal(project, SUB + i)
    everyone = {SUB + i: zhang.pk for i in range(40)}

    results = race(4, lambda worker: issue_notices(date(2026, 6, 25), customers=lambda ids: everyone))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert DunningNotice.objects.count() == 80  # two installments of each of the 40 deals
    assert DunningNotice.objects.values("schedule", "kind", "due_on", "day").distinct().count() == 80


def test_the_hourly_job_writes_the_days_reminders_once(project, sold, monkeypatch):
    from kernel.tasks import issue_payment_reminders_every_hour

    monkeypatch.setattr("kernel.dunning.timezone.now", lambda: datetime(2026, 6, 2, 1, 0, tzinfo=ZoneInfo("UTC")))
    # the deal's record is not in this test's database: the reminder names no customer, finance still gets it
    assert issue_payment_reminders_every_hour.call_local() == 1
    assert issue_payment_reminders_every_hour.call_local() == 0
    assert notices() == [("installment", JUNE_1, date(2026, 6, 2), True, D("300000.00"))]
    assert DunningNotice.objects.get().customer_id is None

"""Receivables 应收/实收/欠款: schedules by payment plan, hand-computed, with the deposits carried forward.

One deal throughout, at the issue's contract price of 2 530 307.00: a queue number (record 1) took a
sincerity deposit of 20 000.00, its reservation (2) a reservation deposit of 10 000.00, the
subscription (3) agrees a deposit 定金 of 50 000.00 in all, so it takes 20 000.00 more; the contract
(4) signs on 2026-05-08 with a down payment of 800 000.00; the mortgage (5) records the loans.
"""
from datetime import date
from decimal import Decimal as D

import pytest

from kernel import payments, receivables
from kernel.errors import InvalidAmount
from kernel.models import Payment, PaymentKind, ReceivableSchedule
from kernel.receivables import DepositBelowReceived, OverpaymentNeedsFinance, ReceiptExceedsDue

from .conftest import make_ctx, make_user

PRICE = "2530307.00"
QN, RSV, SUB, CON, MTG = 1, 2, 3, 4, 5


def ctx(project, record_id, user_id=None):
    flows = {QN: "queue_number", RSV: "reservation", SUB: "subscription", CON: "contract", MTG: "mortgage"}
    return make_ctx(project, record_id=record_id, flow=flows[record_id], user_id=user_id,
                    lineage=tuple(range(record_id - 1, 0, -1)))


def subscribed(project, plan):
    """The deposits carried, the subscription scheduled and its deposit taken (what remains of it)."""
    payments.record(ctx(project, QN), "sincerity_deposit", "20000.00")
    payments.record(ctx(project, RSV), "reservation_deposit", "10000.00")
    receivables.schedule(ctx(project, SUB), payment_plan=plan, deal_price=PRICE, deposit="50000.00")
    payments.record(ctx(project, SUB), "deposit", "20000.00")


def signed(project, plan, down="800000.00", **more):
    subscribed(project, plan)
    receivables.schedule(ctx(project, CON), payment_plan=plan, deal_price=PRICE, down_payment=down,
                         signed_on="2026-05-08", **more)
    payments.record(ctx(project, CON), "down_payment", down)


def lines(project, today=date(2026, 5, 8)):
    s = receivables.statement(ReceivableSchedule.objects.get(project=project), today)
    return [(line.kind, line.due_on, line.amount, line.received, line.balance) for line in s.lines], s


def test_at_subscription_the_deposit_counts_the_carried_deposits_and_the_rest_is_due_at_signing(project):
    subscribed(project, "commercial_mortgage")

    got, s = lines(project)
    assert got == [("deposit", date(2026, 5, 1), D("50000.00"), D("50000.00"), D("0.00")),
                   ("down_payment", None, D("2480307.00"), D("0.00"), D("2480307.00"))]
    assert (s.due, s.received, s.balance, s.excess) == (D("2530307.00"), D("50000.00"), D("2480307.00"), 0)
    # the subscription's schedule knows the queue number's and the reservation's receipts as the deal's
    assert ReceivableSchedule.objects.get().record_ids == [QN, RSV, SUB]


def test_full_payment_the_rest_after_the_down_payment_is_one_installment_on_the_signing_day(project):
    signed(project, "full", down="2000000.00")

    got, s = lines(project)
    assert got == [("deposit", date(2026, 5, 1), D("50000.00"), D("50000.00"), D("0.00")),
                   ("down_payment", date(2026, 5, 8), D("2000000.00"), D("2000000.00"), D("0.00")),
                   ("installment", date(2026, 5, 8), D("480307.00"), D("0.00"), D("480307.00"))]
    assert s.overdue == 0  # due today, not yet overdue
    assert lines(project, date(2026, 5, 9))[1].overdue == D("480307.00")


def test_installments_split_in_equal_parts_the_last_takes_the_fen_every_three_months(project):
    signed(project, "installments", installments=3)
    payments.record(ctx(project, CON), "installment", "600000.00")  # the first and part of the second

    got, s = lines(project, date(2026, 12, 1))
    # 2 530 307.00 − 50 000.00 − 800 000.00 = 1 680 307.00 = 560 102.33 + 560 102.33 + 560 102.34
    assert got[2:] == [("installment", date(2026, 8, 8), D("560102.33"), D("560102.33"), D("0.00")),
                       ("installment", date(2026, 11, 8), D("560102.33"), D("39897.67"), D("520204.66")),
                       ("installment", date(2027, 2, 8), D("560102.34"), D("0.00"), D("560102.34"))]
    assert s.overdue == D("520204.66") and s.balance == D("1080307.00")


@pytest.mark.parametrize("plan, kind", [("commercial_mortgage", "bank_loan"),
                                        ("provident_fund", "provident_fund_loan")])
def test_a_loan_is_the_price_less_the_deposits_carried_and_the_down_payment(project, plan, kind):
    signed(project, plan)
    payments.record(ctx(project, MTG), kind, "1680000.00")

    got, s = lines(project)
    assert got[2:] == [(kind, None, D("1680307.00"), D("1680000.00"), D("307.00"))]
    # the deal, now: 20 000 + 10 000 + 20 000 + 800 000 + 1 680 000 = 2 530 000.00 of 2 530 307.00
    assert (s.received, s.balance, s.excess) == (D("2530000.00"), D("307.00"), 0)
    assert payments.net_collections(project.pk).net == D("2530000.00")


def test_a_combined_loan_is_split_once_the_bank_approves(project):
    signed(project, "combined")
    assert lines(project)[0][2:] == [("bank_loan", None, D("1680307.00"), D("0.00"), D("1680307.00"))]

    receivables.schedule(ctx(project, MTG), payment_plan="combined", deal_price=PRICE,
                         commercial_loan="1000000.00", replan=True)
    payments.record(ctx(project, MTG), "bank_loan", "1000000.00")
    payments.record(ctx(project, MTG), "provident_fund_loan", "680307.00")

    got, s = lines(project)
    assert got[1:] == [("down_payment", date(2026, 5, 8), D("800000.00"), D("800000.00"), D("0.00")),
                       ("bank_loan", None, D("1000000.00"), D("1000000.00"), D("0.00")),
                       ("provident_fund_loan", None, D("680307.00"), D("680307.00"), D("0.00"))]
    assert (s.due, s.received, s.balance) == (D("2530307.00"), D("2530307.00"), D("0.00"))


def test_a_receipt_beyond_what_is_due_is_refused_in_words_then_recorded_by_finance_as_an_overpayment(project):
    clerk = make_user("clerk", project, "mortgage_specialist")
    finance = make_user("fin", project, "finance")
    signed(project, "commercial_mortgage")

    with pytest.raises(ReceiptExceedsDue) as refused:
        payments.record(ctx(project, MTG, clerk.pk), "bank_loan", "1710000.00", overpayment=False)
    assert refused.value.message("en") == (
        "REC-000005: ¥1,710,000.00 typed as bank loan, but only ¥1,680,307.00 is still due for it; check the "
        "amount, or let finance record the difference as an overpayment to refund")
    assert refused.value.message("zh") == (
        "REC-000005：登记商贷放款 ¥1,710,000.00，但该项尚欠仅 ¥1,680,307.00；请核对金额，或由财务将多出部分登记为多收款（待退）")
    with pytest.raises(OverpaymentNeedsFinance):
        payments.record(ctx(project, MTG, clerk.pk), "bank_loan", "1710000.00", overpayment=True)
    assert not Payment.objects.filter(kind="bank_loan").exists()

    payments.record(ctx(project, MTG, finance.pk), "bank_loan", "1710000.00", overpayment=True)

    entries = list(Payment.objects.filter(kind="bank_loan").values_list("amount", "overpayment").order_by("id"))
    assert entries == [(D("1680307.00"), False), (D("29693.00"), True)]
    got, s = lines(project)
    assert (s.balance, s.excess, s.refunded) == (D("0.00"), D("29693.00"), 0)
    payments.record(ctx(project, MTG, finance.pk), "refund", "29693.00")
    assert lines(project)[1].refunded == D("29693.00")
    assert payments.net_collections(project.pk).net == D("2530307.00")


def test_the_deposit_asked_again_for_what_the_carried_deposits_paid_is_refused(project):
    subscribed(project, "full")
    with pytest.raises(ReceiptExceedsDue) as refused:  # the 20 000.00 left, not the whole 50 000.00
        payments.record(ctx(project, SUB), "deposit", "50000.00")
    assert "¥0.00" in refused.value.message("en")
    with pytest.raises(DepositBelowReceived):  # a deposit below what the deal already took
        receivables.schedule(ctx(project, SUB), payment_plan="full", deal_price=PRICE, deposit="40000.00")


def test_a_price_change_reschedules_and_keeps_the_area_difference_line(project):
    signed(project, "commercial_mortgage")
    receivables.due(ctx(project, CON), kind="area_difference", amount="40000.00")

    receivables.schedule(ctx(project, SUB), payment_plan="commercial_mortgage", deal_price="2500000.00")

    got, s = lines(project)
    assert [(k, a) for k, _due, a, *_ in got] == [("deposit", D("50000.00")), ("down_payment", D("800000.00")),
                                                  ("bank_loan", D("1650000.00")), ("area_difference", D("40000.00"))]
    payments.record(ctx(project, CON), "area_difference", "40000.00")
    assert lines(project)[0][3][3] == D("40000.00")


def test_without_a_schedule_nothing_is_checked_and_rent_and_fees_are_not_sales_collections(project):
    deal = make_ctx(project)
    for kind, amount in [("sincerity_deposit", "20000.00"), ("rent", "8000.00"), ("security_deposit", "16000.00"),
                         ("fee", "8600.00"), ("area_difference", "1000.00")]:
        payments.record(deal, kind, amount)
    c = payments.net_collections(project.pk)
    assert (c.cash, c.net, c[PaymentKind.FEE]) == (D("20000.00"), D("21000.00"), D("8600.00"))


def test_one_money_limit(project):
    payments.record(make_ctx(project), "deposit", "999,999,999,999.99")
    with pytest.raises(InvalidAmount):
        payments.record(make_ctx(project), "deposit", "1000000000000.00")

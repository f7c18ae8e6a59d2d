"""payment.record and net collections: Decimal money, refunds bounded, the seed-002 formula."""
from datetime import timedelta
from decimal import Decimal

import pytest

from kernel import payments
from kernel.errors import InvalidAmount, RefundExceedsReceipts
from kernel.models import Payment, PaymentKind
from kernel.models.payments import LedgerIsAppendOnly

from .conftest import NOW, make_ctx


def test_a_receipt_is_entered_with_its_deal_kind_and_exact_amount(project):
    # given
    ctx = make_ctx(project, record_id=9, reference="SUB-000009", flow="subscription")

    # when
    entry = payments.record(ctx, "deposit", "50000.00")

    # then
    entry.refresh_from_db()
    assert (entry.record_id, entry.reference, entry.kind, entry.amount, entry.received_at) == (
        9, "SUB-000009", PaymentKind.DEPOSIT, Decimal("50000.00"), NOW)


@pytest.mark.parametrize("amount", [0.1, "0", "-5", "12.345", "abc", None, True, Decimal("NaN")])
def test_an_amount_that_is_not_positive_money_is_refused(project, amount):
    with pytest.raises(InvalidAmount):
        payments.record(make_ctx(project), "deposit", amount)

    assert Payment.objects.count() == 0


def test_amounts_are_accepted_as_decimal_int_or_decimal_string(project):
    ctx = make_ctx(project)

    amounts = [payments.record(ctx, "installment", v).amount for v in (Decimal("1.5"), 2, "3,000.10")]

    assert amounts == [Decimal("1.50"), Decimal("2.00"), Decimal("3000.10")]


def test_net_collections_are_cash_installments_and_loans_less_refunds(project):
    # given
    deal = make_ctx(project)
    for kind, amount in [("deposit", "20000.00"), ("down_payment", "580000.00"), ("installment", "100000.00"),
                         ("bank_loan", "1200000.00"), ("provident_fund_loan", "600000.00")]:
        payments.record(deal, kind, amount)
    cancelled = make_ctx(project)
    payments.record(cancelled, "deposit", "50000.00")
    payments.record(cancelled, "refund", "50000.00")

    # when
    totals = payments.net_collections(project.pk)

    # then
    assert totals.cash == Decimal("650000.00")
    assert totals[PaymentKind.REFUND] == Decimal("50000.00")
    assert totals.net == Decimal("2500000.00")


def test_net_collections_are_exact_to_the_fen_over_many_entries(project):
    ctx = make_ctx(project)
    for _ in range(100):
        payments.record(ctx, "installment", "0.10")

    assert payments.net_collections(project.pk).net == Decimal("10.00")


def test_net_collections_can_cover_a_period_and_some_deals(project):
    early, late = make_ctx(project, now=NOW), make_ctx(project, now=NOW + timedelta(days=31))
    payments.record(early, "deposit", "100.00")
    payments.record(late, "deposit", "200.00")

    assert payments.net_collections(project.pk, since=NOW + timedelta(days=1)).net == Decimal("200.00")
    assert payments.net_collections(project.pk, until=NOW + timedelta(days=1)).net == Decimal("100.00")
    assert payments.net_collections(project.pk, record_ids=[early.record_id]).net == Decimal("100.00")
    assert payments.net_collections(project.pk, record_ids=[]).net == Decimal("0.00")


def test_a_refund_cannot_exceed_what_the_deal_received(project):
    ctx = make_ctx(project, reference="RSV-000001")
    payments.record(ctx, "deposit", "5000.00")

    with pytest.raises(RefundExceedsReceipts) as caught:
        payments.record(ctx, "refund", "5000.01")

    assert caught.value.message_en == "a refund of 5000.01 is more than RSV-000001 has received net (5000.00)"
    assert Payment.objects.count() == 1


def test_a_child_record_may_refund_what_its_parent_received(project):
    reservation = make_ctx(project, record_id=1)
    payments.record(reservation, "deposit", "5000.00")
    subscription = make_ctx(project, record_id=2, lineage=(1,))

    refund = payments.record(subscription, "refund", "5000.00")

    assert refund.record_id == 2
    assert payments.net_collections(project.pk).net == Decimal("0.00")


def test_the_ledger_is_append_only(project):
    entry = payments.record(make_ctx(project), "deposit", "1.00")

    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()


@pytest.mark.parametrize("amount, shown", [("12.345", "12.345"), (Decimal("12.345"), "12.345"), (0.1, "0.1"),
                                           (None, "nothing"), ("  ", "nothing")])
def test_a_refused_amount_is_named_and_shown_as_typed(project, amount, shown):
    with pytest.raises(InvalidAmount) as refused:
        payments.record(make_ctx(project), "deposit", amount)

    assert refused.value.message_en == ("amount must be a positive money amount with at most two decimals, "
                                        f"e.g. 5000.00; got {shown}")
    assert refused.value.message_zh == ("amount 应为最多两位小数的正数金额，例如 5000.00；"
                                        f"实际为 {'空值' if shown == 'nothing' else shown}")
    assert "Decimal(" not in refused.value.message_en


# -- a security deposit's refund 押金退还 (issue 15) ---------------------------------------------------


def test_a_deposit_refund_is_checked_against_the_deposits_received_not_against_sales_money(project):
    # given: a lease took a deposit of 15 600.00 and rent; a sale of the project took 50 000.00
    lease = make_ctx(project, record_id=20, reference="LSE-000020", flow="lease")
    payments.record(lease, "security_deposit", "15600.00")
    payments.record(lease, "rent", "7800.00")
    payments.record(make_ctx(project, record_id=21), "deposit", "50000.00")

    # when: 600.00 is deducted and the rest returned
    refund = payments.record(lease, "deposit_refund", "15000.00")

    # then: it is in the ledger as what it is, and sales collections are untouched
    assert (refund.kind, refund.amount) == (PaymentKind.DEPOSIT_REFUND, Decimal("15000.00"))
    totals = payments.net_collections(project.pk)
    assert (totals.net, totals[PaymentKind.DEPOSIT_REFUND]) == (Decimal("50000.00"), Decimal("15000.00"))
    assert payments.net_collections(project.pk, record_ids=[20]).deposits_held == Decimal("600.00")


def test_a_deposit_refund_beyond_what_the_deposit_still_holds_is_refused_in_words(project):
    lease = make_ctx(project, record_id=20, reference="LSE-000020", flow="lease")
    payments.record(lease, "security_deposit", "15600.00")
    payments.record(lease, "rent", "7800.00")  # rent is not a deposit to return
    payments.record(lease, "deposit_refund", "15000.00")

    with pytest.raises(payments.DepositRefundExceedsDeposits) as refused:
        payments.record(lease, "deposit_refund", "600.01")

    assert refused.value.message_en == ("LSE-000020: a security deposit refund of ¥600.01 is more than the deposit "
                                        "it holds (¥600.00: the security deposits received less those already "
                                        "returned)")
    assert refused.value.message_zh == "LSE-000020：退还押金 ¥600.01 超过所收押金余额 ¥600.00（已收押金减已退还）"
    assert Payment.objects.filter(kind="deposit_refund").count() == 1


def test_a_sale_cannot_pay_out_a_deposit_refund_and_a_sales_refund_cannot_return_a_security_deposit(project):
    sale = make_ctx(project, record_id=30, reference="SUB-000030")
    payments.record(sale, "deposit", "50000.00")
    lease = make_ctx(project, record_id=31, reference="LSE-000031", flow="lease")
    payments.record(lease, "security_deposit", "15600.00")

    with pytest.raises(payments.DepositRefundExceedsDeposits):
        payments.record(sale, "deposit_refund", "1.00")
    with pytest.raises(RefundExceedsReceipts):
        payments.record(lease, "refund", "1.00")

    assert Payment.objects.count() == 2

"""The payments ledger: receipts and refunds per deal, append-only.

Amounts are positive; the kind says which way money moved (a refund goes out). A
mistake is corrected by another entry, never by editing one, so the ledger always
shows what happened and totals for a past period never change.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..money import MONEY_COLUMN


class PaymentKind(models.TextChoices):
    """What a receipt or refund is, as finance names it; net collections count each kind as docs/kernel.md says."""

    SINCERITY_DEPOSIT = "sincerity_deposit", pgettext_lazy("payment kind", "sincerity deposit")  # 诚意金 (queue number)
    RESERVATION_DEPOSIT = "reservation_deposit", pgettext_lazy("payment kind", "reservation deposit")  # 小订金
    DEPOSIT = "deposit", pgettext_lazy("payment kind", "deposit")                        # 定金 (the subscription's)
    DOWN_PAYMENT = "down_payment", pgettext_lazy("payment kind", "down payment")         # 首付 (and full payment 一次性)
    INSTALLMENT = "installment", pgettext_lazy("payment kind", "installment")            # 分期款
    BANK_LOAN = "bank_loan", pgettext_lazy("payment kind", "bank loan")                  # 商贷放款
    PROVIDENT_FUND_LOAN = "provident_fund_loan", pgettext_lazy("payment kind", "provident-fund loan")  # 公积金放款
    AREA_DIFFERENCE = "area_difference", pgettext_lazy("payment kind", "area difference")  # 面积补差款
    RENT = "rent", pgettext_lazy("payment kind", "rent")                                 # 租金
    SECURITY_DEPOSIT = "security_deposit", pgettext_lazy("payment kind", "security deposit")  # 押金
    FEE = "fee", pgettext_lazy("payment kind", "fees collected")  # 代收费用 (handover fees collected for others)
    REFUND = "refund", pgettext_lazy("payment kind", "refund")                           # 退款
    # 押金退还: a security deposit paid back at the end of a lease; checked against the deposits
    # received, outside net (sales) collections like the deposit itself
    DEPOSIT_REFUND = "deposit_refund", pgettext_lazy("payment kind", "security deposit refund")
    # 抵扣: a trade-in's old home or a lease-to-buy's rent, taken off what the buyer pays; a receivables
    # line settled by the credit itself, never a ledger entry (no money comes in)
    CREDIT = "credit", pgettext_lazy("payment kind", "credit (trade-in, lease-to-buy)")


class Payment(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="payments")
    record_id = models.BigIntegerField(_("record"), help_text=_("The engine record of the deal."))
    reference = models.CharField(_("reference"), max_length=32)
    kind = models.CharField(_("kind"), max_length=24, choices=PaymentKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY_COLUMN)
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    overpayment = models.BooleanField(
        _("overpayment"), default=False,
        help_text=_("Received beyond what was due, recorded by finance to be refunded."))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # a credit settles a receivables line by itself: no money, no ledger entry
            models.CheckConstraint(condition=Q(kind__in=PaymentKind.values) & ~Q(kind="credit"),
                                   name="payment_kind_known"),
        ]
        indexes = [
            models.Index(fields=["project", "record_id"], name="payment_record_idx"),
            models.Index(fields=["project", "received_at"], name="payment_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise LedgerIsAppendOnly(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly(self)


class LedgerIsAppendOnly(Exception):
    def __init__(self, payment: Payment):
        super().__init__(f"payment {payment.pk} is in the ledger and cannot change; record a correcting entry")

"""The commission ledger: one row per deal, and entries that move accrued → payable → paid, or reversed.

An entry's amount, beneficiary and deal never change once written; only its status
moves forward, each step stamped with when. A cancelled deal's unpaid entries are
reversed; what was already paid is clawed back by a new negative entry, payable at
once, that nets against the agent's next payment. Deals are engine records, named by
id and reference only.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from extensions.api import MONEY_COLUMN


class BeneficiaryKind(models.TextChoices):
    CHANNEL = "channel", _("agency channel")      # 渠道/分销, by channel code
    CONSULTANT = "consultant", _("consultant")    # 置业顾问, by user id
    REFERRER = "referrer", _("referrer")          # 全民经纪, by the key the flow passes (a customer id ...)


class EntryStatus(models.TextChoices):
    ACCRUED = "accrued", _("accrued")
    PAYABLE = "payable", _("payable")
    PAID = "paid", _("paid")
    REVERSED = "reversed", _("reversed")


class DealKind(models.TextChoices):
    SALE = "sale", _("new-home sale")  # 新房: channel, consultant tiers, referral; payable once filed and collected
    RESALE = "resale", _("resale")     # 二手房: the resale rate for the consultant, payable at closing


class CommissionDeal(models.Model):
    """A signed deal commission is earned on; locked while its entries change."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=DealKind.choices, default=DealKind.SALE,
                            help_text=_("Only new-home sales count in a consultant's monthly tiers."))
    record_id = models.BigIntegerField(_("record"), help_text=_("The engine record that signed the deal."))
    reference = models.CharField(_("reference"), max_length=32)
    record_ids = models.JSONField(_("records of the deal"), default=list,
                                  help_text=_("Every record seen acting for the deal; its payments count."))
    contract_amount = models.DecimalField(_("contract amount"), **MONEY_COLUMN)
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    channel = models.CharField(_("channel"), max_length=31, blank=True)
    referrer = models.CharField(_("referrer"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    month = models.DateField(_("month"), help_text=_("First day of the month it counts in, at the project."))
    rules_revision = models.PositiveIntegerField(_("rules revision"))
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    released_at = models.DateTimeField(_("payable since"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("commission deal")
        verbose_name_plural = _("commission deals")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "record_id"], name="commission_deal_one_per_record"),
            models.CheckConstraint(condition=Q(contract_amount__gt=0), name="commission_deal_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=DealKind.values), name="commission_deal_kind_known"),
        ]
        indexes = [models.Index(fields=["project", "consultant", "month"], name="commission_deal_month_idx")]

    def __str__(self) -> str:
        return self.reference


_STATUS_STAMPS = (
    Q(status=EntryStatus.ACCRUED, payable_at__isnull=True, paid_at__isnull=True, reversed_at__isnull=True)
    | Q(status=EntryStatus.PAYABLE, payable_at__isnull=False, paid_at__isnull=True, reversed_at__isnull=True)
    | Q(status=EntryStatus.PAID, payable_at__isnull=False, paid_at__isnull=False, reversed_at__isnull=True)
    | Q(status=EntryStatus.REVERSED, paid_at__isnull=True, reversed_at__isnull=False)
)


class CommissionEntry(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(CommissionDeal, on_delete=models.PROTECT, related_name="entries")
    beneficiary_kind = models.CharField(_("beneficiary kind"), max_length=16, choices=BeneficiaryKind.choices)
    beneficiary = models.CharField(_("beneficiary"), max_length=64)
    base_amount = models.DecimalField(_("base"), **MONEY_COLUMN, null=True, blank=True)
    rate = models.DecimalField(_("rate"), max_digits=8, decimal_places=6, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY_COLUMN)
    status = models.CharField(_("status"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.ACCRUED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("accrued at"))
    payable_at = models.DateTimeField(_("payable at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals",
                                 help_text=_("The paid entry this clawback takes back."))

    class Meta:
        verbose_name = _("commission entry")
        verbose_name_plural = _("commission entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="commission_entry_amount_not_zero"),
            models.CheckConstraint(condition=Q(status__in=EntryStatus.values), name="commission_entry_status_known"),
            models.CheckConstraint(condition=_STATUS_STAMPS, name="commission_entry_status_stamped"),
            models.UniqueConstraint(fields=["reverses"], condition=Q(reverses__isnull=False),
                                    name="commission_entry_clawed_back_once"),
        ]
        indexes = [
            models.Index(fields=["project", "beneficiary_kind", "beneficiary", "status"],
                         name="commission_entry_agent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.beneficiary_kind}:{self.beneficiary} {self.amount} {self.status}"

    @property
    def is_clawback(self) -> bool:
        return self.reverses_id is not None

    def save(self, *args, **kwargs) -> None:
        fields = kwargs.get("update_fields")
        if self.pk is not None and (fields is None or not set(fields) <= STATUS_FIELDS):
            raise LedgerEntryIsFixed(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerEntryIsFixed(self)


STATUS_FIELDS = frozenset({"status", "payable_at", "paid_at", "paid_by", "reversed_at"})


class LedgerEntryIsFixed(Exception):
    def __init__(self, entry: CommissionEntry):
        super().__init__(f"commission entry {entry.pk} is in the ledger: only its status may move; "
                         f"write a new entry to correct it")


class ConsultantMonth(models.Model):
    """One row per consultant and month, locked while the month's tiers are worked out again.

    Two deals of one consultant signed at the same moment would otherwise each compute
    the month without the other and leave the tier adjustment of one of them out.
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))

    class Meta:
        verbose_name = _("consultant month")
        verbose_name_plural = _("consultant months")
        constraints = [models.UniqueConstraint(fields=["project", "consultant", "month"],
                                               name="consultant_month_unique")]

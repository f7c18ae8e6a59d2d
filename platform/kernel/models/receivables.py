"""Receivables 应收: what a deal's buyer owes and when, line by line (kernel.receivables).

A deal's schedule belongs to the record that first scheduled it (the subscription),
named by `deal_id` like payments name their record: the kernel does not know the
engine. `record_ids` are every record seen acting for the deal (the owner's ancestors,
whose deposits it carries, and the descendants that record its receipts): their
payments are the deal's. Lines are a plan, not a ledger: rescheduling (signing, a price
change, the bank's approval) replaces them; what was received against each line is
computed from the payments ledger every time, so it never disagrees with it.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..money import MONEY_COLUMN
from .payments import PaymentKind


class ReceivableSchedule(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="receivable_schedules")
    deal_id = models.BigIntegerField(_("deal"), help_text=_("The engine record that first scheduled the deal."))
    reference = models.CharField(_("reference"), max_length=32)
    record_ids = models.JSONField(_("records of the deal"), default=list,
                                  help_text=_("Every record seen acting for the deal; its payments count."))
    payment_plan = models.CharField(_("payment plan"), max_length=31)
    deal_price = models.DecimalField(_("deal price"), **MONEY_COLUMN)
    scheduled_at = models.DateTimeField(_("scheduled at"))

    class Meta:
        verbose_name = _("receivables schedule")
        verbose_name_plural = _("receivables schedules")
        constraints = [models.UniqueConstraint(fields=["project", "deal_id"], name="receivable_schedule_deal_unique")]

    def __str__(self) -> str:
        return self.reference


class Receivable(models.Model):
    schedule = models.ForeignKey(ReceivableSchedule, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=24, choices=PaymentKind.choices)
    amount = models.DecimalField(_("amount due"), **MONEY_COLUMN)
    due_on = models.DateField(_("due on"), null=True, blank=True,
                              help_text=_("Empty: when the bank or the provident fund pays out."))

    class Meta:
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        ordering = ["schedule", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="receivable_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(kind__in=PaymentKind.values) & ~Q(kind__in=[PaymentKind.REFUND, PaymentKind.DEPOSIT_REFUND]),
                name="receivable_kind_known"),
            models.UniqueConstraint(fields=["schedule", "position"], name="receivable_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.kind} {self.amount}"

"""Queue numbers 排号: per project and batch, issued in confirmation order, never reused.

`QueueBatch.last_number` is the counter. Issuing locks the batch row, adds one and
inserts the number in the same transaction: a rolled-back issue rolls the counter back
too (no gap), two issues cannot read the same counter (no duplicate), and the lock is
held until commit, so numbers follow the order confirmations commit in. A voided
number keeps its row, marked voided, and the counter never goes down: never reused.
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

BATCH_CODE = RegexValidator(r"^[A-Z0-9]{1,8}$", _("Capital letters and digits, e.g. A."))


class QueueBatch(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="queue_batches")
    code = models.CharField(_("batch"), max_length=8, validators=[BATCH_CODE])
    title = models.CharField(_("title"), max_length=100, blank=True)
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)
    is_open = models.BooleanField(_("open"), default=True, help_text=_("A closed batch issues no more numbers."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("queue batch")
        verbose_name_plural = _("queue batches")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="queue_batch_code_unique")]

    def __str__(self) -> str:
        return self.code


class QueueNumber(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(QueueBatch, on_delete=models.PROTECT, related_name="numbers")
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("queue number"), max_length=24, help_text=_("e.g. A-0001"))
    record_id = models.BigIntegerField(_("record"))
    reference = models.CharField(_("reference"), max_length=32)
    # whose number it is (the record's customer_id when issued): a project limits the live numbers per customer
    customer = models.ForeignKey("kernel.Customer", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="queue_numbers", verbose_name=_("customer"))
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("queue number")
        verbose_name_plural = _("queue numbers")
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="queue_number_unique_in_batch"),
            models.UniqueConstraint(fields=["project", "code"], name="queue_number_code_unique"),
            models.UniqueConstraint(fields=["project", "record_id"], condition=Q(voided_at__isnull=True),
                                    name="queue_number_one_live_per_record"),
            models.CheckConstraint(condition=Q(number__gte=1), name="queue_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} (voided)" if self.voided_at else self.code

"""Dunning 催款: a notice that an amount of a deal is due soon or overdue, one per line and day (kernel.dunning).

Which line: a receivable line is named by its deal's schedule, its kind and its due
date, not by a foreign key to the `Receivable` row. Rescheduling (signing, a price
change, the bank's approval) deletes a deal's lines and writes them again
(kernel.receivables.schedule), so a key on the row would cascade the day's notices away
(and the dismissals with them) and let the job write the same reminder again for the
new row. (schedule, kind, due date) survives rescheduling: the deposit due on 1 June
is the same debt before and after a price change. Two lines of one kind due on one day
(two fees added the same day) are one notice for their sum, which is how finance
would chase them.

Which day: the project's day (its `time_zone`), so a Shanghai project's notices for 5
June are written in the first run after midnight there, whatever the server's zone.
The unique key (line, day) makes the job safe to run any number of times and in any
number of consumers at once: an insert that meets an existing notice does nothing.

The customer and the consultant are stored on the notice as they were that day: the
deal's customer comes from the layer that knows records (the kernel does not import
the engine; kernel.dunning asks for it by dotted path), the consultant is the
customer's registration consultant in the project. Each side dismisses its own copy:
finance's dismissal does not hide the consultant's reminder, nor the other way round.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..money import MONEY_COLUMN
from .payments import PaymentKind


class DunningNotice(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="dunning_notices")
    schedule = models.ForeignKey("kernel.ReceivableSchedule", on_delete=models.CASCADE,
                                 related_name="dunning_notices")
    kind = models.CharField(_("kind"), max_length=24, choices=PaymentKind.choices)
    due_on = models.DateField(_("due on"))
    day = models.DateField(_("day"), help_text=_("The project's day the reminder is for (its time zone)."))
    overdue = models.BooleanField(_("overdue"), help_text=_("Off: due within the project's dunning days ahead."))
    amount = models.DecimalField(_("amount still due"), **MONEY_COLUMN)
    reference = models.CharField(_("reference"), max_length=32)
    deal_id = models.BigIntegerField(_("deal"), help_text=_("The engine record that first scheduled the deal."))
    customer = models.ForeignKey("kernel.Customer", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="dunning_notices")
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", help_text=_("The customer's registration consultant then."))
    created_at = models.DateTimeField(_("written at"))
    finance_dismissed_at = models.DateTimeField(_("dismissed by finance at"), null=True, blank=True)
    finance_dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    consultant_dismissed_at = models.DateTimeField(_("dismissed by the consultant at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["day", "-overdue", "due_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "kind", "due_on", "day"], name="dunning_notice_line_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dunning_notice_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=PaymentKind.values) & ~Q(kind__in=[PaymentKind.REFUND, PaymentKind.DEPOSIT_REFUND,
                                                                 PaymentKind.CREDIT]),
                name="dunning_notice_kind_known"),
        ]
        indexes = [
            models.Index(fields=["project", "day"], name="dunning_notice_project_day"),
            models.Index(fields=["consultant", "day"], name="dunning_notice_consultant_day"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind} {self.due_on} @ {self.day}"

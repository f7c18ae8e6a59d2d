"""Follow-ups 跟进: each contact with a customer, the opportunity stage it leaves them in,
and the date of the next one (which puts a reminder in the consultant's inbox that day).

The customer's current stage and next follow-up date are kept on their registration in
the project (one row to read for "my customers"); each follow-up keeps the stage it set,
so the stage's history is the list of follow-ups.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowUpChannel(models.TextChoices):
    CALL = "call", _("call")
    VISIT = "visit", _("visit")
    MESSAGE = "message", _("message")
    NOTE = "note", _("note")


class FollowUp(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="follow_ups")
    customer = models.ForeignKey("kernel.Customer", on_delete=models.PROTECT, related_name="follow_ups")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=12, choices=FollowUpChannel.choices)
    stage = models.CharField(_("stage"), max_length=40, help_text=_("One of the project's opportunity stages."))
    previous_stage = models.CharField(_("previous stage"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    next_on = models.DateField(_("next follow-up on"), null=True, blank=True)
    token = models.CharField(max_length=40, unique=True, help_text=_("The form's one-time token: one follow-up per submit."))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=FollowUpChannel.values), name="follow_up_channel_known"),
        ]
        indexes = [models.Index(fields=["customer", "at"], name="follow_up_customer_at_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.customer_id} @ {self.project_id}"

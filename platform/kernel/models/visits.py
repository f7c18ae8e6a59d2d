"""The sales floor's front desk: campaigns, and every visit or call (来访/来电) received.

A visit is recorded once per arrival: the form's one-time `token` is unique, so a double
click or a resubmitted page creates one row. Source types are project settings
(`source_types`, codes with titles) so an admin adds one without a deploy; a campaign
names the source type it belongs to.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..money import MONEY_COLUMN


class Campaign(models.Model):
    """A marketing campaign (推广活动) that brings visits and calls, with its period and cost."""

    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=200)
    source_type = models.CharField(_("source type"), max_length=40,
                                   help_text=_("One of the project's source types."))
    channel = models.CharField(_("channel"), max_length=200, blank=True,
                               help_text=_("Where it runs: an agency, a platform, a venue."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    cost = models.DecimalField(_("cost"), **MONEY_COLUMN, default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["project", "-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="campaign_name_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_period_ordered"),
            models.CheckConstraint(condition=Q(cost__gte=0), name="campaign_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class VisitKind(models.TextChoices):
    VISIT = "visit", _("visit")  # 来访
    CALL = "call", _("call")     # 来电


class Visit(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="visits")
    customer = models.ForeignKey("kernel.Customer", on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("kind"), max_length=8, choices=VisitKind.choices)
    returning = models.BooleanField(_("returning"), default=False,
                                    help_text=_("The customer had visited or called this project before."))
    source_type = models.CharField(_("source type"), max_length=40, blank=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    layout = models.CharField(_("layout wanted"), max_length=60, blank=True)
    budget = models.DecimalField(_("budget"), **MONEY_COLUMN, null=True, blank=True)
    area = models.DecimalField(_("area wanted (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    token = models.CharField(max_length=40, unique=True, help_text=_("The form's one-time token: one visit per submit."))

    class Meta:
        verbose_name = _("visit or call")
        verbose_name_plural = _("visits and calls")
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=VisitKind.values), name="visit_kind_known")]
        indexes = [
            models.Index(fields=["project", "at"], name="visit_project_at_idx"),
            models.Index(fields=["customer", "at"], name="visit_customer_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} @ {self.project_id}"

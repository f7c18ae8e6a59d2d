"""Targets 指标: what management set a project (and a consultant) out to reach in a month."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.money import MONEY_COLUMN


class Target(models.Model):
    """The monthly targets of a project, or of one consultant in it (consultant set)."""

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="targets",
                                verbose_name=_("project"))
    month = models.DateField(_("month"), help_text=_("The first day of the month the targets are for."))
    consultant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="targets", verbose_name=_("consultant"),
                                   help_text=_("Empty for the project's own targets."))
    subscription_count = models.PositiveIntegerField(_("subscriptions target"), default=0)
    signing_amount = models.DecimalField(_("signing amount target"), default=0, **MONEY_COLUMN)
    collection_amount = models.DecimalField(_("collection target"), default=0, **MONEY_COLUMN)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["project", "month", "consultant"]
        constraints = [
            models.UniqueConstraint(fields=["project", "month", "consultant"], name="target_per_month_and_consultant"),
            models.UniqueConstraint(fields=["project", "month"], condition=models.Q(consultant__isnull=True),
                                    name="project_target_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="target_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.month:%Y-%m}"

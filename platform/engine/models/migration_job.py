"""A move of running records to another version, run by a huey job so a page can follow it."""
from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MigrationStatus(models.TextChoices):
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("moving records")
    DONE = "done", _("finished")
    FAILED = "failed", _("stopped by an error")


class MigrationJob(models.Model):
    """What the admin chose on the migration page, how far the move is, and each record's outcome.

    The choices (states, state map, values for newly required fields) are kept as the page
    gave them, so the job moves exactly what the dry run showed; values are JSON with
    decimals as text, as record data keeps them.
    """

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("project"))
    flow = models.SlugField(_("flow"), max_length=63)
    from_number = models.PositiveIntegerField(_("from version"))
    to_number = models.PositiveIntegerField(_("to version"))
    states = models.JSONField(_("only records in these states"), null=True, blank=True)
    state_map = models.JSONField(_("removed states mapped to"), default=dict, blank=True)
    values = models.JSONField(_("values for fields records lack"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=10, choices=MigrationStatus.choices,
                              default=MigrationStatus.QUEUED)
    total = models.PositiveIntegerField(_("records to move"), default=0)
    moved = models.PositiveIntegerField(_("records moved"), default=0)
    refused = models.PositiveIntegerField(_("records that stay"), default=0)
    results = models.JSONField(_("outcome per record"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("asked by"))
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("record migration")
        verbose_name_plural = _("record migrations")
        ordering = ["-created_at", "-pk"]

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * (self.moved + self.refused) / self.total))

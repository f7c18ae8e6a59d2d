"""A record: one entity instance in one project, moving through one flow version."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .json import ExactDecoder, ExactEncoder
from .record_keys import CUSTOMER_KEY, UNIT_KEY


class Record(models.Model):
    project = models.ForeignKey("kernel.Project", on_delete=models.PROTECT, related_name="records", db_index=False)
    version = models.ForeignKey("engine.FlowVersion", on_delete=models.PROTECT, related_name="records")
    flow = models.SlugField(_("flow"), max_length=63, db_index=False)
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("reference"), max_length=32)
    state = models.SlugField(_("state"), max_length=63, db_index=False)
    data = models.JSONField(_("data"), default=dict, encoder=ExactEncoder, decoder=ExactDecoder)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    revision = models.PositiveIntegerField(_("revision"), default=1,
                                           help_text=_("Goes up by one with every change; detects stale forms."))
    is_closed = models.BooleanField(_("closed"), default=False)
    last_seq = models.PositiveIntegerField(default=0, help_text=_("The number of its latest history entry."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    entered_state_at = models.DateTimeField(_("in this state since"))
    start_key = models.CharField(max_length=64, null=True, blank=True,
                                 help_text=_("Idempotency key of the request that started it."))

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        constraints = [
            models.UniqueConstraint(fields=["project", "reference"], name="record_reference_unique"),
            models.UniqueConstraint(fields=["project", "flow", "number"], name="record_number_unique"),
            models.UniqueConstraint(fields=["project", "start_key"], name="record_start_key_unique"),
        ]
        indexes = [models.Index(fields=["project", "flow", "state"], name="record_state_idx"),
                   # search by unit or customer (record_keys)
                   models.Index(UNIT_KEY, name="record_unit_key_idx"),
                   models.Index(CUSTOMER_KEY, name="record_customer_key_idx")]

    def __str__(self) -> str:
        return self.reference


class RecordCounter(models.Model):
    """The last number given per project and flow; locked while a record is numbered."""

    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    flow = models.SlugField(max_length=63, db_index=False)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "flow"], name="record_counter_unique")]

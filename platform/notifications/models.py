"""A notification per event and recipient, and the log of its deliveries per channel."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _, pgettext_lazy


class Kind(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("task assigned to me")
    TASK_OFFERED = "task_offered", _("task offered to me")
    TASK_ESCALATED = "task_escalated", _("task escalated to me")
    SENT_BACK = "sent_back", _("my record sent back")


class Notification(models.Model):
    """One event for one person. The words are made at read time from `kind` and `params`,
    so each person reads them in their own language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  db_index=False, verbose_name=_("recipient"))
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    event_key = models.CharField(max_length=128, help_text=_("Names the event; one notification per event and person."))
    project = models.ForeignKey("kernel.Project", on_delete=models.CASCADE, related_name="+", db_index=False)
    record = models.ForeignKey("engine.Record", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    params = models.JSONField(default=dict)
    link = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["event_key", "recipient"], name="notification_once")]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
                   models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                                name="notification_unread_idx")]

    def __str__(self) -> str:
        from .words import title  # words reads Kind from here

        return title(self.kind, self.params)


class Delivery(models.Model):
    """One channel's delivery of a notification (in the product, the row itself is the delivery)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "waiting")
        SENT = "sent", pgettext_lazy("delivery", "sent")
        FAILED = "failed", pgettext_lazy("delivery", "failed")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.get_status_display()}"

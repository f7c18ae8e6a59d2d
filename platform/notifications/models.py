"""A notification per event and recipient, and the log of its deliveries per channel."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .kinds import Kind


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
        from .words import title  # (words reads Kind from .kinds, not from here)

        return title(self.kind, self.params)


class Delivery(models.Model):
    """One channel's delivery of a notification (in the product, the row itself is the delivery)."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "waiting")
        SENT = "sent", pgettext_lazy("delivery", "sent")
        FAILED = "failed", pgettext_lazy("delivery", "failed")
        # the recipient turned this channel off for this kind after the delivery was made
        SKIPPED = "skipped", pgettext_lazy("delivery", "not wanted")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # set while the recipient's quiet hours hold it back: sent at this moment (the job is scheduled
    # for it, and the sweep `send_held` sends whatever is due should that job be lost)
    not_before = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once")]

    def __str__(self) -> str:
        return f"{self.channel} · {self.get_status_display()}"


class Preference(models.Model):
    """Which channels beyond the bell one person wants for one kind of notification.

    No row: the kind's defaults (preferences.EXTRA_CHANNELS). The bell is always on: it is where
    the work is listed, so it cannot be turned off.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("user"))
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    email = models.BooleanField(_("email"), default=False)
    sms = models.BooleanField(_("SMS / WeChat"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"


class RecipientSettings(models.Model):
    """One person's quiet hours (email and SMS wait until they end; the bell never waits) and the
    language their email and SMS are written in (empty: the site's default)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_settings", verbose_name=_("user"))
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    language = models.CharField(_("language of email and SMS"), max_length=16, blank=True,
                                choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [models.CheckConstraint(
            condition=(models.Q(quiet_from__isnull=True, quiet_until__isnull=True)
                       | (models.Q(quiet_from__isnull=False, quiet_until__isnull=False)
                          & ~models.Q(quiet_from=models.F("quiet_until")))),
            name="notification_quiet_hours_whole")]

    def __str__(self) -> str:
        return str(self.user)

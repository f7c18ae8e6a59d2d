"""Timers and deadlines live in the database, so they survive restarts and scale out."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimerStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    FIRED = "fired", _("fired")
    CANCELLED = "cancelled", _("cancelled")


class Timer(models.Model):
    class Kind(models.TextChoices):
        FIRE = "fire", _("fire a transition")
        ESCALATE = "escalate", _("escalate")

    record = models.ForeignKey("engine.Record", on_delete=models.CASCADE, related_name="timers")
    task = models.ForeignKey("engine.Task", null=True, blank=True, on_delete=models.CASCADE, related_name="timers")
    name = models.SlugField(max_length=63, db_index=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.SlugField(max_length=63, db_index=False)
    visit = models.PositiveIntegerField()
    transition = models.SlugField(max_length=63, blank=True, db_index=False)
    escalate_to = models.JSONField(default=list)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=TimerStatus.choices, default=TimerStatus.PENDING)
    fired_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="timer_pending_due_idx")]

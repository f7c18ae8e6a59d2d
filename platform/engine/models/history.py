"""The append-only history of a record: who, when, from, to, what changed."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .json import ExactDecoder, ExactEncoder


class HistoryEntry(models.Model):
    class Kind(models.TextChoices):
        START = "start", _("started")
        TRANSITION = "transition", _("transition")
        VOTE = "vote", _("vote")
        SEND_BACK = "send_back", _("sent back")
        WITHDRAW = "withdraw", _("withdrawn")
        COMPLETE = "complete", _("task completed")
        CLAIM = "claim", _("claimed")
        UNCLAIM = "unclaim", _("released")
        REASSIGN = "reassign", _("reassigned")
        TRANSFER = "transfer", _("transferred")
        DELEGATE = "delegate", _("delegated")
        RETURN = "return", _("delegation returned")
        ADD_APPROVER = "add_approver", _("approver added")
        ESCALATE = "escalate", _("escalated")
        TIMER = "timer", _("timer")
        CANCEL = "cancel", _("cancelled")
        MIGRATE = "migrate", _("moved to a new version")

    record = models.ForeignKey("engine.Record", on_delete=models.CASCADE, related_name="history", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    transition = models.SlugField(max_length=63, blank=True, db_index=False)
    from_state = models.SlugField(max_length=63, blank=True, db_index=False)
    to_state = models.SlugField(max_length=63, blank=True, db_index=False)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict, encoder=ExactEncoder, decoder=ExactDecoder,
                               help_text=_("{field: [old, new]} for every field that changed"))
    details = models.JSONField(default=dict, encoder=ExactEncoder, decoder=ExactDecoder)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["record", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["record", "seq"], name="history_seq_unique"),
            models.UniqueConstraint(fields=["record", "idempotency_key"], name="history_idempotency_unique"),
        ]

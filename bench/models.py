"""The floor: the least any correct engine must do for one step.

One row per deal, locked with SELECT ... FOR UPDATE, its state, data and revision
updated, and one audit row appended per step (who, when, from, to, what changed).
"""
from django.conf import settings
from django.db import models


class FloorDeal(models.Model):
    state = models.CharField(max_length=63)
    data = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)


class FloorAudit(models.Model):
    deal = models.ForeignKey(FloorDeal, on_delete=models.CASCADE, related_name="audit")
    seq = models.PositiveIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=63, blank=True)
    to_state = models.CharField(max_length=63)
    changes = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deal", "seq"], name="floor_audit_seq_unique")]

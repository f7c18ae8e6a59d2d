"""Baseline (b), the floor: a plain row locked and updated, one audit row per step.

The least any correct engine must do for a transition: lock the row, check the step
is allowed from its state, write the new state and data, append an audit entry, in
one transaction. No tasks, no roles, no schema: whatever an engine spends above this
buys its features.
"""
from __future__ import annotations

from django.db import transaction

from .models import FloorAudit, FloorDeal

STEPS = {  # step -> (from, to)
    "pass_review": ("review", "finance_confirmation"),
    "escalate": ("review", "director_approval"),
    "approve": ("director_approval", "finance_confirmation"),
    "confirm": ("finance_confirmation", "done"),
}


def start(user, data: dict) -> FloorDeal:
    with transaction.atomic():
        deal = FloorDeal.objects.create(state="review", data=dict(data))
        FloorAudit.objects.create(deal=deal, seq=1, actor=user, to_state="review",
                                  changes={k: [None, v] for k, v in data.items()})
    return deal


def step(user, deal_id: int, name: str, changes: dict | None = None) -> FloorDeal:
    source, target = STEPS[name]
    with transaction.atomic():
        deal = FloorDeal.objects.select_for_update().get(pk=deal_id)
        if deal.state != source:
            raise ValueError(f"{name} cannot be fired from {deal.state}")
        old = dict(deal.data)
        deal.data.update(changes or {})
        deal.state, deal.revision = target, deal.revision + 1
        deal.save(update_fields=["state", "data", "revision", "updated_at"])
        FloorAudit.objects.create(deal=deal, seq=deal.revision, actor=user, from_state=source, to_state=target,
                                  changes={k: [old.get(k), v] for k, v in (changes or {}).items()})
    return deal

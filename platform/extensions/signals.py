"""Signals of the plugin host, for plugins that keep figures derived from their rules."""
from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction of `deal_rules.apply_to_open`, with project_id, plugin,
# record_ids (the deals' records of their decisive moment), revision and now: the deals
# now read `revision`, and a plugin reworks what it derived from the old one (commission
# re-tiers the month) before the transaction commits.
deal_rules_changed = Signal()

"""Commission refusals, in words the person acting can act on."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from extensions.api import PluginError


class UnknownChannel(PluginError):
    code = "commission_unknown_channel"
    template = gettext_noop("there is no channel '{channel}' in this project's commission rules (they have: {known})")


class DealCancelled(PluginError):
    code = "commission_deal_cancelled"
    template = gettext_noop("{reference} was cancelled; commission cannot accrue on it again")


class ClawbackOutstanding(PluginError):
    code = "commission_clawback_outstanding"
    template = gettext_noop("{beneficiary} owes {owed} in clawbacks, more than is payable: nothing to pay")

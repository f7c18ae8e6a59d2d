"""Points refusals."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from extensions.api import PluginError


class PointsInsufficient(PluginError):
    code = "points_insufficient"
    template = gettext_noop("customer #{customer} has {balance} points; {wanted} cannot be redeemed")


class BelowRedemptionMinimum(PluginError):
    code = "points_below_minimum"
    template = gettext_noop("at least {minimum} points must be redeemed at a time, not {wanted}")


class NoSuchRule(PluginError):
    code = "points_no_rule"
    template = gettext_noop("this project's points rules have no {rule} rule")


class UnknownEvent(PluginError):
    code = "points_unknown_event"
    template = gettext_noop("there is no event '{event}' in this project's points rules (they have: {known})")

"""Pricing refusals, in words the consultant can act on."""
from __future__ import annotations

from django.utils.translation import gettext_noop

from extensions.api import PluginError


class NoListPrice(PluginError):
    code = "pricing_no_list_price"
    template = gettext_noop("unit {unit} has no list price yet: load the approved price list first")


class UnknownDiscount(PluginError):
    code = "pricing_unknown_discount"
    template = gettext_noop("there is no discount '{discount}' in this project's pricing rules (they have: {known})")


class DiscountConditionsNotMet(PluginError):
    code = "pricing_discount_conditions"
    template = gettext_noop("discount '{discount}' does not apply to this deal (payment plan {plan}, date {on})")


class ManualDiscountNotAllowed(PluginError):
    code = "pricing_manual_discount_refused"
    template = gettext_noop("a manual discount of {rate} is not allowed (the most anyone may grant is {limit})")


class DiscountNeedsApproval(PluginError):
    code = "pricing_discount_needs_approval"
    template = gettext_noop("a manual discount of {rate} is above the consultant's allowance of {allowance}: "
                            "submit it for {level_en}")


class CreditAboveCap(PluginError):
    """A trade-in or lease credit above the cap the project's rules set for its kind (`credits`)."""

    code = "pricing_credit_above_cap"
    template = gettext_noop(
        "a {credit_en} of {amount} is above this project's cap of {limit} ({cap_en}): agree a lower credit, or have "
        "an admin change the pricing rules (credits.{kind})")


class CreditAbovePrice(PluginError):
    """Credits that would pay more than the deal price."""

    code = "pricing_credit_above_price"
    template = gettext_noop(
        "a {credit_en} of {amount} is more than the {left} left to pay (price after discounts {price}): credits "
        "cannot pay more than the price; choose a dearer unit or a lower credit")

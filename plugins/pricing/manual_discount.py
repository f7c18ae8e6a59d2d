"""The consultant's manual discount 手工折扣 and who must approve it.

A manual discount is a share taken off (0.01 is 1 % off), applied after the discount
chain. Up to the consultant's allowance it needs nobody; above it, an approval; above
`countersign_above`, the director and finance together (会签); above `maximum`, nobody
may grant it. The quote records the level and the flow's guard reads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

ZERO = Decimal("0")


class Approval(str, Enum):
    NONE = "none"
    APPROVAL = "approval"
    COUNTERSIGN = "countersign"


@dataclass(frozen=True)
class ManualDiscountRules:
    consultant_allowance: Decimal = ZERO
    countersign_above: Decimal | None = None
    maximum: Decimal | None = None


class ManualDiscountRefused(ValueError):
    def __init__(self, rate: Decimal, limit: Decimal | None):
        self.rate, self.limit = rate, limit
        super().__init__(f"manual discount {rate} is not allowed (limit {limit})")


def approval_needed(rate: Decimal, rules: ManualDiscountRules) -> Approval:
    """Which approval a manual discount of `rate` needs; refused when negative, 100 % or above the maximum."""
    if rate < 0 or rate >= 1:
        raise ManualDiscountRefused(rate, None)
    if rules.maximum is not None and rate > rules.maximum:
        raise ManualDiscountRefused(rate, rules.maximum)
    if rate <= rules.consultant_allowance:
        return Approval.NONE
    if rules.countersign_above is not None and rate > rules.countersign_above:
        return Approval.COUNTERSIGN
    return Approval.APPROVAL

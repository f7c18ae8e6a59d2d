"""A quote 报价: list price → discount chain → manual discount → rounding → credits, frozen as a snapshot.

The snapshot is what the deal keeps: every figure as a decimal string, the rules'
revision, and which approval the manual discount needs, so the price can be explained
years later even after the rules change. Its shape is versioned (`format`).

Credits (a trade-in's old home, a lease-to-buy's rent; `credits.py`) come last, and
they do not change the price: the deal price (the contract price, on which commission,
points and P are worked out) is the rounded price after discounts; the credits are paid
with something other than money, like a payment already made, and `to_pay` is what is
left for the buyer to pay. A quote with credits adds `price_after_discounts` (equal to
the deal price), one `credits` line each, `credited` and `to_pay`; one without has none
of these keys, exactly as before credits existed, so format 1 stands.
The discount rate, the approval and the price per m² are the price after discounts'.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from extensions.api import decimal_text, fen, money_text

from .credits import CreditKind, CreditLine, apply_credits
from .discounts import DiscountStep, applicable, apply_chain
from .manual_discount import Approval, approval_needed
from .price_list import UnitFacts
from .rounding import round_to
from .rules import PricingRules

SNAPSHOT_FORMAT = 1
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Quote:
    unit: UnitFacts
    unit_id: int
    rules: PricingRules
    payment_plan: str | None
    list_price: Decimal
    steps: tuple[DiscountStep, ...]
    after_chain: Decimal
    manual_rate: Decimal
    after_manual: Decimal
    price_after_discounts: Decimal  # rounded by the rules: what the unit sells for
    credits: tuple[CreditLine, ...]
    to_pay: Decimal  # after credits: what the buyer pays in money
    approval: Approval

    @property
    def deal_price(self) -> Decimal:
        """The contract price: the rounded price after discounts; credits are a way of paying it."""
        return self.price_after_discounts

    @property
    def credited(self) -> Decimal:
        return self.price_after_discounts - self.to_pay

    @property
    def area(self) -> Decimal | None:
        return self.unit.area(self.rules.basis)

    @property
    def deal_price_per_m2(self) -> Decimal | None:
        """P for area settlement: the price per m² on the pricing basis, before credits (an old home does not
        grow or shrink with the new unit's area)."""
        return None if self.area is None else fen(self.price_after_discounts / self.area)

    @property
    def total_discount_rate(self) -> Decimal:
        """What the discounts took off the list price; credits are not discounts."""
        return ((self.list_price - self.price_after_discounts) / self.list_price).quantize(RATE_PLACES)

    def snapshot(self, quoted_at: datetime) -> dict:
        manual = self.rules.manual
        return {
            "format": SNAPSHOT_FORMAT,
            "quoted_at": quoted_at.isoformat(),
            "rules_revision": self.rules.revision,
            "unit": {"id": self.unit_id, "code": self.unit.code, "floor": self.unit.floor,
                     "orientation": self.unit.orientation, "built_area": decimal_text(self.unit.built_area),
                     "inner_area": decimal_text(self.unit.inner_area)},
            "basis": self.rules.basis.value,
            "area": decimal_text(self.area),
            "payment_plan": self.payment_plan,
            "list_price": money_text(self.list_price),
            "discounts": [{"code": s.code, "title": s.title, "multiplier": decimal_text(s.multiplier),
                           "before": money_text(s.before), "after": money_text(s.after)} for s in self.steps],
            "manual_discount": {
                "rate": decimal_text(self.manual_rate), "before": money_text(self.after_chain),
                "after": money_text(self.after_manual),
                "consultant_allowance": decimal_text(manual.consultant_allowance),
                "countersign_above": decimal_text(manual.countersign_above),
            },
            "rounding": {"step": decimal_text(self.rules.deal_rounding.step),
                         "mode": self.rules.deal_rounding.mode.value},
            **({"price_after_discounts": money_text(self.price_after_discounts),
                "credits": [{"credit": c.kind.value, "amount": money_text(c.amount), "before": money_text(c.before),
                             "after": money_text(c.after)} for c in self.credits],
                "credited": money_text(self.credited), "to_pay": money_text(self.to_pay)} if self.credits else {}),
            "deal_price": money_text(self.deal_price),
            "deal_price_per_m2": money_text(self.deal_price_per_m2),
            "total_discount_rate": decimal_text(self.total_discount_rate),
            "approval": self.approval.value,
            "needs_approval": self.approval is not Approval.NONE,
        }


def make_quote(unit: UnitFacts, unit_id: int, list_price: Decimal, rules: PricingRules, *,
               payment_plan: str | None, requested: Collection[str], manual_rate: Decimal, on: date,
               credits: Mapping[CreditKind, Decimal] | None = None) -> Quote:
    """Price one unit for one deal. Refuses (ValueError subclasses) unknown or inapplicable discounts,
    a manual discount nobody may grant, and a credit above its cap or above the price."""
    discounts = applicable(rules.discounts, payment_plan=payment_plan, requested=requested, on=on)
    after_chain, steps = apply_chain(list_price, discounts)
    approval = approval_needed(manual_rate, rules.manual)
    after_manual = fen(after_chain * (1 - manual_rate))
    price_after_discounts = round_to(after_manual, rules.deal_rounding)
    to_pay, lines = apply_credits(price_after_discounts, credits or {}, rules.credits)
    return Quote(unit, unit_id, rules, payment_plan, list_price, tuple(steps), after_chain, manual_rate,
                 after_manual, price_after_discounts, tuple(lines), to_pay, approval)

"""The discount chain: each discount multiplies what the previous one left, in the configured order.

A multiplier is the share of the price kept (0.98 is 九八折, 2 % off). Each step is
rounded to the fen, so every line of a quote is an amount a buyer can check with a
calculator; the final rounding rule applies once, after the manual discount.

A discount applies automatically when its conditions hold (payment plan, dates), or
only when the deal asks for it (`on_request`, e.g. a referral discount the consultant
ticks). Which ones apply never depends on the order they are asked for in.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from extensions.api import fen


@dataclass(frozen=True)
class Discount:
    code: str
    title: str
    multiplier: Decimal
    payment_plans: frozenset[str] | None = None  # None: any plan
    on_request: bool = False
    valid_from: date | None = None
    valid_until: date | None = None

    def conditions_hold(self, payment_plan: str | None, on: date) -> bool:
        if self.payment_plans is not None and payment_plan not in self.payment_plans:
            return False
        if self.valid_from is not None and on < self.valid_from:
            return False
        return self.valid_until is None or on <= self.valid_until


@dataclass(frozen=True)
class DiscountStep:
    code: str
    title: str
    multiplier: Decimal
    before: Decimal
    after: Decimal


class DiscountRefused(ValueError):
    """A discount was asked for that the rules do not have, or whose conditions do not hold."""

    def __init__(self, code: str, reason: str, known: Sequence[str] = ()):
        self.code, self.reason, self.known = code, reason, tuple(known)
        super().__init__(f"discount {code!r}: {reason}")


def applicable(discounts: Sequence[Discount], *, payment_plan: str | None, requested: Collection[str],
               on: date) -> list[Discount]:
    """The discounts that apply, in the configured order; a requested one that cannot apply is refused."""
    known = {d.code: d for d in discounts}
    for code in requested:
        if code not in known:
            raise DiscountRefused(code, "unknown", list(known))
        if not known[code].conditions_hold(payment_plan, on):
            raise DiscountRefused(code, "conditions_not_met")
    return [d for d in discounts
            if d.conditions_hold(payment_plan, on) and (not d.on_request or d.code in requested)]


def apply_chain(price: Decimal, discounts: Iterable[Discount]) -> tuple[Decimal, list[DiscountStep]]:
    """The price after each discount in turn, and one step per discount for the quote."""
    steps = []
    for discount in discounts:
        after = fen(price * discount.multiplier)
        steps.append(DiscountStep(discount.code, discount.title, discount.multiplier, price, after))
        price = after
    return price, steps

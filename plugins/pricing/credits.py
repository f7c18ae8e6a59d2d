"""Credits 抵扣: value the buyer already gave in another form, taken off the price after every discount.

Two kinds: the old home of a trade-in 置换 (`trade_in`, the resale's approved price) and
the rent already paid on a lease-to-buy 以租代买 (`lease`). A credit lowers what the
buyer pays, but it is not a discount: the discount chain, the manual discount and its
approval level, the total discount rate and the price per m² (P for a later area
settlement) are all worked out on the price after discounts, before any credit.

Each credit is a whole amount of money (to the fen), applied as it is: the project's
rounding rule has already rounded the price after discounts, and rounding a credit
would give the buyer or take from them money the old home or the rent did not bring.
Credits apply in a fixed order (trade-in, then lease); the deal price never goes
below zero, and a project may cap each kind (`credits` in the rules) as a share of the
price after discounts, an amount, or both. A credit above its cap, or credits above
the price, are refused, never cut down: the person who agreed the credit must decide.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import Enum

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


class CreditKind(str, Enum):
    TRADE_IN = "trade_in"   # 置换: the old home
    LEASE = "lease"         # 以租代买: rent already paid

    @property
    def words(self) -> tuple[str, str]:
        """How a message names it: (English, Chinese)."""
        return _WORDS[self]


_WORDS = {CreditKind.TRADE_IN: ("trade-in credit", "置换抵扣额"), CreditKind.LEASE: ("lease-to-buy credit", "以租代买抵扣额")}
ORDER = (CreditKind.TRADE_IN, CreditKind.LEASE)


@dataclass(frozen=True)
class CreditCap:
    """The most one credit may be; None: no cap of that sort (the price still is)."""

    max_share_of_price: Decimal | None = None  # of the price after discounts: 0.30 is 30 %
    max_amount: Decimal | None = None

    def limit(self, price: Decimal) -> Decimal | None:
        """The cap in money for a price after discounts: the lower of the two, the share rounded down to the fen."""
        limits = [self.max_amount] if self.max_amount is not None else []
        if self.max_share_of_price is not None:
            limits.append((price * self.max_share_of_price).quantize(FEN, rounding=ROUND_DOWN))
        return min(limits) if limits else None


@dataclass(frozen=True)
class CreditLine:
    kind: CreditKind
    amount: Decimal
    before: Decimal
    after: Decimal


class CreditRefused(ValueError):
    """`reason`: `cap` (above the project's cap for its kind: `limit` is the cap in money) or `price` (the deal
    price would go below zero: `limit` is what was left to pay). `price` is the price after discounts."""

    def __init__(self, kind: CreditKind, amount: Decimal, reason: str, limit: Decimal, price: Decimal,
                 cap: CreditCap | None = None):
        self.kind, self.amount, self.reason, self.limit, self.price, self.cap = kind, amount, reason, limit, price, cap
        super().__init__(f"{kind.value} credit {amount} refused ({reason}, limit {limit})")


def apply_credits(price: Decimal, credits: Mapping[CreditKind, Decimal],
                  caps: Mapping[CreditKind, CreditCap]) -> tuple[Decimal, list[CreditLine]]:
    """The deal price after `credits` (zero ones leave no line), and one line per credit, in `ORDER`."""
    lines: list[CreditLine] = []
    left = price
    for kind in ORDER:
        amount = credits.get(kind, ZERO)
        if not amount:
            continue
        cap = caps.get(kind)
        limit = cap.limit(price) if cap is not None else None
        if limit is not None and amount > limit:
            raise CreditRefused(kind, amount, "cap", limit, price, cap)
        if amount > left:
            raise CreditRefused(kind, amount, "price", left, price)
        lines.append(CreditLine(kind, amount, left, left - amount))
        left -= amount
    return left, lines


def total(lines: Sequence[CreditLine]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)

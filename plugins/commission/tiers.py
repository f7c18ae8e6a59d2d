"""Commission figures: channel rates, consultant tiers by monthly count, and when commission is payable.

Consultant tiers count a consultant's deals signed in one month (e.g. 1–5 at 0.3 %,
6–10 at 0.4 %, more at 0.5 %), in one of two modes:
- whole bracket 全额: the month's count picks one rate for every deal of the month, so
  the sixth deal lifts the first five to 0.4 %;
- progressive 超额累进: each deal takes the rate of its own place in the month's order,
  so deals 1–5 stay at 0.3 % and the sixth earns 0.4 %.
Every figure is rounded to the fen per deal, the way a statement lists it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from extensions.api import fen


class TierMode(str, Enum):
    WHOLE_BRACKET = "whole_bracket"
    PROGRESSIVE = "progressive"


@dataclass(frozen=True)
class Tier:
    first: int
    last: int | None  # None: this count and above
    rate: Decimal

    def covers(self, count: int) -> bool:
        return self.first <= count and (self.last is None or count <= self.last)


def rate_for(count: int, tiers: Sequence[Tier]) -> Decimal:
    """The rate of the tier holding `count` (the rules guarantee tiers cover every count from 1)."""
    for tier in tiers:
        if tier.covers(count):
            return tier.rate
    raise ValueError(f"no tier covers {count}")


def tier_rates(count: int, tiers: Sequence[Tier], mode: TierMode) -> list[Decimal]:
    """The rate of each of a month's `count` deals, in signing order."""
    if count == 0:
        return []
    if mode is TierMode.WHOLE_BRACKET:
        return [rate_for(count, tiers)] * count
    return [rate_for(place, tiers) for place in range(1, count + 1)]


def deal_rate(count: int, place: int, tiers: Sequence[Tier], mode: TierMode) -> Decimal:
    """One deal's rate: by the month's `count` (whole bracket) or its own `place` in it (progressive)."""
    return rate_for(count if mode is TierMode.WHOLE_BRACKET else place, tiers)


def consultant_commissions(amounts: Sequence[Decimal], tiers: Sequence[Tier], mode: TierMode) -> list[Decimal]:
    """Each deal's consultant commission, for one consultant's month of deals in signing order."""
    return [fen(amount * rate) for amount, rate in zip(amounts, tier_rates(len(amounts), tiers, mode))]


def channel_commission(contract_amount: Decimal, rate: Decimal) -> Decimal:
    return fen(contract_amount * rate)


def is_payable(*, filed: bool, requires_filing: bool, collected: Decimal, contract_amount: Decimal,
               share: Decimal) -> bool:
    """Payable once the contract is filed (if required) and `share` of the price has come in."""
    return (filed or not requires_filing) and collected >= contract_amount * share

"""Rounding rules: to a step (fen, yuan, ten yuan ...) in a direction the project chooses.

Developers round list prices to the yuan, and often round a deal price down to the
ten or hundred yuan (抹零) as a courtesy; both are a step and a mode.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import Enum

from extensions.api import fen


class RoundingMode(str, Enum):
    HALF_UP = "half_up"  # 四舍五入
    DOWN = "down"        # 抹零: toward zero
    UP = "up"            # away from zero

    @property
    def decimal_mode(self) -> str:
        return {"half_up": ROUND_HALF_UP, "down": ROUND_DOWN, "up": ROUND_UP}[self.value]


@dataclass(frozen=True)
class Rounding:
    step: Decimal = Decimal("1")
    mode: RoundingMode = RoundingMode.HALF_UP


def round_to(value: Decimal, rule: Rounding) -> Decimal:
    """`value` rounded to a whole number of `rule.step`, as money with two decimals."""
    steps = (value / rule.step).quantize(Decimal("1"), rounding=rule.mode.decimal_mode)
    return fen(steps * rule.step)

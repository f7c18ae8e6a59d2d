"""A unit's sale status 销售状态 as a viewflow.fsm machine: the only way `Unit.status` changes.

available → reserved → subscribed → signed → filed → delivered, where a deal may enter
at reserved, subscribed or signed; withheld is management taking an available unit off
sale and putting it back; going back (cancellation, expiry, refund) returns a held unit
to available. Delivered is the end: the unit belongs to its buyer.
"""
from __future__ import annotations

from viewflow import fsm

from .errors import UnitStatusRefused
from .models.units import SALE_STATUS_ZH, SaleStatus, Unit

S = SaleStatus

# Forward order of a deal's statuses; holding never moves a unit back along it.
DEAL_ORDER = {S.RESERVED: 1, S.SUBSCRIBED: 2, S.SIGNED: 3, S.FILED: 4, S.DELIVERED: 5}


class UnitSale:
    """Wraps one `Unit`; the caller saves the unit after a transition."""

    status = fsm.State(SaleStatus, default=SaleStatus.AVAILABLE)

    def __init__(self, unit: Unit):
        self.unit = unit

    @status.setter()
    def _set_status(self, value: str) -> None:
        self.unit.status = value

    @status.getter()
    def _get_status(self) -> str:
        return self.unit.status

    @status.transition(source=S.AVAILABLE, target=S.RESERVED)
    def reserve(self) -> None:
        """A small deposit 小订 holds the unit for a limited time."""

    @status.transition(source=[S.AVAILABLE, S.RESERVED], target=S.SUBSCRIBED)
    def subscribe(self) -> None:
        """A subscription 认购 with its deposit; straight from available when nobody reserved first."""

    @status.transition(source=[S.AVAILABLE, S.RESERVED, S.SUBSCRIBED], target=S.SIGNED)
    def sign(self) -> None:
        """The contract is signed (some projects sign without a subscription)."""

    @status.transition(source=S.SIGNED, target=S.FILED)
    def file(self) -> None:
        """The housing authority filed the contract 备案."""

    @status.transition(source=S.FILED, target=S.DELIVERED)
    def deliver(self) -> None:
        """Keys handed over 交付."""

    @status.transition(source=S.SUBSCRIBED, target=S.RESERVED)
    def step_back(self) -> None:
        """A subscription sent back before its deposit (a rejected discount): held, reserved again."""

    @status.transition(source=[S.RESERVED, S.SUBSCRIBED, S.SIGNED, S.FILED], target=S.AVAILABLE)
    def release(self) -> None:
        """Cancellation, expiry or refund: the unit is on sale again."""

    @status.transition(source=S.AVAILABLE, target=S.WITHHELD)
    def withhold(self) -> None:
        """Management takes the unit off sale 销控."""

    @status.transition(source=S.WITHHELD, target=S.AVAILABLE)
    def put_on_sale(self) -> None:
        """Management puts a withheld unit back on sale."""

    def move_back_to(self, target: str) -> None:
        """Step back to an earlier status while still held (only subscribed → reserved), or refuse in words."""
        if S(target) != S.RESERVED:
            raise refused(self.unit, target)
        try:
            self.step_back()
        except fsm.TransitionNotAllowed:
            raise refused(self.unit, target) from None

    def move_to(self, target: str) -> None:
        """Fire the transition that leads to `target`, or refuse in words the user understands."""
        back_on_sale = self.put_on_sale if self.unit.status == S.WITHHELD else self.release
        method = {
            S.RESERVED: self.reserve, S.SUBSCRIBED: self.subscribe, S.SIGNED: self.sign,
            S.FILED: self.file, S.DELIVERED: self.deliver, S.AVAILABLE: back_on_sale,
            S.WITHHELD: self.withhold,
        }[S(target)]
        try:
            method()
        except fsm.TransitionNotAllowed:
            raise refused(self.unit, target) from None


def refused(unit: Unit, target: str) -> UnitStatusRefused:
    current = S(unit.status)
    return UnitStatusRefused(unit=unit.code, current=current.value, target=S(target).value,
                             current_zh=SALE_STATUS_ZH[current], target_zh=SALE_STATUS_ZH[S(target)])

"""The engine's own actions: set a field, start a linked record."""
from __future__ import annotations

from decimal import Decimal

from .actions import EngineActionContext


def set_field(ctx: EngineActionContext, *, field: str, value: object) -> None:
    ctx.kernel.changes[field] = str(value) if isinstance(value, Decimal) else value


def start_linked(ctx: EngineActionContext, *, flow: str, data: dict | None = None) -> None:
    from .records import start_child

    start_child(ctx.record, flow, data or {}, ctx.actor)


IMPLEMENTATIONS = {"record.set": set_field, "record.start_linked": start_linked}

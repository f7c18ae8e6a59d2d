"""Kernel operations that flows call as actions: their declarations.

The declarations are what the flow validator checks every use against. The kernel
operations behind them (row locks, the live-hold constraint, gapless queue numbers)
are the domain-kernel issue's work; until they land the engine refuses to run them.
"""
from __future__ import annotations

from definitions.actions import ActionSpec, ParamKind, ParamSpec

_E = ParamKind.EXPRESSION

SPECS = (
    ActionSpec("unit.hold", {
        "unit": ParamSpec(_E, description="id of the unit to hold for this record"),
        "status": ParamSpec(ParamKind.LITERAL, required=False,
                            schema={"enum": ["reserved", "subscribed", "signed"]},
                            description="sale status while held (default reserved)"),
    }, "Hold a unit for this deal", "为本交易锁定房源", "kernel"),
    ActionSpec("unit.advance", {
        "unit": ParamSpec(_E),
        "status": ParamSpec(ParamKind.LITERAL, schema={"enum": ["subscribed", "signed", "filed", "delivered"]}),
    }, "Move a held unit to its next sale status", "推进房源销售状态", "kernel"),
    ActionSpec("unit.release", {
        "unit": ParamSpec(_E),
    }, "Release the unit held by this deal", "释放本交易锁定的房源", "kernel"),
    ActionSpec("queue.issue", {
        "batch": ParamSpec(_E, description="batch code, e.g. 'A'"),
    }, "Issue the next queue number", "发放下一个排号", "kernel"),
    ActionSpec("queue.void", {}, "Void this record's queue number", "作废本记录的排号", "kernel"),
    ActionSpec("payment.record", {
        "kind": ParamSpec(ParamKind.LITERAL, schema={"enum": [
            "deposit", "down_payment", "installment", "bank_loan", "provident_fund_loan", "refund"]}),
        "amount": ParamSpec(_E, description="a money amount (decimal)"),
    }, "Record a receipt or refund", "登记收款或退款", "kernel"),
)

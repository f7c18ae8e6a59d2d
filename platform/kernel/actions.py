"""Kernel operations that flows call as actions: declarations and the calling contract.

`SPECS` are what the flow validator checks every use against. `IMPLEMENTATIONS` maps
each action name to a function `fn(ctx: ActionContext, **args) -> None` that the engine
calls inside the transition's database transaction, with the arguments already
evaluated (expressions turned into values). A function refuses with a `KernelError`
subclass whose message the user can act on; the engine rolls the transition back.

The operations live in `units`, `queue`, `payments`, `receivables` and `rent_schedule`; they import
models, so this module is importable once Django's apps are ready (as every caller is). The context
they take is `kernel.action_context` (they import it from there, and this module imports them).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate

from definitions.actions import ActionSpec, ParamKind, ParamSpec

from . import payments, queue, receivables, rent_schedule, units
from .action_context import ActionContext
from .models.payments import PaymentKind

_E = ParamKind.EXPRESSION


SPECS = (
    ActionSpec("unit.hold", {
        "unit": ParamSpec(_E, description="id of the unit to hold for this record"),
        "status": ParamSpec(ParamKind.LITERAL, required=False,
                            schema={"enum": ["reserved", "subscribed", "signed"]},
                            description="sale status while held (default reserved)"),
    }, "Hold a unit for this deal", "为本交易锁定房源", "kernel", repeatable=True),
    ActionSpec("unit.advance", {
        "unit": ParamSpec(_E),
        "status": ParamSpec(ParamKind.LITERAL, schema={"enum": ["subscribed", "signed", "filed", "delivered"]}),
    }, "Move a held unit to its next sale status", "推进房源销售状态", "kernel", repeatable=True),
    ActionSpec("unit.step_back", {
        "unit": ParamSpec(_E),
        "status": ParamSpec(ParamKind.LITERAL, required=False, schema={"enum": ["reserved"]},
                            description="earlier sale status to return to, still held (default reserved)"),
    }, "Move a held unit back to an earlier sale status", "房源退回较早的销售状态", "kernel", repeatable=True),
    ActionSpec("unit.release", {
        "unit": ParamSpec(_E),
        "note": ParamSpec(_E, required=False, description="why the unit goes back on sale, kept on the hold"),
    }, "Release the unit held by this deal", "释放本交易锁定的房源", "kernel"),
    ActionSpec("queue.issue", {
        "batch": ParamSpec(_E, description="batch code, e.g. 'A'"),
    }, "Issue the next queue number", "发放下一个排号", "kernel"),
    ActionSpec("queue.void", {
        "reason": ParamSpec(_E, required=False, description="why the number is voided, kept with it"),
    }, "Void this record's queue number", "作废本记录的排号", "kernel"),
    ActionSpec("payment.record", {
        "kind": ParamSpec(ParamKind.LITERAL,  # a credit is a receivables line, never money received
                          schema={"enum": [k.value for k in PaymentKind if k != PaymentKind.CREDIT]}),
        "amount": ParamSpec(_E, description="a money amount (decimal)"),
        "note": ParamSpec(_E, required=False, description="kept with the ledger entry"),
        "overpayment": ParamSpec(_E, required=False,
                                 description="true: finance records what is beyond the amount due as an overpayment"),
    }, "Record a receipt or refund", "登记收款或退款", "kernel"),
    ActionSpec("receivables.schedule", {
        "payment_plan": ParamSpec(_E, description="full, installments, commercial_mortgage, provident_fund, combined"),
        "deal_price": ParamSpec(_E, description="the frozen deal price"),
        "deposit": ParamSpec(_E, required=False, description="the whole deposit 定金, deposits carried included"),
        "down_payment": ParamSpec(_E, required=False, description="the down payment agreed at signing"),
        "signed_on": ParamSpec(_E, required=False, description="date the down payment and installments run from"),
        "commercial_loan": ParamSpec(_E, required=False, description="a combined loan's bank share"),
        "installments": ParamSpec(_E, required=False, description="how many installments (default 1)"),
        "every_months": ParamSpec(_E, required=False, description="months between installments (default 3)"),
        "credit": ParamSpec(_E, required=False, description="the trade-in or lease-to-buy credit 抵扣 taken off "
                            "what the buyer pays, a line settled by itself (kept when not given again)"),
        "replan": ParamSpec(ParamKind.LITERAL, required=False, schema={"type": "boolean"},
                            description="true: only adjust the deal's schedule if it has one (a loan's split)"),
    }, "Schedule what the deal's buyer owes", "生成应收计划", "kernel", repeatable=True),
    ActionSpec("rent.schedule", {
        "term_start": ParamSpec(_E, description="the day the lease starts (rent runs from it)"),
        "monthly_rent": ParamSpec(_E, description="rent per month as signed (used until the record keeps rent_steps)"),
        "payment_cycle": ParamSpec(_E, description="monthly, quarterly, half_yearly or yearly"),
        "term_end": ParamSpec(_E, required=False, description="the last day of the term (wins over term_months)"),
        "term_months": ParamSpec(_E, required=False, description="the term in months, without term_end"),
        "rent_free_days": ParamSpec(_E, required=False, description="the first days from the start not charged"),
        "escalation_rate": ParamSpec(_E, required=False, description="yearly increase, e.g. 0.05"),
        "deposit": ParamSpec(_E, required=False, description="the security deposit 押金, due on signed_on"),
        "signed_on": ParamSpec(_E, required=False, description="the day the deposit is due (default today)"),
        "change": ParamSpec(ParamKind.LITERAL, required=False,
                            schema={"enum": ["sign", "renew", "expand", "terminate"]},
                            description="sign (default): draw from the terms; or the change to apply"),
        "effective_on": ParamSpec(_E, required=False, description="expand: the new rent's first day; "
                                  "terminate: the move-out day (charged)"),
        "new_rent": ParamSpec(_E, required=False, description="renew, expand: the new rent per month"),
        "new_end": ParamSpec(_E, required=False, description="renew: the new last day of the term"),
    }, "Draw up or change the lease's rent schedule", "生成或调整租金计划", "kernel", repeatable=True,
        needs={"change": {"renew": ("new_end", "new_rent"), "expand": ("effective_on", "new_rent"),
                          "terminate": ("effective_on",)}},
        one_of=(("term_end", "term_months"),)),
    ActionSpec("receivables.void", {}, "Drop the receivables schedule this draft drew up",
               "作废本草稿生成的应收计划", "kernel", repeatable=True),
    ActionSpec("receivables.due", {
        "kind": ParamSpec(ParamKind.LITERAL, schema={"enum": ["area_difference", "fee"]}),
        "amount": ParamSpec(_E, description="a money amount (decimal)"),
        "due_on": ParamSpec(_E, required=False, description="date it is due (default today)"),
    }, "Add an amount due to the deal's receivables", "增加应收款项", "kernel"),
)

IMPLEMENTATIONS: dict[str, Callable[Concatenate[ActionContext, ...], object]] = {
    "unit.hold": units.hold,
    "unit.advance": units.advance,
    "unit.release": units.release,
    "unit.step_back": units.step_back,
    "queue.issue": queue.issue,
    "queue.void": queue.void,
    "payment.record": payments.record,
    "receivables.schedule": receivables.schedule,
    "receivables.due": receivables.due,
    "receivables.void": receivables.void,
    "rent.schedule": rent_schedule.schedule,
}

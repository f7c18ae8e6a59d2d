"""The pricing actions flows call: `pricing.quote`, `pricing.freeze_rules` and `pricing.settle_area`.

They run inside the transition's transaction; `quote` and `settle_area` write their
result into a record field the flow names (`into`), as JSON with money in decimal strings.
A quote is priced under the rules in force when it is made, and frozen in its snapshot.
The area rule's decisive moment is the contract's signing: `freeze_rules` (in the
signing step) freezes the revision in force then on the contract, and the settlement,
months later, settles under it (docs/plugins.md, "Rules over time").
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from extensions.api import (
    ActionSpec,
    InvalidArgument,
    ParamKind,
    ParamSpec,
    PluginError,
    RulesMissing,
    Unit,
    UnitNotFound,
    deal_rules,
    decimal_of,
    decimal_text,
    int_of,
    local_date,
    money_text,
    rules_for,
)

from . import errors
from .area_settlement import settle
from .credits import CreditKind, CreditRefused
from .discounts import DiscountRefused
from .manual_discount import Approval, ManualDiscountRefused
from .price_list import UnitFacts
from .quote import SNAPSHOT_FORMAT, make_quote
from .rules import PricingRules, parse

_E, _F = ParamKind.EXPRESSION, ParamKind.FIELD

QUOTE = ActionSpec("pricing.quote", {
    "unit": ParamSpec(_E, description="id of the unit to price"),
    "into": ParamSpec(_F, description="object field that keeps the frozen quote, e.g. price_snapshot"),
    "payment_plan": ParamSpec(_E, required=False, description="selects discounts limited to payment plans"),
    "discounts": ParamSpec(_E, required=False, description="list of on-request discount codes the deal asks for"),
    "manual_discount": ParamSpec(_E, required=False, description="share taken off after the chain, e.g. '0.01'"),
    "approved": ParamSpec(_E, required=False,
                          description="whether a discount above the allowance was approved; when given and false, "
                                      "such a discount is refused"),
    "deal_price_into": ParamSpec(_F, required=False, description="money field that gets the deal price "
                                 "(the contract price, before any credit)"),
    "list_price_into": ParamSpec(_F, required=False, description="money field that gets the list price"),
    "trade_in_credit": ParamSpec(_E, required=False,
                                 description="the old home's value credited (置换), e.g. record.trade_in_credit; "
                                             "paid toward the deal price, after the discounts"),
    "lease_credit": ParamSpec(_E, required=False,
                              description="rent credited on a lease-to-buy (以租代买), e.g. record.lease_credit; "
                                          "paid toward the deal price, after the discounts"),
}, "Quote and freeze the price", "报价并冻结价格", repeatable=True)

SETTLE_AREA = ActionSpec("pricing.settle_area", {
    "contracted_area": ParamSpec(_E, description="contract area on the pricing basis, m²"),
    "measured_area": ParamSpec(_E, description="surveyed area on the same basis, m²"),
    "price_per_m2": ParamSpec(_E, description="contract price per m², e.g. record.price_snapshot.deal_price_per_m2"),
    "into": ParamSpec(_F, description="object field that keeps the settlement"),
}, "Compute the area settlement", "计算面积补差", repeatable=True)

FREEZE_RULES = ActionSpec("pricing.freeze_rules", {}, "Freeze the pricing rules in force on the signed contract",
                          "在签约时锁定当时生效的定价规则", repeatable=True)

_LEVEL_WORDS = {Approval.APPROVAL: ("approval", "折扣审批"), Approval.COUNTERSIGN: ("countersigning by the director "
                                                                                   "and finance", "总监与财务会签")}


def quote(ctx, *, unit: object, into: str, payment_plan: object = None, discounts: object = None,
          manual_discount: object = None, approved: object = None, deal_price_into: str | None = None,
          list_price_into: str | None = None, trade_in_credit: object = None, lease_credit: object = None) -> None:
    """Price the unit under the project's rules and freeze the quote on the record.

    The quote records which approval its manual discount needs (`needs_approval`,
    `approval`), for the next transition's guard to route the deal. A flow that also
    passes `approved` (say, `record.discount_approved` when it signs) gets a refusal
    instead of a frozen price when a discount above the allowance was not approved, so
    a misconfigured guard cannot let one through.

    `trade_in_credit` and `lease_credit` (nothing, empty or 0: none) are credit lines after
    the discounts: paid by the old home or the rent, not taken off the price, so
    `deal_price_into` gets the contract price before them (the receivables take the credit
    as a line settled by itself, `receivables.schedule`'s `credit`).
    A credit above the rules' cap for its kind, or credits above the price, are refused.
    """
    rules = _rules(ctx)
    found = _unit(ctx, unit)
    if found.list_price is None or found.list_price <= 0:
        raise errors.NoListPrice(unit=found.code)
    rate = Decimal("0") if manual_discount in (None, "") else decimal_of(manual_discount, "manual_discount")
    requested = _codes(discounts)
    credits = {CreditKind.TRADE_IN: _credit(trade_in_credit, "trade_in_credit"),
               CreditKind.LEASE: _credit(lease_credit, "lease_credit")}
    on = local_date(ctx.project_id, ctx.now)
    try:
        q = make_quote(unit_facts(found), found.pk, found.list_price, rules,
                       payment_plan=None if payment_plan is None else str(payment_plan),  # a plan's name
                       requested=requested, manual_rate=rate, on=on, credits=credits)
    except CreditRefused as exc:
        raise _credit_refusal(exc) from None
    except DiscountRefused as exc:
        if exc.reason == "unknown":
            raise errors.UnknownDiscount(discount=exc.code, known=", ".join(exc.known) or "-") from None
        raise errors.DiscountConditionsNotMet(discount=exc.code, plan=payment_plan or "-", on=on) from None
    except ManualDiscountRefused as exc:
        raise errors.ManualDiscountNotAllowed(rate=decimal_text(rate),
                                              limit=decimal_text(exc.limit) if exc.limit is not None else "<1") from None
    if q.approval is not Approval.NONE and approved is not None and not approved:
        en, zh = _LEVEL_WORDS[q.approval]
        raise errors.DiscountNeedsApproval(rate=decimal_text(rate), allowance=decimal_text(rules.manual.consultant_allowance),
                                           level_en=en, level_zh=zh)
    ctx.changes[into] = q.snapshot(ctx.now)
    if deal_price_into:
        ctx.changes[deal_price_into] = money_text(q.deal_price)
    if list_price_into:
        ctx.changes[list_price_into] = money_text(q.list_price)


def freeze_rules(ctx) -> None:
    """Freeze on this record (the contract being signed) the pricing revision in force now.

    Its area settlement later settles under that revision, whatever is published by
    then. A project without pricing rules has nothing to freeze (its settlement will
    say so); freezing again (a retried signing) changes nothing.
    """
    try:
        deal_rules.freeze(ctx.project_id, "pricing", record_id=ctx.record_id, reference=ctx.reference, at=ctx.now,
                          lineage=ctx.deal)
    except RulesMissing:
        pass


def settle_area(ctx, *, contracted_area: object, measured_area: object, price_per_m2: object, into: str) -> None:
    """The settlement of one contract under the area rule frozen on its deal, kept on the settlement record.

    The revision is the one frozen at the contract's signing (`freeze_rules`); a deal
    signed before any was frozen (a flow version without the step) is frozen at its
    first settlement, on the settlement record, so a re-run after a rejection reads the
    same revision. Computing it closes the deal's pricing terms: applying newer rules
    to open deals leaves it alone.
    """
    found = deal_rules.freeze(ctx.project_id, "pricing", record_id=ctx.record_id, reference=ctx.reference,
                              at=ctx.now, lineage=ctx.deal)
    rules = parse(found.config, found.revision)
    contracted = _positive(contracted_area, "contracted_area")
    measured = _positive(measured_area, "measured_area")
    price = decimal_of(price_per_m2, "price_per_m2")
    if price < 0:
        raise InvalidArgument(name="price_per_m2", expected="a price of 0 or more", expected_zh="不小于 0 的价格",
                              value=price_per_m2)
    s = settle(contracted, measured, price, rules.area)
    ctx.changes[into] = {
        "format": SNAPSHOT_FORMAT,
        "rules_revision": rules.revision,
        "rule": {"band": decimal_text(rules.area.band), "increase_factor": decimal_text(rules.area.increase_factor),
                 "decrease_factor": decimal_text(rules.area.decrease_factor),
                 "cancel_beyond_band": rules.area.cancel_beyond_band},
        "contracted_area": decimal_text(s.contracted_area), "measured_area": decimal_text(s.measured_area),
        "price_per_m2": money_text(s.price_per_m2), "ratio": decimal_text(s.ratio),
        "difference": decimal_text(s.difference), "within_band": decimal_text(s.within_band),
        "beyond_band": decimal_text(s.beyond_band), "buyer_pays": money_text(s.buyer_pays),
        "refund": money_text(s.refund), "developer_bears": money_text(s.developer_bears),
        "amount": money_text(s.amount), "may_cancel": s.may_cancel,
    }
    deal_rules.close(ctx.project_id, "pricing", ctx.deal, ctx.now)


def _rules(ctx) -> PricingRules:
    found = rules_for(ctx.project_id, "pricing", ctx.now)
    return parse(found.config, found.revision)


def _unit(ctx, unit: object) -> Unit:
    unit_id = int_of(unit, "unit")
    found = Unit.objects.select_related("building").filter(project_id=ctx.project_id, pk=unit_id).first()
    if found is None:
        raise UnitNotFound(unit=unit)
    return found


def unit_facts(unit: Unit) -> UnitFacts:
    return UnitFacts(unit.code, unit.building.code, unit.floor, unit.orientation, unit.built_area, unit.inner_area)


def _codes(value: object) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidArgument(name="discounts", expected="a list of discount codes", expected_zh="折扣代码列表", value=value)


def _credit(value: object, name: str) -> Decimal:
    """A credit in money: nothing (None, empty) is none; 0 or more, to the fen."""
    if value in (None, ""):
        return Decimal("0.00")
    amount = decimal_of(value, name)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidArgument(name=name, expected="an amount of 0 or more, to the fen",
                              expected_zh="不小于 0 的金额（精确到分）", value=value)
    return amount


def _credit_refusal(exc: CreditRefused) -> PluginError:
    """The refusal in words: which credit, how much, and the cap or the price it went past."""
    credit_en, credit_zh = exc.kind.words
    words = {"credit_en": credit_en, "credit_zh": credit_zh, "kind": exc.kind.value,
             "amount": money_text(exc.amount), "limit": money_text(exc.limit)}
    if exc.reason == "price":
        return errors.CreditAbovePrice(**words, left=money_text(exc.limit), price=money_text(exc.price))
    cap_en, cap_zh = [], []
    cap = exc.cap  # a refusal by the cap names it
    if cap is not None and cap.max_share_of_price is not None:
        share = format((cap.max_share_of_price * 100).normalize(), "f")
        cap_en.append(f"{share} % of the price after discounts")
        cap_zh.append(f"折后价的 {share}%")
    if cap is not None and cap.max_amount is not None:
        cap_en.append(f"at most {money_text(cap.max_amount)}")
        cap_zh.append(f"最高 {money_text(cap.max_amount)}")
    return errors.CreditAboveCap(**words, cap_en=", ".join(cap_en), cap_zh="，".join(cap_zh))


def _positive(value: object, name: str) -> Decimal:
    number = decimal_of(value, name)
    if number <= 0:
        raise InvalidArgument(name=name, expected="an area above 0", expected_zh="大于 0 的面积", value=value)
    return number

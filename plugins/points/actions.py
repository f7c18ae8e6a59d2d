"""The points actions flows call: `points.award`, `points.redeem` and `points.reverse`.

What identifies an event, so that it awards once:
- a purchase or a referral: the deal, i.e. the oldest record of the acting record's
  lineage (a reservation that became a subscription and then a contract is one deal);
- an event: the event code and the acting record (one attendance record, one award);
- a redemption: the acting record, so a retried transition redeems once.

`points.reverse` names the award the same way, so any record of the deal (the contract,
its area settlement) can take back the deal's purchase or referral points, once,
whoever earned them; a deal that earned nothing has nothing to reverse.
"""
from __future__ import annotations

from extensions.api import (
    ActionSpec,
    Customer,
    CustomerNotFound,
    InvalidArgument,
    ParamKind,
    ParamSpec,
    int_of,
    money_text,
    rules_for,
    to_money,
)

from . import ledger
from .earning import purchase_points
from .errors import NoSuchRule, UnknownEvent
from .models import AwardRule, PointsLot
from .rules import PointsRules, parse

_E, _F = ParamKind.EXPRESSION, ParamKind.FIELD

AWARD = ActionSpec("points.award", {
    "rule": ParamSpec(ParamKind.LITERAL, schema={"enum": ["purchase", "referral", "event"]},
                      description="which earning rule applies"),
    "customer": ParamSpec(_E, description="id of the member who earns the points"),
    "amount": ParamSpec(_E, required=False, description="the purchase amount (rule purchase)"),
    "event": ParamSpec(_E, required=False, description="the event code (rule event), e.g. 'open_day'"),
    "into": ParamSpec(_F, required=False, description="integer field that gets the points awarded"),
}, "Award membership points", "发放会员积分", repeatable=True)

REDEEM = ActionSpec("points.redeem", {
    "customer": ParamSpec(_E, description="id of the member"),
    "points": ParamSpec(_E, description="how many points to redeem"),
    "into": ParamSpec(_F, required=False, description="money field that gets what the points are worth"),
}, "Redeem membership points", "兑换会员积分")


REVERSE = ActionSpec("points.reverse", {
    "rule": ParamSpec(ParamKind.LITERAL, schema={"enum": ["purchase", "referral", "event"]},
                      description="which award of this deal (or, for an event, of this record) to take back"),
    "event": ParamSpec(_E, required=False, description="the event code (rule event), e.g. 'open_day'"),
    "reason": ParamSpec(_E, required=False, description="why, kept in the points journal"),
    "into": ParamSpec(_F, required=False, description="integer field that gets the points taken back"),
}, "Reverse awarded membership points", "冲回已发放的会员积分", repeatable=True)


def award(ctx, *, rule: str, customer: object, amount: object = None, event: object = None,
          into: str | None = None) -> None:
    rules = _rules(ctx)
    customer_id = _customer(customer)
    if rule == AwardRule.PURCHASE:
        if rules.yuan_per_point is None:
            raise NoSuchRule(rule="purchase")
        points = purchase_points(to_money(amount, "amount"), rules.yuan_per_point, rules.purchase_cap)
        note = "signed purchase"
    elif rule == AwardRule.REFERRAL:
        if rules.referral_points is None:
            raise NoSuchRule(rule="referral")
        points, note = rules.referral_points, "referral that signed"
    else:
        found = rules.events.get(str(event))
        if found is None:
            raise UnknownEvent(event=event, known=", ".join(rules.events) or "-")
        points, note, event = found.points, found.title, found.code
    ledger.award(project_id=ctx.project_id, customer_id=customer_id, rule=rule,
                 source_key=_source_key(ctx, rule, event), reference=ctx.reference, points=points, rules=rules,
                 now=ctx.now, note=note)
    if into:
        ctx.changes[into] = points


def redeem(ctx, *, customer: object, points: object, into: str | None = None) -> None:
    rules = _rules(ctx)
    if rules.redemption_yuan_per_point is None:
        raise NoSuchRule(rule="redemption")
    wanted = int_of(points, "points")
    if wanted <= 0:
        raise InvalidArgument(name="points", expected="a positive number of points", expected_zh="正整数积分",
                              value=points)
    ledger.redeem(project_id=ctx.project_id, customer_id=_customer(customer), points=wanted,
                  source_key=f"redeem:{ctx.record_id}", reference=ctx.reference, rules=rules, now=ctx.now)
    if into:
        ctx.changes[into] = money_text(wanted * rules.redemption_yuan_per_point)


def reverse(ctx, *, rule: str, event: object = None, reason: object = None, into: str | None = None) -> None:
    """Take back the award `rule` made for this deal (an event: for this record); see ledger.reverse."""
    if rule == AwardRule.EVENT and (event is None or (isinstance(event, str) and not event.strip())):
        raise InvalidArgument(name="event", expected="an event code", expected_zh="活动代码", value=event)
    key = _source_key(ctx, rule, event)
    taken = 0
    if PointsLot.objects.filter(account__project_id=ctx.project_id, source_key=key).exists():
        done = ledger.reverse(project_id=ctx.project_id, source_key=key, reference=ctx.reference, rules=_rules(ctx),
                              now=ctx.now, note=str(reason or ""))
        taken = sum(r.taken for r in done)
    if into:
        ctx.changes[into] = taken


def _source_key(ctx, rule: str, event: object = None) -> str:
    """What names an award, for `award` and `reverse` alike (see above): the deal, or an event and this record."""
    if rule == AwardRule.EVENT:
        return f"event:{event}:{ctx.record_id}"
    return f"{rule}:{ctx.deal[-1]}"


def _rules(ctx) -> PointsRules:
    """The rules in force at the event (the moment the action runs), kept on the award's lot."""
    found = rules_for(ctx.project_id, "points", ctx.now)
    return parse(found.config, found.revision)


def _customer(value: object) -> int:
    customer_id = int_of(value, "customer")
    if not Customer.objects.filter(pk=customer_id).exists():
        raise CustomerNotFound(customer_id=customer_id)
    return customer_id

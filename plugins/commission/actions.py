"""The commission actions flows call: `commission.accrue`, `commission.release`, `commission.claw_back`."""
from __future__ import annotations

from extensions.api import ActionSpec, InvalidArgument, ParamKind, ParamSpec, int_of, to_money

from . import ledger

_E = ParamKind.EXPRESSION

ACCRUE = ActionSpec("commission.accrue", {
    "contract_amount": ParamSpec(_E, description="the contract amount commission is a rate of (a resale: the agreed "
                                                 "price)"),
    "consultant": ParamSpec(_E, required=False, description="user id of the sales consultant (a resale: who handled "
                                                            "it, the agent)"),
    "channel": ParamSpec(_E, required=False, description="code of the agency channel that brought the buyer"),
    "referrer": ParamSpec(_E, required=False, description="who referred the buyer (全民经纪), e.g. a customer id"),
    "kind": ParamSpec(ParamKind.LITERAL, required=False, schema={"enum": ["sale", "resale"]},
                      description="sale (default): a new-home sale, channel rate, consultant tiers, referral bonus, "
                                  "payable once filed and collected; resale: the rules' resale rate for the "
                                  "consultant, payable at once (call it when the title is transferred)"),
}, "Accrue commission on the signed deal", "计提佣金", repeatable=True)

RELEASE = ActionSpec("commission.release", {
    "filed": ParamSpec(_E, required=False, description="true in the transition that records the filing"),
}, "Make commission payable once filed and enough is collected", "满足条件后佣金转为可结算", repeatable=True)

CLAW_BACK = ActionSpec("commission.claw_back", {
    "reason": ParamSpec(_E, required=False, description="kept on the deal"),
}, "Reverse and claw back the cancelled deal's commission", "退房冲销并追回佣金", repeatable=True)


def accrue(ctx, *, contract_amount: object, consultant: object = None, channel: object = None,
           referrer: object = None, kind: object = "sale") -> None:
    if kind == "resale":
        for name, value in (("channel", channel), ("referrer", referrer)):
            if value not in (None, ""):
                raise InvalidArgument(name=name, expected="nothing for a resale (its commission is the consultant's "
                                                          "resale rate)", expected_zh="空（二手房佣金只计给置业顾问）",
                                      value=value)
        ledger.accrue_resale(
            project_id=ctx.project_id, record_id=ctx.record_id, reference=ctx.reference,
            sale_price=to_money(contract_amount, "contract_amount"),
            consultant_id=None if consultant in (None, "") else int_of(consultant, "consultant"), now=ctx.now)
        return
    ledger.accrue(
        project_id=ctx.project_id, record_id=ctx.record_id, reference=ctx.reference, lineage=ctx.deal,
        contract_amount=to_money(contract_amount, "contract_amount"),
        consultant_id=None if consultant in (None, "") else int_of(consultant, "consultant"),
        channel=_text(channel, "channel"), referrer=_text(referrer, "referrer"), now=ctx.now)


def release(ctx, *, filed: object = False) -> None:
    ledger.release(project_id=ctx.project_id, lineage=ctx.deal, filed=bool(filed), now=ctx.now)


def claw_back(ctx, *, reason: object = "") -> None:
    ledger.claw_back(project_id=ctx.project_id, lineage=ctx.deal, reason=str(reason or ""),
                     now=ctx.now)


def _text(value: object, name: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgument(name=name, expected="a code or an id", expected_zh="代码或编号", value=value)
    text = str(value).strip()
    if len(text) > 64:
        raise InvalidArgument(name=name, expected="at most 64 characters", expected_zh="不超过 64 个字符", value=value)
    return text

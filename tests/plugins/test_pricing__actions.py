"""`pricing.quote` and `pricing.settle_area` as the engine calls them: fn(ctx, **evaluated_args)."""
from decimal import Decimal as D

import pytest

from extensions import registry
from extensions.errors import RulesMissing
from kernel.errors import KernelError, UnitNotFound
from kernel.models import Project
from plugins.pricing.errors import (
    DiscountConditionsNotMet,
    DiscountNeedsApproval,
    ManualDiscountNotAllowed,
    UnknownDiscount,
)

from .conftest import make_ctx, make_unit

quote = registry.implementations()["pricing.quote"]
settle_area = registry.implementations()["pricing.settle_area"]


def test_quote_freezes_every_figure_on_the_record(pricing_rules, project):
    # given: 3-1502, list price 3 058 300.00, 128.50 m² built; full payment, a referral, 1 % off by hand
    unit = make_unit(project)
    ctx = make_ctx(project)

    # when
    quote(ctx, unit=unit.pk, into="price_snapshot", payment_plan="full", discounts=["referral"],
          manual_discount="0.01", deal_price_into="deal_price", list_price_into="list_price")

    # then: 3 058 300.00 × 0.98 × 0.99 × 0.99 = 2 937 491.03 (fen at each step); × 0.99 = 2 908 116.12 → 2 908 116.00
    assert ctx.changes == {
        "deal_price": "2908116.00",
        "list_price": "3058300.00",
        "price_snapshot": {
            "format": 1,
            "quoted_at": "2026-05-12T10:00:00+08:00",
            "rules_revision": 1,
            "unit": {"id": unit.pk, "code": "3-1502", "floor": 15, "orientation": "南", "built_area": "128.50",
                     "inner_area": "101.37"},
            "basis": "built_area",
            "area": "128.50",
            "payment_plan": "full",
            "list_price": "3058300.00",
            "discounts": [
                {"code": "full_payment", "title": "一次性付款 98 折", "multiplier": "0.98", "before": "3058300.00",
                 "after": "2997134.00"},
                {"code": "launch", "title": "开盘 99 折", "multiplier": "0.99", "before": "2997134.00",
                 "after": "2967162.66"},
                {"code": "referral", "title": "老带新 99 折", "multiplier": "0.99", "before": "2967162.66",
                 "after": "2937491.03"},
            ],
            "manual_discount": {"rate": "0.01", "before": "2937491.03", "after": "2908116.12",
                                "consultant_allowance": "0.02", "countersign_above": "0.05"},
            "rounding": {"step": "1", "mode": "half_up"},
            "deal_price": "2908116.00",
            # 2 908 116.00 / 128.50 = 22 631.2529… → 22 631.25: P for a later area settlement
            "deal_price_per_m2": "22631.25",
            # (3 058 300 − 2 908 116) / 3 058 300 = 0.049107…
            "total_discount_rate": "0.0491",
            "approval": "none",
            "needs_approval": False,
        },
    }


@pytest.mark.parametrize("rate, approval", [("0.03", "approval"), ("0.06", "countersign")])
def test_an_approved_discount_above_the_allowance_is_frozen_with_its_approval_level(pricing_rules, project, rate,
                                                                                  approval):
    ctx = make_ctx(project)

    quote(ctx, unit=make_unit(project).pk, into="price_snapshot", payment_plan="installments",
          manual_discount=rate, approved=True)

    assert (ctx.changes["price_snapshot"]["approval"], ctx.changes["price_snapshot"]["needs_approval"]) == (
        approval, True)


def test_a_quote_records_the_approval_its_discount_needs_for_the_guard_to_read(pricing_rules, project):
    ctx = make_ctx(project)

    quote(ctx, unit=make_unit(project).pk, into="price_snapshot", manual_discount=D("0.03"))

    assert (ctx.changes["price_snapshot"]["approval"], ctx.changes["price_snapshot"]["needs_approval"]) == (
        "approval", True)


def test_a_discount_above_the_allowance_said_not_approved_is_refused_and_nothing_is_written(pricing_rules, project):
    ctx = make_ctx(project)

    with pytest.raises(DiscountNeedsApproval) as refused:
        quote(ctx, unit=make_unit(project).pk, into="price_snapshot", manual_discount=D("0.03"), approved=False)

    assert refused.value.message_en == ("a manual discount of 0.03 is above the consultant's allowance of 0.02: "
                                        "submit it for approval")
    assert refused.value.message_zh == "手工折扣 0.03 超出置业顾问权限 0.02，请提交折扣审批"
    assert isinstance(refused.value, KernelError)  # so the engine rolls back and shows these words
    assert ctx.changes == {}


@pytest.mark.parametrize("args, error, message", [
    ({"manual_discount": "0.11", "approved": True}, ManualDiscountNotAllowed,
     "a manual discount of 0.11 is not allowed (the most anyone may grant is 0.10)"),
    ({"discounts": ["staff"]}, UnknownDiscount,
     "there is no discount 'staff' in this project's pricing rules (they have: full_payment, mortgage, launch, "
     "referral)"),
    ({"payment_plan": "commercial_mortgage", "discounts": ["full_payment"]}, DiscountConditionsNotMet,
     "discount 'full_payment' does not apply to this deal (payment plan commercial_mortgage, date 2026-05-12)"),
    ({"unit": 999999}, UnitNotFound, "there is no unit 999999 in this project"),
])
def test_quote_refusals_say_what_to_do(pricing_rules, project, args, error, message):
    ctx = make_ctx(project)
    arguments = {"unit": make_unit(project).pk, "into": "price_snapshot", **args}

    with pytest.raises(error) as refused:
        quote(ctx, **arguments)

    assert refused.value.message_en == message
    assert ctx.changes == {}


def test_a_unit_of_another_project_cannot_be_quoted(pricing_rules, project):
    other = make_unit(Project.objects.create(code="OTHER", name="Other"))

    with pytest.raises(UnitNotFound):
        quote(make_ctx(project), unit=other.pk, into="price_snapshot")


def test_a_project_without_pricing_rules_is_told_how_to_set_them(project):
    with pytest.raises(RulesMissing) as refused:
        quote(make_ctx(project), unit=make_unit(project).pk, into="price_snapshot")

    assert refused.value.message_en == ("project PLG has no pricing rules yet: an admin must set them "
                                        "(manage.py rules publish --project PLG pricing FILE)")


def test_settle_area_keeps_the_settlement_on_the_record(pricing_rules, project):
    # given: contract 128.50 m² at 22 631.25 per m²; surveyed 124.00 m² (−3.50 %)
    ctx = make_ctx(project, flow="area_settlement")

    # when
    settle_area(ctx, contracted_area="128.50", measured_area=D("124.00"), price_per_m2="22631.25", into="settlement")

    # then: band 3.855 m² at P = 87 243.4688 and 0.645 m² at 2P = 29 194.3125 → 116 437.78 refunded
    assert ctx.changes == {"settlement": {
        "format": 1, "rules_revision": 1,
        "rule": {"band": "0.03", "increase_factor": "0", "decrease_factor": "2", "cancel_beyond_band": True},
        "contracted_area": "128.50", "measured_area": "124.00", "price_per_m2": "22631.25", "ratio": "-0.035019",
        "difference": "-4.50", "within_band": "-3.8550", "beyond_band": "-0.6450", "buyer_pays": "0.00",
        "refund": "116437.78", "developer_bears": "0.00", "amount": "-116437.78", "may_cancel": True,
    }}



@pytest.mark.parametrize("args, message", [
    ({"manual_discount": 0.05}, "manual_discount must be a decimal number, got 0.05"),
    ({"manual_discount": "abc"}, "manual_discount must be a decimal number, got abc"),
    ({"unit": D("1.5")}, "unit must be a whole number, got 1.5"),
])
def test_an_argument_of_the_wrong_kind_is_refused_by_name_and_shown_as_typed(pricing_rules, project, args, message):
    from extensions.errors import InvalidArgument

    with pytest.raises(InvalidArgument) as refused:
        quote(make_ctx(project), **{"unit": make_unit(project).pk, "into": "price_snapshot", **args})

    assert refused.value.message_en == message

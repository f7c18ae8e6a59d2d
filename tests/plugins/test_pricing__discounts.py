"""The discount chain, applied in the configured order; manual discounts and their approval level."""
from datetime import date
from decimal import Decimal as D

import pytest

from plugins.pricing.discounts import Discount, DiscountRefused, applicable, apply_chain
from plugins.pricing.manual_discount import Approval, ManualDiscountRefused, ManualDiscountRules, approval_needed

FULL = Discount("full_payment", "一次性付款", D("0.98"), frozenset({"full"}))
MORTGAGE = Discount("mortgage", "按揭", D("0.99"), frozenset({"commercial_mortgage", "provident_fund", "combined"}))
LAUNCH = Discount("launch", "开盘", D("0.99"), valid_until=date(2026, 6, 30))
REFERRAL = Discount("referral", "老带新", D("0.99"), on_request=True)
CHAIN = (FULL, MORTGAGE, LAUNCH, REFERRAL)
MAY, JULY = date(2026, 5, 12), date(2026, 7, 1)


@pytest.mark.parametrize("plan, requested, on, codes, final", [
    # 3 058 300.00 × 0.98 = 2 997 134.00 × 0.99 = 2 967 162.66 × 0.99 = 2 937 491.0334 → 2 937 491.03
    ("full", ["referral"], MAY, ["full_payment", "launch", "referral"], D("2937491.03")),
    # 3 058 300.00 × 0.98 = 2 997 134.00 × 0.99 = 2 967 162.66
    ("full", [], MAY, ["full_payment", "launch"], D("2967162.66")),
    # mortgage: 3 058 300.00 × 0.99 = 3 027 717.00 × 0.99 = 2 997 439.83
    ("commercial_mortgage", [], MAY, ["mortgage", "launch"], D("2997439.83")),
    # the launch discount ended on 30 June: 3 058 300.00 × 0.99 = 3 027 717.00
    ("provident_fund", [], JULY, ["mortgage"], D("3027717.00")),
    # installments earn no plan discount; asking in another order changes nothing
    ("installments", ["referral"], MAY, ["launch", "referral"], D("2997439.83")),
])
def test_chain_applies_each_discount_to_what_the_previous_left(plan, requested, on, codes, final):
    discounts = applicable(CHAIN, payment_plan=plan, requested=requested, on=on)
    price, steps = apply_chain(D("3058300.00"), discounts)

    assert [s.code for s in steps] == codes
    assert price == final
    assert [s.before for s in steps[1:]] == [s.after for s in steps[:-1]]


def test_each_step_is_rounded_to_the_fen_before_the_next():
    price, steps = apply_chain(D("1000.01"), [LAUNCH, REFERRAL])

    # 1000.01 × 0.99 = 990.0099 → 990.01; × 0.99 = 980.1099 → 980.11 (980.10980... without the step rounding)
    assert [(s.before, s.after) for s in steps] == [(D("1000.01"), D("990.01")), (D("990.01"), D("980.11"))]
    assert price == D("980.11")


@pytest.mark.parametrize("plan, requested, code, reason", [
    ("full", ["staff"], "staff", "unknown"),
    ("commercial_mortgage", ["full_payment"], "full_payment", "conditions_not_met"),
])
def test_asking_for_a_discount_that_cannot_apply_is_refused(plan, requested, code, reason):
    with pytest.raises(DiscountRefused) as refused:
        applicable(CHAIN, payment_plan=plan, requested=requested, on=MAY)

    assert (refused.value.code, refused.value.reason) == (code, reason)


LIMITS = ManualDiscountRules(consultant_allowance=D("0.02"), countersign_above=D("0.05"), maximum=D("0.10"))


@pytest.mark.parametrize("rate, expected", [
    (D("0"), Approval.NONE),
    (D("0.02"), Approval.NONE),          # exactly the allowance: the consultant may
    (D("0.0201"), Approval.APPROVAL),
    (D("0.05"), Approval.APPROVAL),      # exactly the countersign threshold: one approval
    (D("0.0501"), Approval.COUNTERSIGN),
    (D("0.10"), Approval.COUNTERSIGN),   # exactly the maximum: still possible, with both signatures
])
def test_manual_discount_needs_approval_beyond_the_allowance(rate, expected):
    assert approval_needed(rate, LIMITS) is expected


@pytest.mark.parametrize("rate", [D("0.1001"), D("-0.01"), D("1")])
def test_manual_discount_beyond_the_maximum_or_out_of_range_is_refused(rate):
    with pytest.raises(ManualDiscountRefused):
        approval_needed(rate, LIMITS)


def test_without_a_countersign_threshold_any_discount_above_the_allowance_needs_one_approval():
    assert approval_needed(D("0.09"), ManualDiscountRules(consultant_allowance=D("0.02"))) is Approval.APPROVAL

"""Credits in `pricing.quote` (issue 15 item 5): a trade-in's old home 置换 and a lease-to-buy's rent 以租代买,
taken off after every discount as credit lines, never counted as a discount.

Every case prices 3-1502 of the example rules (plugins/pricing/example-rules.json): list price
3 058 300.00, 128.50 m² built; full payment 98 折, launch 99 折 (until 2026-06-30; the quote is on
2026-05-12), a consultant's allowance of 2 % (approval above, countersign above 5 %, 10 % at most),
rounding to the yuan half up; credits capped at 50 % of the price after discounts (trade-in) and
300 000.00 (lease). Figures are worked out by hand in the comments, to the fen.
"""
import copy
from datetime import timedelta
from decimal import Decimal as D

import pytest

from extensions import registry
from extensions.errors import InvalidArgument
from extensions.rulesets import publish_rules
from kernel.errors import KernelError
from kernel.models import Unit
from plugins.pricing.errors import CreditAboveCap, CreditAbovePrice, ManualDiscountNotAllowed

from .conftest import NOW, example_rules, make_ctx, make_unit, publish_at

quote = registry.implementations()["pricing.quote"]


def quoted(project, now=None, **args) -> dict:
    """What pricing.quote writes for 3-1502 with these arguments (quoted at `now`, default the tests' NOW)."""
    unit = Unit.objects.filter(project=project, code="3-1502").first() or make_unit(project)
    ctx = make_ctx(project, flow="subscription", **({} if now is None else {"now": now}))
    quote(ctx, unit=unit.pk, into="price_snapshot", deal_price_into="deal_price", list_price_into="list_price",
          **args)
    return ctx.changes


def rules_with(change) -> dict:
    config = copy.deepcopy(example_rules("pricing"))
    change(config)
    return config


def test_a_trade_in_credit_is_a_line_after_the_discounts_and_pays_part_of_the_deal_price(pricing_rules, project):
    # 3 058 300.00 × 0.98 = 2 997 134.00; × 0.99 (launch) = 2 967 162.66; 2 % by hand: × 0.98 = 2 907 819.4068
    # → 2 907 819.41; to the yuan: 2 907 819.00 after discounts, the deal (contract) price. The old home:
    # 1 450 000.00 (at most 50 % of 2 907 819.00 = 1 453 909.50) → the buyer pays 2 907 819.00 − 1 450 000.00
    # = 1 457 819.00 in money.
    changes = quoted(project, payment_plan="full", manual_discount="0.02", trade_in_credit="1450000.00")

    snapshot = changes["price_snapshot"]
    assert (changes["list_price"], changes["deal_price"]) == ("3058300.00", "2907819.00")
    assert [(d["code"], d["before"], d["after"]) for d in snapshot["discounts"]] == [
        ("full_payment", "3058300.00", "2997134.00"), ("launch", "2997134.00", "2967162.66")]
    assert (snapshot["manual_discount"]["before"], snapshot["manual_discount"]["after"]) == ("2967162.66", "2907819.41")
    assert snapshot["price_after_discounts"] == "2907819.00"
    assert snapshot["credits"] == [
        {"credit": "trade_in", "amount": "1450000.00", "before": "2907819.00", "after": "1457819.00"}]
    assert (snapshot["deal_price"], snapshot["credited"], snapshot["to_pay"]) == (
        "2907819.00", "1450000.00", "1457819.00")
    # not a discount: (3 058 300 − 2 907 819) / 3 058 300 = 0.049204… ; P = 2 907 819.00 / 128.50 = 22 628.94
    assert (snapshot["total_discount_rate"], snapshot["deal_price_per_m2"]) == ("0.0492", "22628.94")
    # 2 % is the consultant's own allowance: a credit of 47 % of the price asks nobody's approval
    assert (snapshot["approval"], snapshot["needs_approval"]) == ("none", False)


def test_a_lease_credit_is_taken_off_to_the_fen_without_rounding(pricing_rules, project):
    # installments: launch only, 3 058 300.00 × 0.99 = 3 027 717.00 (already whole yuan); rent paid
    # 123 456.78 (at most 300 000.00) → 3 027 717.00 − 123 456.78 = 2 904 260.22, fen kept: the rent was
    # paid to the fen, rounding it would give or take money nobody paid
    changes = quoted(project, payment_plan="installments", lease_credit="123456.78")

    snapshot = changes["price_snapshot"]
    assert (changes["deal_price"], snapshot["to_pay"]) == ("3027717.00", "2904260.22")
    assert snapshot["price_after_discounts"] == "3027717.00"
    assert snapshot["credits"] == [
        {"credit": "lease", "amount": "123456.78", "before": "3027717.00", "after": "2904260.22"}]
    # (3 058 300 − 3 027 717) / 3 058 300 = 0.0100; P = 3 027 717.00 / 128.50 = 23 562.00
    assert (snapshot["total_discount_rate"], snapshot["deal_price_per_m2"]) == ("0.0100", "23562.00")


def test_both_credits_apply_trade_in_first_then_lease(pricing_rules, project):
    # 3 027 717.00 − 1 000 000.00 = 2 027 717.00; − 200 000.00 = 1 827 717.00
    changes = quoted(project, payment_plan="installments", trade_in_credit=D("1000000.00"), lease_credit="200000")

    assert changes["price_snapshot"]["credits"] == [
        {"credit": "trade_in", "amount": "1000000.00", "before": "3027717.00", "after": "2027717.00"},
        {"credit": "lease", "amount": "200000.00", "before": "2027717.00", "after": "1827717.00"}]
    assert (changes["deal_price"], changes["price_snapshot"]["credited"], changes["price_snapshot"]["to_pay"]) == (
        "3027717.00", "1200000.00", "1827717.00")


@pytest.mark.parametrize("rate, approval", [("0.03", "approval"), ("0.06", "countersign"), ("0.10", "countersign")])
def test_the_discount_ceiling_and_approvals_read_the_discounts_alone(pricing_rules, project, rate, approval):
    # full payment and launch leave 2 967 162.66; whatever the credit, the approval is the manual rate's:
    # 3 % the manager's, 6 % and 10 % (the maximum, still allowed) the countersign's
    changes = quoted(project, payment_plan="full", manual_discount=rate, trade_in_credit="1000000.00")

    assert (changes["price_snapshot"]["approval"], changes["price_snapshot"]["needs_approval"]) == (approval, True)


def test_a_credit_does_not_let_a_discount_past_the_maximum(pricing_rules, project):
    with pytest.raises(ManualDiscountNotAllowed):
        quoted(project, payment_plan="full", manual_discount="0.11", trade_in_credit="1000000.00")


def test_the_same_deal_without_credits_has_no_credit_keys(pricing_rules, project):
    # a quote without credits is the one before credits existed: format 1 unchanged
    plain = quoted(project, payment_plan="full")
    for nothing in (None, "", "0", D("0.00")):
        assert quoted(project, payment_plan="full", trade_in_credit=nothing, lease_credit=nothing) == plain
    assert not {"credits", "price_after_discounts", "credited", "to_pay"} & set(plain["price_snapshot"])
    # 3 058 300.00 × 0.98 × 0.99 = 2 967 162.66 → 2 967 163.00
    assert plain["deal_price"] == "2967163.00"


def test_a_trade_in_credit_above_the_cap_is_refused_in_both_languages(pricing_rules, project):
    # after discounts 2 967 163.00 (full payment, launch); 50 % of it is 1 483 581.50
    ctx = make_ctx(project)
    with pytest.raises(CreditAboveCap) as refused:
        quote(ctx, unit=make_unit(project).pk, into="price_snapshot", payment_plan="full", trade_in_credit="1483581.51")

    assert refused.value.message_en == (
        "a trade-in credit of 1483581.51 is above this project's cap of 1483581.50 (50 % of the price after "
        "discounts): agree a lower credit, or have an admin change the pricing rules (credits.trade_in)")
    assert refused.value.message_zh == (
        "置换抵扣额 1483581.51 超出本项目上限 1483581.50（折后价的 50%），请协商降低抵扣额，"
        "或请管理员修改定价规则（credits.trade_in）")
    assert isinstance(refused.value, KernelError) and ctx.changes == {}  # the engine rolls back and shows the words
    # exactly the cap is allowed: 2 967 163.00 − 1 483 581.50 = 1 483 581.50
    assert quoted(project, payment_plan="full", trade_in_credit="1483581.50")["price_snapshot"]["to_pay"] == (
        "1483581.50")


def test_a_lease_credit_above_its_amount_cap_is_refused(pricing_rules, project):
    with pytest.raises(CreditAboveCap) as refused:
        quoted(project, payment_plan="installments", lease_credit="300000.01")

    assert refused.value.message_en == (
        "a lease-to-buy credit of 300000.01 is above this project's cap of 300000.00 (at most 300000.00): agree a "
        "lower credit, or have an admin change the pricing rules (credits.lease)")
    assert refused.value.message_zh == ("以租代买抵扣额 300000.01 超出本项目上限 300000.00（最高 300000.00），"
                                        "请协商降低抵扣额，或请管理员修改定价规则（credits.lease）")


def test_both_caps_of_one_kind_the_lower_one_holds(project):
    # trade-in at most 40 % and 1 000 000.00: on 2 967 163.00 the share gives 1 186 865.20, the amount is lower
    publish_rules(project, "pricing", rules_with(lambda c: c["credits"].update(
        trade_in={"max_share_of_price": "0.40", "max_amount": "1000000.00"})))

    with pytest.raises(CreditAboveCap) as refused:
        quoted(project, payment_plan="full", trade_in_credit="1000000.01")

    assert refused.value.params["limit"] == "1000000.00"
    assert "(40 % of the price after discounts, at most 1000000.00)" in refused.value.message_en
    assert "（折后价的 40%，最高 1000000.00）" in refused.value.message_zh


def test_credits_above_the_price_are_refused_nothing_left_to_pay_at_most(project):
    # no caps in these rules: only the price limits a credit
    publish_rules(project, "pricing", rules_with(lambda c: c.pop("credits")))
    # after discounts 2 967 163.00: a trade-in of 2 000 000.00 leaves 967 163.00, the rent 967 163.01 is a fen too many
    with pytest.raises(CreditAbovePrice) as refused:
        quoted(project, payment_plan="full", trade_in_credit="2000000.00", lease_credit="967163.01")

    assert refused.value.message_en == (
        "a lease-to-buy credit of 967163.01 is more than the 967163.00 left to pay (price after discounts 2967163.00): "
        "credits cannot pay more than the price; choose a dearer unit or a lower credit")
    assert refused.value.message_zh == ("以租代买抵扣额 967163.01 超过待付金额 967163.00（折后价 2967163.00），"
                                        "抵扣不能超过成交价；请选择总价更高的房源或降低抵扣额")
    # down to zero is allowed: the old home and the rent pay for it all, at the same deal price
    paid = quoted(project, payment_plan="full", trade_in_credit="2000000.00", lease_credit="967163.00")
    assert (paid["deal_price"], paid["price_snapshot"]["to_pay"]) == ("2967163.00", "0.00")


def test_a_cap_of_zero_allows_no_credit_of_that_kind(project):
    publish_rules(project, "pricing", rules_with(lambda c: c["credits"].update(lease={"max_share_of_price": "0"})))

    with pytest.raises(CreditAboveCap, match="cap of 0.00"):
        quoted(project, payment_plan="full", lease_credit="0.01")


@pytest.mark.parametrize("args, message", [
    ({"trade_in_credit": "-1.00"}, "trade_in_credit must be an amount of 0 or more, to the fen, got -1.00"),
    ({"lease_credit": "100.005"}, "lease_credit must be an amount of 0 or more, to the fen, got 100.005"),
    ({"trade_in_credit": 0.5}, "trade_in_credit must be a decimal number, got 0.5"),
])
def test_a_credit_that_is_not_money_is_refused_by_name(pricing_rules, project, args, message):
    with pytest.raises(InvalidArgument) as refused:
        quoted(project, payment_plan="full", **args)

    assert refused.value.message_en == message


def test_a_frozen_quote_keeps_its_credit_when_the_rules_change_later(pricing_rules, project):
    # frozen under revision 1 (trade-in at most 50 %): 2 967 163.00 − 1 450 000.00 = 1 517 163.00 to pay
    frozen = quoted(project, payment_plan="full", trade_in_credit="1450000.00")["price_snapshot"]
    kept = copy.deepcopy(frozen)

    # the project lowers the cap to 30 % (revision 2): the deal keeps its price; only a new quote reads
    # the new rules, and refuses the same credit (30 % of 2 967 163.00 = 890 148.90)
    lower = rules_with(lambda c: c["credits"].update(trade_in={"max_share_of_price": "0.30"}))
    later = NOW + timedelta(hours=1)
    publish_at(project, "pricing", lower, later)  # in force from an hour after the first quote
    with pytest.raises(CreditAboveCap, match="cap of 890148.90"):
        quoted(project, now=later, payment_plan="full", trade_in_credit="1450000.00")

    assert frozen == kept
    assert (frozen["rules_revision"], frozen["deal_price"], frozen["to_pay"]) == (1, "2967163.00", "1517163.00")
    requoted = quoted(project, now=later, payment_plan="full", trade_in_credit="890148.90")["price_snapshot"]
    assert (requoted["rules_revision"], requoted["to_pay"]) == (2, "2077014.10")  # 2 967 163.00 − 890 148.90


@pytest.mark.parametrize("credits, problems", [
    ({"trade_in": {"max_share_of_price": "1.5"}},
     ["credits.trade_in.max_share_of_price: must be between 0 and 1 (0.30 is 30 % of the price after discounts)"]),
    ({"lease": {"max_amount": "-1.00"}}, ["credits.lease.max_amount: must not be negative"]),
    ({"deposit": {"max_amount": "1.00"}}, ["credits.deposit: unknown key 'deposit'"]),
    ({"trade_in": {"share": "0.3"}}, ["credits.trade_in.share: unknown key 'share'"]),
])
def test_credit_caps_are_checked_with_their_path(credits, problems):
    config = rules_with(lambda c: c.update(credits=credits))

    assert [f"{p.path_text}: {p.message()}" for p in registry.validate_rules("pricing", config)] == problems

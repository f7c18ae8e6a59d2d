"""Pricing refusals, in words the consultant can act on."""
from __future__ import annotations

from extensions.api import PluginError


class NoListPrice(PluginError):
    code = "pricing_no_list_price"
    template_en = "unit {unit} has no list price yet: load the approved price list first"
    template_zh = "房源 {unit} 尚无表价，请先导入已审批的价目表"


class UnknownDiscount(PluginError):
    code = "pricing_unknown_discount"
    template_en = "there is no discount '{discount}' in this project's pricing rules (they have: {known})"
    template_zh = "本项目定价规则中没有折扣「{discount}」（现有：{known}）"


class DiscountConditionsNotMet(PluginError):
    code = "pricing_discount_conditions"
    template_en = "discount '{discount}' does not apply to this deal (payment plan {plan}, date {on})"
    template_zh = "折扣「{discount}」不适用于本交易（付款方式 {plan}，日期 {on}）"


class ManualDiscountNotAllowed(PluginError):
    code = "pricing_manual_discount_refused"
    template_en = "a manual discount of {rate} is not allowed (the most anyone may grant is {limit})"
    template_zh = "不允许 {rate} 的手工折扣（最高可批 {limit}）"


class DiscountNeedsApproval(PluginError):
    code = "pricing_discount_needs_approval"
    template_en = ("a manual discount of {rate} is above the consultant's allowance of {allowance}: "
                   "submit it for {level_en}")
    template_zh = "手工折扣 {rate} 超出置业顾问权限 {allowance}，请提交{level_zh}"


class CreditAboveCap(PluginError):
    """A trade-in or lease credit above the cap the project's rules set for its kind (`credits`)."""

    code = "pricing_credit_above_cap"
    template_en = ("a {credit_en} of {amount} is above this project's cap of {limit} ({cap_en}): agree a lower "
                   "credit, or have an admin change the pricing rules (credits.{kind})")
    template_zh = "{credit_zh} {amount} 超出本项目上限 {limit}（{cap_zh}），请协商降低抵扣额，或请管理员修改定价规则（credits.{kind}）"


class CreditAbovePrice(PluginError):
    """Credits that would pay more than the deal price."""

    code = "pricing_credit_above_price"
    template_en = ("a {credit_en} of {amount} is more than the {left} left to pay (price after discounts {price}): "
                   "credits cannot pay more than the price; choose a dearer unit or a lower credit")
    template_zh = "{credit_zh} {amount} 超过待付金额 {left}（折后价 {price}），抵扣不能超过成交价；请选择总价更高的房源或降低抵扣额"

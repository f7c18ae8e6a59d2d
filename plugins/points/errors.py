"""Points refusals."""
from __future__ import annotations

from extensions.api import PluginError


class PointsInsufficient(PluginError):
    code = "points_insufficient"
    template_en = "customer #{customer} has {balance} points; {wanted} cannot be redeemed"
    template_zh = "客户 #{customer} 仅有 {balance} 积分，无法兑换 {wanted} 积分"


class BelowRedemptionMinimum(PluginError):
    code = "points_below_minimum"
    template_en = "at least {minimum} points must be redeemed at a time, not {wanted}"
    template_zh = "每次至少兑换 {minimum} 积分，不能兑换 {wanted} 积分"


class NoSuchRule(PluginError):
    code = "points_no_rule"
    template_en = "this project's points rules have no {rule} rule"
    template_zh = "本项目积分规则中没有「{rule}」规则"


class UnknownEvent(PluginError):
    code = "points_unknown_event"
    template_en = "there is no event '{event}' in this project's points rules (they have: {known})"
    template_zh = "本项目积分规则中没有活动「{event}」（现有：{known}）"

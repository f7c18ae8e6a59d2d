"""Commission refusals, in words the person acting can act on."""
from __future__ import annotations

from extensions.api import PluginError


class UnknownChannel(PluginError):
    code = "commission_unknown_channel"
    template_en = "there is no channel '{channel}' in this project's commission rules (they have: {known})"
    template_zh = "本项目佣金规则中没有渠道「{channel}」（现有：{known}）"


class DealCancelled(PluginError):
    code = "commission_deal_cancelled"
    template_en = "{reference} was cancelled; commission cannot accrue on it again"
    template_zh = "{reference} 已退房，不能再次计提佣金"


class ClawbackOutstanding(PluginError):
    code = "commission_clawback_outstanding"
    template_en = "{beneficiary} owes {owed} in clawbacks, more than is payable: nothing to pay"
    template_zh = "{beneficiary} 有待追回佣金 {owed}，超过可结算金额，本次无可支付"

"""The commission plugin's hooks."""
from __future__ import annotations

from extensions.api import PluginAction, PluginInfo, Write, WriteKind, hookimpl

from . import actions, rules


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo("commission", "Commission", "佣金", "1",
                      "Channel rates, consultant tiers, referral bonuses, resale commission; a ledger with "
                      "clawbacks and statements.")


@hookimpl
def plugin_actions() -> list[PluginAction]:
    return [PluginAction(actions.ACCRUE, actions.accrue), PluginAction(actions.RELEASE, actions.release),
            PluginAction(actions.CLAW_BACK, actions.claw_back)]


@hookimpl
def plugin_rule_schema() -> dict:
    return rules.schema()


@hookimpl
def plugin_check_rules(config):
    return rules.check(config)


@hookimpl
def plugin_writes() -> list[Write]:
    return [
        Write(WriteKind.TABLE, "commission.CommissionDeal", "one row per signed deal (a new-home sale, or a resale "
                                                            "at closing): amount, consultant, channel, referrer, "
                                                            "filed / payable / cancelled moments"),
        Write(WriteKind.TABLE, "commission.CommissionEntry", "ledger entries per beneficiary: accrued, payable, paid, "
                                                             "reversed; clawbacks as negative entries"),
        Write(WriteKind.TABLE, "commission.ConsultantMonth", "a lock row per consultant and month"),
    ]


@hookimpl
def plugin_code_lists(config):
    """The agency channels of the rules, by their titles."""
    return {"channels": [(c["code"], c.get("title") or c["code"]) for c in config.get("channels", [])]}

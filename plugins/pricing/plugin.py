"""The pricing plugin's hooks: who it is, its actions, its rule schema and checks, what it writes."""
from __future__ import annotations

from extensions.api import PluginAction, PluginInfo, Write, WriteKind, hookimpl

from . import actions, rules


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo("pricing", "Pricing", "定价", "1",
                      "Price lists, discount chains, rounding, frozen quotes and area settlement.")


@hookimpl
def plugin_actions() -> list[PluginAction]:
    return [PluginAction(actions.QUOTE, actions.quote), PluginAction(actions.SETTLE_AREA, actions.settle_area),
            PluginAction(actions.FREEZE_RULES, actions.freeze_rules)]


@hookimpl
def plugin_rule_schema() -> dict:
    return rules.schema()


@hookimpl
def plugin_check_rules(config):
    return rules.check(config)


@hookimpl
def plugin_writes() -> list[Write]:
    return [
        Write(WriteKind.RECORD_FIELD, "pricing.quote → into (+ deal_price_into, list_price_into)",
              "the frozen quote: list price, each discount, manual discount, deal price, approval needed"),
        Write(WriteKind.RECORD_FIELD, "pricing.settle_area → into",
              "the area settlement: ratio, band split, amount to pay or refund, whether the buyer may cancel"),
        Write(WriteKind.TABLE, "extensions.DealRules (pricing)",
              "pricing.freeze_rules: the pricing revision in force at the contract's signing, for its settlement"),
    ]


@hookimpl
def plugin_code_lists(config):
    """The discounts a consultant may ask for (on request), by the titles the rules give them."""
    return {"discounts": [(d["code"], d.get("title") or d["code"]) for d in config.get("discounts", [])
                          if d.get("on_request")]}

"""The membership points plugin's hooks."""
from __future__ import annotations

from extensions.api import CustomerEvent, CustomerFact, PluginAction, PluginInfo, Write, WriteKind, hookimpl

from . import actions, customer_page, rules


@hookimpl
def plugin_info() -> PluginInfo:
    return PluginInfo("points", "Membership points", "会员积分", "1",
                      "Points for purchases, referrals and events; levels; redemption; expiry oldest first; "
                      "awards reversed when their deal is cancelled.")


@hookimpl
def plugin_actions() -> list[PluginAction]:
    return [PluginAction(actions.AWARD, actions.award), PluginAction(actions.REDEEM, actions.redeem),
            PluginAction(actions.REVERSE, actions.reverse)]


@hookimpl
def plugin_rule_schema() -> dict:
    return rules.schema()


@hookimpl
def plugin_check_rules(config):
    return rules.check(config)


@hookimpl
def plugin_writes() -> list[Write]:
    return [
        Write(WriteKind.TABLE, "points.PointsAccount", "balance, points ever earned and level per member and project"),
        Write(WriteKind.TABLE, "points.PointsLot",
              "one row per award, with what is left, when it expires and when it was reversed"),
        Write(WriteKind.TABLE, "points.PointsEntry", "the append-only journal: earned, redeemed, expired, reversed"),
        Write(WriteKind.RECORD_FIELD, "points.award → into / points.redeem → into / points.reverse → into",
              "points awarded; what redeemed points are worth; points taken back"),
    ]


@hookimpl
def plugin_customer_facts(customer_id: int, project_ids) -> list[CustomerFact]:
    return customer_page.facts(customer_id, project_ids)


@hookimpl
def plugin_customer_events(customer_id: int, project_ids, limit: int) -> list[CustomerEvent]:
    return customer_page.events(customer_id, project_ids, limit)

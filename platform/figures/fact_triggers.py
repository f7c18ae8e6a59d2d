"""The triggers that keep figures_dealfact (figures.models.DealFact) in the transaction of the facts.

Written once as portable statements, with the two dialects' JSON access filled in:
- after a history entry of a subscription or its contract: a subscription entering
  `awaiting_contract` gets its row (the first time only); then the deal's signing and
  cancellation dates are read again from its history (the first `signed` of its
  contract; the first `refund_pending`/`cancelled` of the subscription, else of the
  contract with `filing_deregistration`), and its values from its records;
- after a subscription or contract is written (its data: price, consultant, customer),
  the row is refreshed from the subscription and its first contract.
So the rows say what figures.deals.live_deals computes from the history, which the
tests check after random sequences of events. The engine's tables are the engine's;
these triggers only read them and write figures' own table.
"""
from __future__ import annotations

SUB_CANCELLED = "('refund_pending', 'cancelled')"
CON_CANCELLED = "('refund_pending', 'cancelled', 'filing_deregistration')"


def _json(vendor: str):
    if vendor == "postgresql":
        def text(alias: str, key: str) -> str:
            return f"({alias}.data ->> '{key}')"

        def number(alias: str, key: str) -> str:
            t = text(alias, key)
            return f"(CASE WHEN {t} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN {t}::numeric END)"
    else:
        def text(alias: str, key: str) -> str:
            return f"CAST(json_extract({alias}.data, '$.{key}') AS TEXT)"

        def number(alias: str, key: str) -> str:
            return f"CAST(json_extract({alias}.data, '$.{key}') AS NUMERIC)"
    return text, number


def refresh_sql(vendor: str, target: str) -> str:
    """UPDATE the deal rows `target` names (an SQL condition on subscription_id) from their records."""
    text, number = _json(vendor)
    first_contract = ("FROM engine_record c WHERE c.parent_id = figures_dealfact.subscription_id "
                      "AND c.flow = 'contract' ORDER BY c.id LIMIT 1")
    own = "FROM engine_record s WHERE s.id = figures_dealfact.subscription_id"
    return (f"UPDATE figures_dealfact SET "
            f"contract_id = (SELECT c.id {first_contract}), "
            f"sub_amount = (SELECT {number('s', 'deal_price')} {own}), "
            f"sign_amount = (SELECT {number('c', 'deal_price')} {first_contract}), "
            f"consultant = COALESCE((SELECT {text('c', 'consultant_id')} {first_contract}), "
            f"(SELECT {text('s', 'consultant_id')} {own})), "
            f"customer_key = (SELECT {text('s', 'customer_id')} {own}) "
            f"WHERE {target}")


def _history_statements(vendor: str) -> list[str]:
    deal = ("COALESCE((SELECT r.parent_id FROM engine_record r WHERE r.id = NEW.record_id AND r.flow = 'contract'), "
            "NEW.record_id)")
    insert = ("INSERT INTO figures_dealfact (subscription_id, project_id, subscribed_at) "
              "SELECT r.id, r.project_id, NEW.at FROM engine_record r "
              "WHERE r.id = NEW.record_id AND r.flow = 'subscription' AND NEW.to_state = 'awaiting_contract'")
    insert += " ON CONFLICT (subscription_id) DO NOTHING" if vendor == "postgresql" else ""
    if vendor != "postgresql":
        insert = insert.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1)
    return [insert, dates_sql(f"subscription_id = {deal}"), refresh_sql(vendor, f"subscription_id = {deal}")]


def dates_sql(target: str) -> str:
    """The signing and cancellation dates of the deals `target` names, from their history (as live_deals reads it)."""
    first = "SELECT MIN(h.at) FROM engine_historyentry h WHERE h.record_id = {rec} AND h.to_state IN {states}"
    contract = ("(SELECT c.id FROM engine_record c WHERE c.parent_id = figures_dealfact.subscription_id "
                "AND c.flow = 'contract' ORDER BY c.id LIMIT 1)")
    return ("UPDATE figures_dealfact SET "
            f"signed_at = ({first.format(rec=contract, states=chr(40) + repr('signed') + chr(41))}), "
            f"cancelled_at = COALESCE(({first.format(rec='figures_dealfact.subscription_id', states=SUB_CANCELLED)}), "
            f"({first.format(rec=contract, states=CON_CANCELLED)})) WHERE {target}")


def _record_target() -> str:
    return "subscription_id = (CASE WHEN NEW.flow = 'contract' THEN NEW.parent_id ELSE NEW.id END)"


def trigger_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        history = ";\n".join(_history_statements(vendor))
        record = refresh_sql(vendor, _record_target())
        return [
            f"CREATE OR REPLACE FUNCTION figures_deal_fact_history() RETURNS trigger AS $$ BEGIN\n{history};\n"
            f"RETURN NULL; END $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE FUNCTION figures_deal_fact_record() RETURNS trigger AS $$ BEGIN\n{record};\n"
            f"RETURN NULL; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER figures_deal_fact_history AFTER INSERT ON engine_historyentry "
            "FOR EACH ROW EXECUTE FUNCTION figures_deal_fact_history()",
            "CREATE TRIGGER figures_deal_fact_record AFTER INSERT OR UPDATE ON engine_record "
            "FOR EACH ROW WHEN (NEW.flow IN ('subscription', 'contract')) EXECUTE FUNCTION figures_deal_fact_record()",
        ]
    history = ";\n".join(_history_statements(vendor))
    record = refresh_sql(vendor, _record_target())
    return [
        f"CREATE TRIGGER figures_deal_fact_history AFTER INSERT ON engine_historyentry BEGIN\n{history};\nEND",
        f"CREATE TRIGGER figures_deal_fact_record_insert AFTER INSERT ON engine_record "
        f"WHEN NEW.flow IN ('subscription', 'contract') BEGIN\n{record};\nEND",
        f"CREATE TRIGGER figures_deal_fact_record_update AFTER UPDATE ON engine_record "
        f"WHEN NEW.flow IN ('subscription', 'contract') BEGIN\n{record};\nEND",
    ]


DROP = {
    "postgresql": ["DROP TRIGGER IF EXISTS figures_deal_fact_history ON engine_historyentry",
                   "DROP TRIGGER IF EXISTS figures_deal_fact_record ON engine_record",
                   "DROP FUNCTION IF EXISTS figures_deal_fact_history()",
                   "DROP FUNCTION IF EXISTS figures_deal_fact_record()"],
    "sqlite": ["DROP TRIGGER IF EXISTS figures_deal_fact_history",
               "DROP TRIGGER IF EXISTS figures_deal_fact_record_insert",
               "DROP TRIGGER IF EXISTS figures_deal_fact_record_update"],
}
TRIGGER_NAMES = {"postgresql": ["figures_deal_fact_history", "figures_deal_fact_record"],
                 "sqlite": ["figures_deal_fact_history", "figures_deal_fact_record_insert",
                            "figures_deal_fact_record_update"]}


def backfill_sql(vendor: str) -> list[str]:
    """The rows of the deals already in the history (installations upgrading), as the triggers would have made them."""
    return [
        "INSERT INTO figures_dealfact (subscription_id, project_id, subscribed_at) "
        "SELECT r.id, r.project_id, MIN(h.at) FROM engine_record r JOIN engine_historyentry h ON h.record_id = r.id "
        "WHERE r.flow = 'subscription' AND h.to_state = 'awaiting_contract' GROUP BY r.id, r.project_id",
        dates_sql("1 = 1"),
        refresh_sql(vendor, "1 = 1"),
    ]


def create_triggers(apps, schema_editor) -> None:
    for sql in trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor) -> None:
    for sql in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backfill(apps, schema_editor) -> None:
    for sql in backfill_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)

"""The triggers that keep the daily rollups (VisitDay, VisitTotal, RegistrationDay, DealPaid) in the facts' transaction.

Like figures_dealfact (figures.fact_triggers): written once as portable statements, the two
dialects filling in the local day and the JSON. Each fact adds its count (or fen) to the row
of its key and takes it away from the old key when it changes or goes:
- a visit (kind visit) → VisitDay (project, local day, consultant its customer is registered
  to or 0, source type, returning) and VisitTotal (project, local day, returning);
- a registration → RegistrationDay (project, local day, consultant); and it moves its
  customer's visits in VisitDay from "not registered" (0) to its consultant, back when it
  goes, from one consultant to the other when the customer is handed over;
- a payment of a sales kind or a refund → DealPaid (project, deal, local day), plus or minus,
  and DealTotal (the deal's net of all time);
- a project whose time zone changes → its rows are counted again in the new zone.

The local day is read in the project's zone (its `time_zone` setting, else the
installation's TIME_ZONE when the triggers were made), and each row keeps the zone it was
read in, so readers use the rows only when they are in the zone asked for
(figures.rollups). SQLite has no time zones: its triggers call the function Django's
SQLite backend registers on every connection for TruncDate (django_datetime_cast_date),
so SQLite rollups are kept only through Django's connections (the development and test
database). Rows whose count falls to 0 stay (they add nothing).
"""
from __future__ import annotations

from django.conf import settings

from kernel.models import PaymentKind
from kernel.payments import CASH_KINDS

PLUS = tuple(str(k) for k in (*CASH_KINDS, PaymentKind.INSTALLMENT, PaymentKind.AREA_DIFFERENCE,
                               PaymentKind.BANK_LOAN, PaymentKind.PROVIDENT_FUND_LOAN))
REFUND = str(PaymentKind.REFUND)


def _quoted(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _default_zone() -> str:
    zone = str(settings.TIME_ZONE)
    if "'" in zone:  # a zone name never holds a quote; refuse to write one into SQL
        raise ValueError(f"TIME_ZONE {zone!r} is not a time zone name")
    return zone


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def zone_of(self, project_id: str) -> str:
        """The zone name of the project `project_id` names (an SQL expression)."""
        setting = ("(p.settings ->> 'time_zone')" if self.pg else "json_extract(p.settings, '$.time_zone')")
        return (f"COALESCE(NULLIF((SELECT {setting} FROM kernel_project p WHERE p.id = {project_id}), ''), "
                f"'{_default_zone()}')")

    def day(self, moment: str, zone: str) -> str:
        if self.pg:
            return f"(({moment}) AT TIME ZONE ({zone}))::date"
        return f"django_datetime_cast_date({moment}, {zone}, 'UTC')"

    def fen(self, amount: str) -> str:
        return f"CAST(ROUND(({amount}) * 100) AS {'BIGINT' if self.pg else 'INTEGER'})"

    def changed(self, columns: tuple[str, ...]) -> str:
        op = "IS DISTINCT FROM" if self.pg else "IS NOT"
        return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def _upsert(table: str, keys: tuple[str, ...], value: str, select: str) -> str:
    """INSERT the rows `select` gives (keys..., zone, value), adding value to the row already there."""
    columns = ", ".join((*keys, "zone", value))
    return (f"INSERT INTO {table} ({columns}) {select} "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}")


RET = '"returning"'  # the column's name is a keyword in both dialects: always quoted
VISIT_DAY = ("project_id", "day", "consultant_id", "source_type", RET)
VISIT_TOTAL = ("project_id", "day", RET)
REGISTRATION_DAY = ("project_id", "day", "consultant_id")
DEAL_PAID = ("project_id", "deal_id", "day")


def _registered(d: Dialect, row: str) -> str:
    return (f"COALESCE((SELECT r.consultant_id FROM kernel_customerregistration r WHERE r.project_id = {row}.project_id "
            f"AND r.customer_id = {row}.customer_id), 0)")


def visit_statements(d: Dialect, row: str, sign: int) -> list[str]:
    """Add (sign 1) or take away (-1) the visit `row` (NEW or OLD) from VisitDay and VisitTotal."""
    zone = d.zone_of(f"{row}.project_id")
    day = d.day(f"{row}.at", zone)
    where = f"WHERE {row}.kind = 'visit'"
    return [
        _upsert("figures_visitday", VISIT_DAY, "n",
                f"SELECT {row}.project_id, {day}, {_registered(d, row)}, {row}.source_type, {row}.{RET}, {zone}, "
                f"{sign} {where}"),
        _upsert("figures_visittotal", VISIT_TOTAL, "n",
                f"SELECT {row}.project_id, {day}, {row}.{RET}, {zone}, {sign} {where}"),
    ]


def move_visits(d: Dialect, project: str, customer: str, consultant: str, sign: int) -> str:
    """Add (or take away) the customer's visits in the project under `consultant` in VisitDay."""
    zone = d.zone_of("v.project_id")
    return _upsert("figures_visitday", VISIT_DAY, "n",
                   f"SELECT v.project_id, {d.day('v.at', zone)}, {consultant}, v.source_type, v.{RET}, {zone}, "
                   f"{sign} * COUNT(*) FROM kernel_visit v WHERE v.project_id = {project} AND v.customer_id = {customer} "
                   f"AND v.kind = 'visit' GROUP BY 1, 2, 3, 4, 5, 6")


def registration_statements(d: Dialect, row: str, sign: int) -> list[str]:
    """The registration `row` added (1) or taken away (-1): its count, and its customer's visits moved."""
    zone = d.zone_of(f"{row}.project_id")
    count = _upsert("figures_registrationday", REGISTRATION_DAY, "n",
                    f"SELECT {row}.project_id, {d.day(f'{row}.registered_at', zone)}, {row}.consultant_id, {zone}, "
                    f"{sign} WHERE 1 = 1")
    registered, unregistered = f"{row}.consultant_id", "0"
    return [count,
            move_visits(d, f"{row}.project_id", f"{row}.customer_id", unregistered, -sign),
            move_visits(d, f"{row}.project_id", f"{row}.customer_id", registered, sign)]


def _deal_of(record_id: str) -> str:
    """The subscription a record belongs to: itself, its parent or its grandparent (collections.deal_records)."""
    return ("COALESCE((SELECT CASE WHEN r.flow = 'subscription' THEN r.id WHEN pr.flow = 'subscription' THEN pr.id "
            "WHEN gr.flow = 'subscription' THEN gr.id END FROM engine_record r "
            "LEFT JOIN engine_record pr ON pr.id = r.parent_id LEFT JOIN engine_record gr ON gr.id = pr.parent_id "
            f"WHERE r.id = {record_id}), 0)")


def _signed_fen(d: Dialect, row: str) -> str:
    return (f"CASE WHEN {row}.kind = '{REFUND}' THEN -{d.fen(f'{row}.amount')} ELSE {d.fen(f'{row}.amount')} END")


def payment_statements(d: Dialect, row: str, sign: int) -> list[str]:
    zone = d.zone_of(f"{row}.project_id")
    kinds = _quoted((*PLUS, REFUND))
    return [_upsert("figures_dealpaid", DEAL_PAID, "fen",
                    f"SELECT {row}.project_id, {_deal_of(f'{row}.record_id')}, {d.day(f'{row}.received_at', zone)}, "
                    f"{zone}, {sign} * {_signed_fen(d, row)} WHERE {row}.kind IN {kinds}"),
            f"INSERT INTO figures_dealtotal (deal_id, project_id, fen) SELECT {_deal_of(f'{row}.record_id')}, "
            f"{row}.project_id, {sign} * {_signed_fen(d, row)} WHERE {row}.kind IN {kinds} "
            f"AND {_deal_of(f'{row}.record_id')} <> 0 "  # a deal's own row (0, no deal, is never read)
            "ON CONFLICT (deal_id) DO UPDATE SET fen = figures_dealtotal.fen + excluded.fen"]


def rebuild_statements(d: Dialect, project_filter: str) -> list[str]:
    """Count every rollup again from the facts, for the projects `project_filter` names (a condition on `pid`)."""
    def where(alias: str) -> str:
        return project_filter.replace("pid", f"{alias}.project_id")

    zone_v, zone_r, zone_p = d.zone_of("v.project_id"), d.zone_of("r.project_id"), d.zone_of("y.project_id")
    kinds = _quoted((*PLUS, REFUND))
    return [
        f"DELETE FROM figures_visitday WHERE {project_filter.replace('pid', 'project_id')}",
        f"DELETE FROM figures_visittotal WHERE {project_filter.replace('pid', 'project_id')}",
        f"DELETE FROM figures_registrationday WHERE {project_filter.replace('pid', 'project_id')}",
        f"DELETE FROM figures_dealpaid WHERE {project_filter.replace('pid', 'project_id')}",
        f"DELETE FROM figures_dealtotal WHERE {project_filter.replace('pid', 'project_id')}",
        'INSERT INTO figures_visitday (project_id, day, consultant_id, source_type, "returning", zone, n) '
        f"SELECT v.project_id, {d.day('v.at', zone_v)}, COALESCE(r.consultant_id, 0), v.source_type, v.{RET}, "
        f"{zone_v}, COUNT(*) FROM kernel_visit v LEFT JOIN kernel_customerregistration r "
        f"ON r.project_id = v.project_id AND r.customer_id = v.customer_id WHERE v.kind = 'visit' AND {where('v')} "
        "GROUP BY 1, 2, 3, 4, 5, 6",
        'INSERT INTO figures_visittotal (project_id, day, "returning", zone, n) '
        f"SELECT v.project_id, {d.day('v.at', zone_v)}, v.{RET}, {zone_v}, COUNT(*) FROM kernel_visit v "
        f"WHERE v.kind = 'visit' AND {where('v')} GROUP BY 1, 2, 3, 4",
        "INSERT INTO figures_registrationday (project_id, day, consultant_id, zone, n) "
        f"SELECT r.project_id, {d.day('r.registered_at', zone_r)}, r.consultant_id, {zone_r}, COUNT(*) "
        f"FROM kernel_customerregistration r WHERE {where('r')} GROUP BY 1, 2, 3, 4",
        "INSERT INTO figures_dealpaid (project_id, deal_id, day, zone, fen) "
        f"SELECT y.project_id, {_deal_of('y.record_id')}, {d.day('y.received_at', zone_p)}, {zone_p}, "
        f"SUM({_signed_fen(d, 'y')}) FROM kernel_payment y WHERE y.kind IN {kinds} AND {where('y')} "
        "GROUP BY 1, 2, 3, 4",
        "INSERT INTO figures_dealtotal (deal_id, project_id, fen) SELECT deal_id, MIN(project_id), SUM(fen) "
        f"FROM figures_dealpaid WHERE deal_id <> 0 AND {project_filter.replace('pid', 'project_id')} GROUP BY deal_id",
    ]


# table -> (the fact's columns whose change moves it, the statements for a row added/removed)
def _facts(d: Dialect):
    return {
        "kernel_visit": (("project_id", "customer_id", "kind", RET, "source_type", "at"), visit_statements),
        "kernel_customerregistration": (("project_id", "customer_id", "consultant_id", "registered_at"),
                                        registration_statements),
        "kernel_payment": (("project_id", "record_id", "kind", "amount", "received_at"), payment_statements),
    }


def _zone_changed(d: Dialect) -> str:
    if d.pg:
        return "OLD.settings ->> 'time_zone' IS DISTINCT FROM NEW.settings ->> 'time_zone'"
    return "json_extract(OLD.settings, '$.time_zone') IS NOT json_extract(NEW.settings, '$.time_zone')"


def trigger_sql(vendor: str) -> list[str]:
    d = Dialect(vendor)
    out: list[str] = []
    for table, (columns, statements) in _facts(d).items():
        name = f"figures_rollup_{table.removeprefix('kernel_')}"
        added, removed = statements(d, "NEW", 1), statements(d, "OLD", -1)
        if d.pg:
            body = {"INSERT": added, "DELETE": removed, "UPDATE": removed + added}
            branches = "\n".join(f"IF TG_OP = '{op}' THEN\n{';'.join(sql)};\nEND IF;" for op, sql in body.items())
            out += [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN\n{branches}\n"
                    f"RETURN NULL; END $$ LANGUAGE plpgsql",
                    f"CREATE TRIGGER {name}_insert AFTER INSERT OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()",
                    f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} FOR EACH ROW "
                    f"WHEN ({d.changed(columns)}) EXECUTE FUNCTION {name}()"]
        else:
            out += [f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN\n{';'.join(added)};\nEND",
                    f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN\n{';'.join(removed)};\nEND",
                    f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} WHEN {d.changed(columns)} "
                    f"BEGIN\n{';'.join(removed + added)};\nEND"]
    rebuild = ";\n".join(rebuild_statements(d, "pid = NEW.id"))
    if d.pg:
        out += ["CREATE OR REPLACE FUNCTION figures_rollup_zone() RETURNS trigger AS $$ BEGIN\n"
                f"{rebuild};\nRETURN NULL; END $$ LANGUAGE plpgsql",
                f"CREATE TRIGGER figures_rollup_zone AFTER UPDATE ON kernel_project FOR EACH ROW "
                f"WHEN ({_zone_changed(d)}) EXECUTE FUNCTION figures_rollup_zone()"]
    else:
        out.append(f"CREATE TRIGGER figures_rollup_zone AFTER UPDATE ON kernel_project WHEN {_zone_changed(d)} "
                   f"BEGIN\n{rebuild};\nEND")
    return out


def trigger_names(vendor: str) -> list[str]:
    names = []
    for table in ("visit", "customerregistration", "payment"):
        ops = ("insert", "update") if vendor == "postgresql" else ("insert", "delete", "update")
        names += [f"figures_rollup_{table}_{op}" for op in ops]
    return sorted([*names, "figures_rollup_zone"])


def drop_sql(vendor: str) -> list[str]:
    tables = {"visit": "kernel_visit", "customerregistration": "kernel_customerregistration",
              "payment": "kernel_payment", "zone": "kernel_project"}
    out = []
    for name in trigger_names(vendor):
        table = tables[next(k for k in tables if name.startswith(f"figures_rollup_{k}"))]
        out.append(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
    if vendor == "postgresql":
        out += [f"DROP FUNCTION IF EXISTS figures_rollup_{k}()" for k in tables]
    return out


def create_triggers(apps, schema_editor) -> None:
    for sql in trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor) -> None:
    for sql in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def backfill(apps, schema_editor) -> None:
    for sql in rebuild_statements(Dialect(schema_editor.connection.vendor), "1 = 1"):
        schema_editor.execute(sql)

"""Receivables allocated by the database: each line's receipts from running sums (SQL window functions).

`kernel.receivables.allocate` hands a deal's receipts to its lines one by one, in Python, the
oldest due line of the receipt's kind first (undated last). Receipts only ever fill lines in that
order, so what a line received is also what its kind's receipts leave after the earlier lines of
that kind: with `upto` the running sum of the kind's line amounts up to and including the line
(a window `SUM(amount) OVER (PARTITION BY schedule, kind ORDER BY due date, position)`),

    received = min(amount, max(paid to the kind − (upto − amount), 0))

and a credit line (抵扣, `SETTLED_KINDS`) is received by itself. Which receipts a line's kind takes
is the plan's (`lines_of`: a sale's lines no rent, a lease's only rent and security deposits);
overpayments finance recorded and refunds go to no line. A deal's receipts are those of every
record acting for it (`deal_id` and `record_ids`, a JSON list the database expands: PostgreSQL's
`jsonb_array_elements_text`, SQLite's `json_each`).

Money is summed in whole fen (integers) in the query on both databases, so SQLite, which keeps
decimals as floating point, adds exactly too; amounts come back as `Decimal` with two places.

Two reads:
- `line_balances(project_id, schedule_ids)`: every line with what it received, in one query for
  any number of deals: the reference the property test compares with `allocate`
  (tests/kernel/test_receivables_sql.py).
- `summaries(project, today, last_day, show=...)`: the receivables list 应收欠款 (web.views.receivables_due):
  per live deal with a balance its due, received, overdue, oldest overdue date, what falls due
  up to `last_day` and the unit it holds, the deals that gave their unit back left out, filtered
  and in the list's order (most overdue first), in one query whatever the number of deals, read
  row by row as the database sends them (a server-side cursor on PostgreSQL), so an export of
  100,000 rows never holds them all. The same figures as `kernel.dunning.project_balances` (the
  record pages' allocation) and `project_summaries`.

Where a hold's deal ended is followed through at most four transfers, as kernel.dunning does.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from .dunning import DealSummary
from .models.payments import Payment
from .models.projects import Project
from .models.receivables import Receivable, ReceivableSchedule
from .models.units import ReleaseReason, UnitHold
from .receivables import LEASE_LINE_OF, LEASE_PLAN, LINE_OF, SETTLED_KINDS

TRANSFERS = 4  # how far a hold's transfers are followed (kernel.dunning._last)
SHOWS = ("", "overdue", "soon")


@dataclass(frozen=True)
class LineBalance:
    schedule_id: int
    position: int
    kind: str
    due_on: date | None
    amount: Decimal
    received: Decimal

    @property
    def balance(self) -> Decimal:
        return self.amount - self.received


# one deal's figures on a day: the same value the Python allocation gives (kernel.dunning), so callers take either
Summary = DealSummary


def _yuan(fen: object) -> Decimal:
    return Decimal(int(fen or 0)).scaleb(-2)  # type: ignore[call-overload]  # an integer from the query


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])  # SQLite returns a raw column's date as text


def _vendor() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {"least": "LEAST", "greatest": "GREATEST", "collate": ' COLLATE "C"',
                "elements": "jsonb_array_elements_text(CASE WHEN jsonb_typeof(s.record_ids) = 'array' "
                            "THEN s.record_ids ELSE '[]'::jsonb END) AS e(value)"}
    return {"least": "MIN", "greatest": "MAX", "collate": "", "elements": "json_each(s.record_ids) AS e"}


def _execute(cursor, sql: str, params: list) -> None:
    """Run the query; on PostgreSQL planned without JIT compilation, the session's setting put back after.

    The planner takes each deal's `record_ids` for 100 records (it cannot see into JSON), so the query
    looks costly enough to compile, which took longer (some 80 ms at 4,000 deals) than running it. The
    plan is made when the query is sent (a server-side cursor's too), so the setting is restored at once;
    two more statements. A failure inside a transaction leaves the restoring to its rollback.
    """
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    with connection.cursor() as settings:
        settings.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
        was = settings.fetchone()[0]

    def restore() -> None:
        with connection.cursor() as settings:
            settings.execute("SELECT set_config('jit', %s, false)", [was])

    try:
        cursor.execute(sql, params)
    except Exception:
        if not connection.in_atomic_block:
            restore()
        raise
    restore()


def _case(column: str, mapping: dict[str, str], params: list) -> str:
    whens = []
    for kind, target in sorted(mapping.items()):
        whens.append("WHEN %s THEN %s")
        params += [str(kind), str(target)]
    return f"CASE {column} {' '.join(whens)} END"


def _allocated(project_id: int, schedule_ids: Iterable[int] | None) -> tuple[str, list]:
    """The CTEs `sched`, `owner` and `alloc` (each line with its `amount` and `received` in fen) and their params."""
    v = _vendor()
    params: list = [project_id]
    only = ""
    if schedule_ids is not None:
        ids = sorted({int(pk) for pk in schedule_ids}) or [0]
        only = f" AND id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    lease_params: list = []
    sale_params: list = []
    lease_case = _case("p.kind", {str(k): str(t) for k, t in LEASE_LINE_OF.items()}, lease_params)
    sale_case = _case("p.kind", {str(k): str(t) for k, t in LINE_OF.items()}, sale_params)
    settled = ", ".join(["%s"] * len(SETTLED_KINDS))
    sql = f"""
sched AS (
    SELECT id, project_id, deal_id, reference, record_ids, payment_plan
    FROM {ReceivableSchedule._meta.db_table} WHERE project_id = %s{only}
), owner AS (
    SELECT s.id AS schedule_id, s.deal_id AS record_id, s.payment_plan AS plan FROM sched s
    UNION
    SELECT s.id, CAST(e.value AS BIGINT), s.payment_plan FROM sched s, {v["elements"]}
), paid AS (
    SELECT schedule_id, kind, SUM(amount) AS total FROM (
        SELECT o.schedule_id, CASE WHEN o.plan = %s THEN {lease_case} ELSE {sale_case} END AS kind,
               CAST(ROUND(p.amount * 100) AS BIGINT) AS amount
        FROM owner o JOIN {Payment._meta.db_table} p ON p.project_id = %s AND p.record_id = o.record_id
        WHERE p.overpayment = %s) AS receipts
    WHERE kind IS NOT NULL GROUP BY schedule_id, kind
), lines AS (
    SELECT r.schedule_id, r.position, r.kind, r.due_on, CAST(ROUND(r.amount * 100) AS BIGINT) AS amount,
           COALESCE(p.total, 0) AS paid
    FROM {Receivable._meta.db_table} r JOIN sched s ON s.id = r.schedule_id
    LEFT JOIN paid p ON p.schedule_id = r.schedule_id AND p.kind = r.kind
), ranked AS (
    SELECT l.*, SUM(l.amount) OVER (
        PARTITION BY l.schedule_id, l.kind
        ORDER BY CASE WHEN l.due_on IS NULL THEN 1 ELSE 0 END, l.due_on, l.position
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto
    FROM lines l
), alloc AS (
    SELECT r.schedule_id, r.position, r.kind, r.due_on, r.amount,
           CASE WHEN r.kind IN ({settled}) THEN r.amount
                ELSE {v["least"]}(r.amount, {v["greatest"]}(r.paid - (r.upto - r.amount), 0))
           END AS received
    FROM ranked r
)"""
    params += [LEASE_PLAN, *lease_params, *sale_params, project_id, False, *[str(k) for k in SETTLED_KINDS]]
    return sql, params


def line_balances(project_id: int, schedule_ids: Iterable[int] | None = None) -> dict[int, list[LineBalance]]:
    """schedule id -> its lines in position order with what each received, in one query (the project's every
    schedule unless `schedule_ids`)."""
    ctes, params = _allocated(project_id, schedule_ids)
    out: dict[int, list[LineBalance]] = {}
    with connection.cursor() as cursor:
        _execute(cursor, f"WITH {ctes} SELECT schedule_id, position, kind, due_on, amount, received FROM alloc "
                 "ORDER BY schedule_id, position", params)
        for schedule_id, position, kind, due_on, amount, received in cursor.fetchall():
            out.setdefault(schedule_id, []).append(
                LineBalance(schedule_id, position, kind, _day(due_on), _yuan(amount), _yuan(received)))
    return out


def _summary_sql(project_id: int, today: date, last_day: date, show: str,
                 schedule_ids: Iterable[int] | None) -> tuple[str, list]:
    ctes, params = _allocated(project_id, schedule_ids)
    v = _vendor()
    hold = UnitHold._meta.db_table
    chain = [f"LEFT JOIN {hold} h{n} ON h{n}.id = h{n - 1}.transferred_to_id AND h{n}.project_id = h0.project_id"
             for n in range(1, TRANSFERS + 1)]
    last = ", ".join(f"h{n}.id" for n in range(TRANSFERS, -1, -1))
    owed = "a.amount - a.received > 0 AND a.due_on IS NOT NULL"
    where = {"": "", "overdue": " AND f.overdue > 0", "soon": " AND f.soon > 0"}[show]
    sql = f"""WITH {ctes}, figures AS (
    SELECT a.schedule_id, SUM(a.amount) AS due, SUM(a.received) AS received,
           SUM(CASE WHEN {owed} AND a.due_on < %s THEN a.amount - a.received ELSE 0 END) AS overdue,
           MIN(CASE WHEN {owed} AND a.due_on < %s THEN a.due_on END) AS since,
           SUM(CASE WHEN {owed} AND a.due_on >= %s AND a.due_on <= %s THEN a.amount - a.received ELSE 0 END) AS soon
    FROM alloc a GROUP BY a.schedule_id
), ends AS (
    SELECT o.schedule_id, e.id, e.unit_id, e.held_at, e.released_at, e.release_reason
    FROM owner o JOIN {hold} h0 ON h0.project_id = %s AND h0.record_id = o.record_id
    {' '.join(chain)}
    JOIN {hold} e ON e.id = COALESCE({last})
), held AS (
    SELECT schedule_id, SUM(CASE WHEN released_at IS NULL THEN 1 ELSE 0 END) AS live,
           SUM(CASE WHEN release_reason = %s THEN 1 ELSE 0 END) AS released
    FROM ends GROUP BY schedule_id
), unit AS (
    SELECT schedule_id, unit_id FROM (
        SELECT schedule_id, unit_id, ROW_NUMBER() OVER (
            PARTITION BY schedule_id
            ORDER BY CASE WHEN released_at IS NULL THEN 1 ELSE 0 END DESC, held_at DESC, id DESC) AS n
        FROM ends) AS ranked_ends
    WHERE n = 1
)
SELECT s.id, s.deal_id, s.reference, u.unit_id, f.due, f.received, f.overdue, f.since, f.soon
FROM sched s JOIN figures f ON f.schedule_id = s.id
LEFT JOIN held h ON h.schedule_id = s.id LEFT JOIN unit u ON u.schedule_id = s.id
WHERE f.due - f.received > 0 AND NOT (COALESCE(h.live, 0) = 0 AND COALESCE(h.released, 0) > 0){where}
ORDER BY f.overdue DESC, f.due - f.received DESC, s.reference{v["collate"]}, s.id"""
    days: list[date | str] = [today, today, today, last_day]
    if connection.vendor != "postgresql":  # SQLite keeps dates as ISO text, which compares as dates do
        days = [d.isoformat() for d in (today, today, today, last_day)]
    return sql, [*params, *days, project_id, str(ReleaseReason.RELEASED)]


def summaries(project: Project | int, today: date, last_day: date, *, show: str = "",
              schedule_ids: Iterable[int] | None = None, chunk: int = 2000) -> Iterator[Summary]:
    """Each live deal that still owes something on `today`, most overdue first (then the largest balance, then
    the reference), as the database sends them: one query. `show`: "overdue" (only deals with an overdue
    amount) or "soon" (only those with something due from today to `last_day`)."""
    if show not in SHOWS:
        raise ValueError(f"show is one of {SHOWS}, not {show!r}")
    project_id = project.pk if isinstance(project, Project) else int(project)
    sql, params = _summary_sql(project_id, today, last_day, show, schedule_ids)
    with connection.chunked_cursor() as cursor:
        _execute(cursor, sql, params)
        while rows := cursor.fetchmany(chunk):
            for pk, deal_id, reference, unit_id, due, received, overdue, since, soon in rows:
                yield Summary(pk, deal_id, reference, unit_id, _yuan(due), _yuan(received), _yuan(overdue),
                              _day(since), _yuan(soon))


def summary_list(project: Project | int, today: date, last_day: date, *, show: str = "",
                 schedule_ids: Sequence[int] | None = None) -> list[Summary]:
    """`summaries` read whole (a page needs the count and the totals)."""
    return list(summaries(project, today, last_day, show=show, schedule_ids=schedule_ids))


__all__ = ["LineBalance", "Summary", "line_balances", "summaries", "summary_list"]

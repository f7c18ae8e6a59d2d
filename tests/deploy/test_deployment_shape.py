"""The deployment of docs/deployment.md on loopback, and the guarantees that must hold across its processes.

Two "machines" (A and B, each its own var folder and logs) each run a gunicorn instance
with 2 sync workers and a huey consumer (`run_huey --workers 2`), all four sharing one
PostgreSQL database (made for this run, migrated, dropped after) and one Redis queue,
with the production settings of docs/deployment.md (DEBUG off, HTTPS behind a proxy,
static files collected and served by WhiteNoise). Then:

(a) a launch-day rush over HTTP: desk processes, each with one session whose requests
    alternate between the two instances, register holders, take and confirm their
    deposits (which issues queue numbers), then call the numbers in order and pick
    units; the database holds no unit twice and the numbers are 1..N in the order
    the confirmations committed;
(b) due reservation expiries fire exactly once with both consumers running several
    timer jobs at once: one `expire` each, in the Timer row, the history and the unit;
(c) a consumer killed with kill -9 in the middle of a timer transaction loses nothing:
    after its restart every timer has fired exactly once.

PostgreSQL and Redis only: SQLite and SqliteHuey are the one-machine default. CI runs
this (.ci/run sets DATABASE_URL; Redis answers at 127.0.0.1:6379, database 7 here).
"""
from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import yaml
from django.db import connection

from . import shape
from .shape import Shape, until

DESKS = 4
UNITS = 24
HOLDERS = 40
DUE_SOON = 20  # (b): reservations expiring a couple of seconds from now
MANY = 60  # (c): reservations expiring at once, while a consumer is killed

pytestmark = [pytest.mark.postgres]


def _why_not() -> str | None:
    if connection.vendor != "postgresql":
        return ("needs PostgreSQL and Redis: the deployment's processes share a server database and a Redis queue "
                "(run with DATABASE_URL=postgres://...; CI does)")
    problem = shape.redis_problem()
    if problem and os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the deployment test cannot run: {problem}")
    return problem


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """The shape of docs/deployment.md, started; stopped and its database dropped afterwards."""
    why = _why_not()
    if why:
        pytest.skip(why)
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("deploy-shape")
    s = Shape(tmp, connection.settings_dict)
    # One collected copy of the static files for both machines (each machine of a real
    # deployment runs collectstatic, or is given the same release folder).
    # Made before the link: a process of B starting before A's collectstatic made it found a
    # dangling link and failed to create its static folder (FileExistsError).
    (s.var_dir("a") / "static").mkdir()
    (s.var_dir("b") / "static").symlink_to(s.var_dir("a") / "static", target_is_directory=True)
    # A copy of the database these migrations made last time, when the server keeps one
    # (shape.py's template, remade whenever a migration or a pin changes); `migrate` runs
    # on it all the same, and on a server without one migrates from nothing, as CI's first run.
    copied = s.create_database()
    try:
        collect = s.spawn("a", "collectstatic", "--no-input", "-v", "0", *shape.UNUSED_STATIC)
        check = s.spawn("b", "check", "--deploy", "--fail-level", "WARNING")
        migrated = s.manage("a", "migrate", "--no-input", "-v", "1", timeout=600)  # from nothing: minutes when busy
        assert copied == ("No migrations to apply" in migrated), migrated[-2000:]
        s.seconds["migrate"] = time.monotonic() - started
        if not copied:
            s.check_deploy = s.finish(check)  # nothing connected to the database while it is copied
            s.save_template()
        fixture = tmp / "world.yaml"
        fixture.write_text(yaml.safe_dump(shape.world(UNITS, HOLDERS, DESKS, DUE_SOON + MANY), allow_unicode=True),
                           encoding="utf-8")
        s.manage("a", "load_demo", "--file", str(fixture), timeout=600)  # minutes on a busy two-core machine
        s.seconds["load_demo"] = time.monotonic() - started - s.seconds["migrate"]
        if copied:
            s.check_deploy = s.finish(check)
        s.finish(collect, timeout=600)  # compressing every file: minutes on a busy two-core machine
        s.seconds["set-up"] = time.monotonic() - started
        for name, machine in (("web-a", "a"), ("web-b", "b")):
            s.start_web(name, machine)
        for name, machine in (("huey-a", "a"), ("huey-b", "b")):
            s.start_consumer(name, machine)
        for name in ("web-a", "web-b"):
            s.wait_web(name)
        for name in ("huey-a", "huey-b"):  # each consumer's scheduler enqueues the timer job as it starts
            s.wait_log(name, rf"Enqueueing periodic task {shape.TIMER_JOB}")
        s.seconds["started"] = time.monotonic() - started
        yield s
    finally:
        s.stop_all()
        s.close()
        s.flush_queue()
        s.drop_database()


def test_check_deploy_is_clean_under_the_shapes_settings(deployed):
    assert "System check identified no issues" in deployed.check_deploy, deployed.check_deploy


# ---------------------------------------------------------------- (a) the rush

def _project(s: Shape, code: str) -> int:
    return s.sql("SELECT id FROM kernel_project WHERE code = %s", (code,))[0][0]


# name -> SQL counting the violations in project %(p)s (the generic ones are bench/rush.py's)
RUSH_INVARIANTS = {
    "unit in two live holds": """
        SELECT count(*) FROM (SELECT unit_id FROM kernel_unithold WHERE project_id = %(p)s
          AND released_at IS NULL GROUP BY unit_id HAVING count(*) > 1) x""",
    "unit held but on sale": """
        SELECT count(*) FROM kernel_unit u WHERE u.project_id = %(p)s AND u.status = 'available'
          AND EXISTS (SELECT 1 FROM kernel_unithold h WHERE h.unit_id = u.id AND h.released_at IS NULL)""",
    "unit off sale but not held": """
        SELECT count(*) FROM kernel_unit u WHERE u.project_id = %(p)s AND u.status <> 'available'
          AND NOT EXISTS (SELECT 1 FROM kernel_unithold h WHERE h.unit_id = u.id AND h.released_at IS NULL)""",
    "unit picked by two queue numbers": """
        SELECT count(*) FROM (SELECT data->>'unit_id' FROM engine_record WHERE project_id = %(p)s
          AND flow = 'queue_number' AND state = 'reserved' GROUP BY 1 HAVING count(*) > 1) x""",
    "picked unit not held for the deal": """
        SELECT count(*) FROM engine_record r WHERE r.project_id = %(p)s AND r.flow = 'queue_number'
          AND r.state = 'reserved' AND NOT EXISTS (
            SELECT 1 FROM kernel_unithold h WHERE h.released_at IS NULL AND h.unit_id = (r.data->>'unit_id')::bigint
              AND h.record_id IN (SELECT id FROM engine_record c WHERE c.id = r.id OR c.parent_id = r.id))""",
    "queue number issued twice": """
        SELECT count(*) FROM (SELECT batch_id, number FROM kernel_queuenumber WHERE project_id = %(p)s
          GROUP BY 1, 2 HAVING count(*) > 1) x""",
    "record with two queue numbers": """
        SELECT count(*) FROM (SELECT record_id FROM kernel_queuenumber WHERE project_id = %(p)s
          GROUP BY 1 HAVING count(*) > 1) x""",
    "queue numbers not 1..N": """
        SELECT CASE WHEN count(*) = coalesce(max(number), 0) AND count(*) = count(DISTINCT number)
                    THEN 0 ELSE 1 END FROM kernel_queuenumber WHERE project_id = %(p)s""",
    "number not in confirmation order": """
        SELECT count(*) FROM (
          SELECT q.number, row_number() OVER (ORDER BY h.id) AS nth FROM engine_historyentry h
            JOIN kernel_queuenumber q ON q.record_id = h.record_id
           WHERE q.project_id = %(p)s AND h.transition = 'confirm_deposit') x WHERE number <> nth""",
    "record's number differs from the ledger": """
        SELECT count(*) FROM engine_record r JOIN kernel_queuenumber q ON q.record_id = r.id
          WHERE r.project_id = %(p)s AND r.data->>'queue_number' IS DISTINCT FROM q.code""",
}


def test_a_rush_over_both_instances_holds_no_unit_twice_and_numbers_stay_gapless(deployed):
    s = deployed
    started = time.monotonic()
    ports = [s.processes["web-a"].port, s.processes["web-b"].port]
    holders = [shape.holder_phone(i) for i in range(HOLDERS)]

    # when: the desks register and confirm every holder at once, through both instances
    queued = shape.run_desks("queue", DESKS, ports, s.secret, holders)
    errors = [e for r in queued.values() for e in r["errors"]]
    assert errors == [], "\n".join(errors) + "\n" + s.tails()
    project = _project(s, "SHAPE")
    order = [rid for rid, in s.sql("""SELECT r.id FROM engine_record r JOIN kernel_queuenumber q ON q.record_id = r.id
                                      WHERE r.project_id = %s ORDER BY q.number""", (project,))]
    # and: the numbers are called in order and each holder picks a unit until all are sold
    picked = shape.run_desks("pick", DESKS, ports, s.secret, order,
                             cookies={k: r["cookies"] for k, r in queued.items()})

    # then
    errors = [e for r in picked.values() for e in r["errors"]]
    assert errors == [], "\n".join(errors) + "\n" + s.tails()
    violations = {name: s.sql(sql, {"p": project})[0][0] for name, sql in RUSH_INVARIANTS.items()}
    assert violations == dict.fromkeys(RUSH_INVARIANTS, 0)
    assert len(order) == HOLDERS
    assert s.sql("SELECT count(*) FROM engine_historyentry h JOIN engine_record r ON r.id = h.record_id "
                 "WHERE r.project_id = %s AND h.transition = 'confirm_deposit'", (project,)) == [(HOLDERS,)]
    for result in queued.values():  # each desk's own confirmations got increasing numbers
        mine = [order.index(rid) for rid in result["done"]]
        assert mine == sorted(mine)
    picks = [p for r in picked.values() for p in r["done"]]
    assert len(picks) == UNITS and len({code for _, code in picks}) == UNITS  # sold out, each unit once
    assert s.sql("SELECT count(*) FROM kernel_unit WHERE project_id = %s AND status = 'available'", (project,)) == [(0,)]
    reserved = dict(s.sql("""SELECT r.id, u.code FROM engine_record r JOIN kernel_unit u ON u.id = (r.data->>'unit_id')::bigint
                             WHERE r.project_id = %s AND r.flow = 'queue_number' AND r.state = 'reserved'""", (project,)))
    assert reserved == dict(picks)  # what each desk was told it picked is what the database holds
    # both instances served the rush, and their log lines carry the request ids the "proxy" sent
    for machine in ("a", "b"):
        served = [line for line in s.log(machine) if line.get("logger") == "web.request"]
        assert sum(1 for line in served if str(line.get("request_id", "")).startswith("rush-d")) > HOLDERS
    s.rush = {"conflicts": sum(r["conflicts"] for r in picked.values()), "picks": len(picks)}
    s.seconds["rush"] = time.monotonic() - started
    print(f"\nrush: {HOLDERS} numbers, {len(picks)} picks, {s.rush['conflicts']} conflicts; seconds: "
          + ", ".join(f"{k} {v:.0f}" for k, v in s.seconds.items()))


# ---------------------------------------------------------------- (b) and (c) timers

def _reservations(s: Shape) -> list[int]:
    project = _project(s, "TIMERS")
    return [rid for rid, in s.sql("SELECT id FROM engine_record WHERE project_id = %s AND flow = 'reservation' "
                                  "ORDER BY id", (project,))]


def _bring_forward(s: Shape, records: list[int], seconds: int) -> None:
    """The 72 hours pass: the hold's expiry timers become due `seconds` from now."""
    done = s.sql("""UPDATE engine_timer SET due_at = now() + make_interval(secs => %s)
                    WHERE record_id = ANY(%s) AND name = 'hold_expires' AND status = 'pending' RETURNING id""",
                 (seconds, records))
    assert len(done) == len(records)


def _fired(s: Shape, records: list[int]) -> int:
    return s.sql("SELECT count(*) FROM engine_timer WHERE record_id = ANY(%s) AND name = 'hold_expires' "
                 "AND status = 'fired'", (records,))[0][0]


def _timers_said(s: Shape, records: list[int]) -> str:
    """The timers' statuses and results, and the processes' last lines: what a failed wait shows."""
    counts = s.sql("SELECT status, left(result, 60), count(*) FROM engine_timer WHERE record_id = ANY(%s) "
                   "AND name = 'hold_expires' GROUP BY 1, 2 ORDER BY 1, 2", (records,))
    return "timers: " + "; ".join(f"{status} {result!r}: {n}" for status, result, n in counts) + "\n" + s.tails()


def _each_expired_once(s: Shape, records: list[int]) -> dict[str, list]:
    """What differs from "every reservation's expiry fired exactly once": problem -> record ids."""
    rows = s.sql("""
        SELECT r.id, r.state,
          (SELECT count(*) FROM engine_timer t WHERE t.record_id = r.id AND t.name = 'hold_expires'
             AND t.status = 'fired'),
          (SELECT count(*) FROM engine_timer t WHERE t.record_id = r.id AND t.status = 'pending'
             AND t.name = 'hold_expires'),
          (SELECT count(*) FROM engine_historyentry h WHERE h.record_id = r.id AND h.kind = 'timer'),
          (SELECT count(*) FROM engine_historyentry h WHERE h.record_id = r.id AND h.to_state = 'refund_pending'),
          (SELECT count(*) FROM kernel_unithold h WHERE h.record_id = r.id AND h.released_at IS NULL),
          (SELECT count(*) FROM kernel_unithold h WHERE h.record_id = r.id),
          u.status
        FROM engine_record r JOIN kernel_unit u ON u.id = (r.data->>'unit_id')::bigint
        WHERE r.id = ANY(%s)""", (records,))
    problems: dict[str, list] = {}
    for rid, state, fired, pending, timer_entries, moved, live_holds, holds, unit_status in rows:
        for problem, bad in (("not in refund_pending", state != "refund_pending"),
                             ("timer not fired once", fired != 1 or pending != 0),
                             ("not one timer history entry", timer_entries != 1),
                             ("not moved once", moved != 1),
                             ("unit still held", live_holds != 0 or holds != 1),
                             ("unit not on sale again", unit_status != "available")):
            if bad:
                problems.setdefault(problem, []).append(rid)
    if len(rows) != len(records):
        problems["missing records"] = sorted(set(records) - {r[0] for r in rows})
    return problems


def _fired_in_logs(s: Shape, records: list[int]) -> dict[str, Counter]:
    """Per machine, how often each timer of `records` was logged as fired (the engine logs inside the transaction)."""
    ids = {tid for tid, in s.sql("SELECT id FROM engine_timer WHERE record_id = ANY(%s) AND name = 'hold_expires'",
                                 (records,))}
    return {machine: Counter(line["timer_id"] for line in s.log(machine)
                             if line.get("timer_status") == "fired" and line.get("timer_id") in ids)
            for machine in ("a", "b")}


def _jobs_run(s: Shape) -> dict[str, int]:
    """Per machine, how many timer jobs its consumer has finished (huey logs each)."""
    return {machine: sum(1 for line in s.log(machine) if line.get("logger") == "huey"
                         and str(line.get("message", "")).startswith(shape.TIMER_JOB)
                         and " executed in " in str(line.get("message", "")))
            for machine in ("a", "b")}


def test_due_timers_fire_exactly_once_with_two_consumers_running_several_jobs(deployed):
    s = deployed
    started = time.monotonic()
    records = _reservations(s)[:DUE_SOON]
    # given: the reservations' expiries due in two seconds
    _bring_forward(s, records, 2)
    until(lambda: s.sql("SELECT now() >= max(due_at) FROM engine_timer WHERE record_id = ANY(%s) "
                        "AND name = 'hold_expires'", (records,))[0][0], 30, "the timers to be due")

    # when: the timer job runs four times at once, on both consumers' two workers each
    before = _jobs_run(s)
    s.finish(s.tick(4))
    until(lambda: _fired(s, records) == len(records), 45, f"{len(records)} timers fired",
          lambda: _timers_said(s, records))
    until(lambda: sum(_jobs_run(s).values()) >= sum(before.values()) + 4, 45, "the four jobs to end", s.tails)
    ran = {machine: n - before[machine] for machine, n in _jobs_run(s).items()}
    assert ran["a"] >= 1 and ran["b"] >= 1, ran  # both consumers ran them

    # then: each expired once: one timer firing, one history entry, its unit released once
    assert _each_expired_once(s, records) == {}
    logged = _fired_in_logs(s, records)
    both = logged["a"] + logged["b"]
    timers = {tid for tid, in s.sql("SELECT id FROM engine_timer WHERE record_id = ANY(%s) AND name = 'hold_expires'",
                                    (records,))}
    assert set(both) == timers and max(both.values()) == 1, both  # each logged as fired by one consumer, once
    s.alive()
    s.seconds["timers"] = time.monotonic() - started
    print(f"\ntimers in {s.seconds['timers']:.0f} s: {len(records)} fired, {sum(logged['a'].values())} by machine A's consumer, "
          f"{sum(logged['b'].values())} by B's; jobs run {ran}")


def test_a_consumer_killed_mid_job_loses_nothing(deployed):
    s = deployed
    started = time.monotonic()
    records = _reservations(s)[DUE_SOON:DUE_SOON + MANY]
    assert len(records) == MANY
    # given: many expiries due at once, four timer jobs running on the two consumers
    _bring_forward(s, records, 0)
    ticking = s.tick(4)  # watched from now on: the jobs may start before the command has exited
    killed = s.application("huey-b")

    # when: B's consumer is killed (kill -9) while one of its timer transactions is open
    def mid_job() -> bool:
        fired = _fired(s, records)
        assert fired < len(records), "every timer fired before the consumer could be killed mid-job"
        return fired > 0 and s.sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                   "AND application_name = %s AND xact_start IS NOT NULL",
                                   (s.db_name, killed))[0][0] > 0

    until(mid_job, 45, "huey-b inside a timer transaction", s.tails, every=0.01)
    s.kill("huey-b")
    at_kill = _fired(s, records)
    s.finish(ticking)
    # the killed consumer's transactions are rolled back when PostgreSQL sees its connections close
    until(lambda: s.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                        (killed,))[0][0] == 0, 30, "the killed consumer's connections to end")
    # and: it is started again (its scheduler enqueues the timer job as it starts)
    s.start_consumer("huey-b", "b")
    s.wait_log("huey-b", rf"Enqueueing periodic task {shape.TIMER_JOB}")

    # then: nothing is lost and nothing fired twice
    until(lambda: _fired(s, records) == len(records), 60, f"{len(records)} timers fired",
          lambda: _timers_said(s, records))
    assert _each_expired_once(s, records) == {}
    logged = _fired_in_logs(s, records)
    twice = [tid for tid, n in (logged["a"] + logged["b"]).items() if n > 1]
    # a timer logged by the killed consumer inside a transaction that never committed fired again
    # elsewhere: at most one per worker thread of the killed consumer
    assert len(twice) <= 2, twice
    s.alive()
    s.seconds["kill -9"] = time.monotonic() - started
    print(f"\nkill -9 in {s.seconds['kill -9']:.0f} s: {at_kill}/{len(records)} fired when huey-b was killed; "
          "then all fired once; "
          f"{len(twice)} logged by the killed consumer before its transaction was lost")

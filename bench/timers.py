"""Due timers fired per second by 1 and by 4 consumers at once (PostgreSQL), each timer exactly once.

For each K in --consumers (default 1,4,4w; 1 is the baseline of the same run, 4w four
consumers that wait for every record lock, as before SKIP LOCKED), --repeat times:
N records of the `reminder` flow (bench/flows/reminder.yaml) are started, each with one
transition timer due in an hour; then K worker processes (fork, one connection each)
start together and each calls engine.runtime.timers.fire_due_timers, as K huey consumers
do every minute, until nothing is due. Timed from the start signal to the last worker's
end; afterwards every timer must be fired and every record moved exactly once (one timer
history entry each), or the run fails.

Each consumer claims a record with SELECT ... FOR UPDATE SKIP LOCKED, so K consumers
share the due list instead of waiting on each other's rows: the figure shows what that
sharing buys on this machine (it cannot beat the cores PostgreSQL and the workers share).
"""
from __future__ import annotations

import multiprocessing as mp
import sys
import time
from datetime import timedelta

from .db import bench_database, needs_postgres, setup_django, vacuum
from .db import parser as bench_parser
from .stats import CpuMeter, machine, median, table


def make_world() -> dict:
    from django.conf import settings

    from accounts.models import Membership, User
    from engine.versions import publish
    from kernel.models import Project

    from . import FLOWS_DIR

    settings.FLOWS_DIR = FLOWS_DIR
    project = Project.objects.create(code="TMR", name="Timers bench", settings={})
    user = User.objects.create_user("tmr-c", password="x")
    Membership.objects.create(user=user, project=project, role="sales_consultant")
    publish(project, "reminder")
    return {"project_id": project.pk, "user_id": user.pk}


def start_records(world: dict, n: int) -> list[int]:
    from accounts.models import User
    from engine.runtime import records
    from kernel.models import Project

    user, project = User.objects.get(pk=world["user_id"]), Project.objects.get(pk=world["project_id"])
    return [records.start_record(user, project, "reminder", {"note": f"n{i}"}).pk for i in range(n)]


def _consumer(when, barrier, out, waiting: bool) -> None:
    from django.db import connections

    from engine.runtime import timers
    from engine.runtime.timers import fire_due_timers

    if waiting:  # the comparison: every record lock waited for, as before SKIP LOCKED
        handle = timers._handle
        timers._handle = lambda *a, wait: handle(*a, wait=True)
    connections.close_all()  # a connection of its own, not the parent's
    fired, calls = 0, 0
    try:
        barrier.wait(timeout=120)
        while True:
            calls += 1
            handled = fire_due_timers(when)
            fired += handled
            if handled == 0:
                break
        out.put((fired, calls, None))
    except Exception as exc:  # reported by the parent
        out.put((fired, calls, repr(exc)))
    finally:
        connections.close_all()


def run(k: int, when, waiting: bool = False) -> tuple[float, float, list[int], list[str]]:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(k + 1), ctx.Queue()
    procs = [ctx.Process(target=_consumer, args=(when, barrier, out, waiting)) for _ in range(k)]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    t0, cpu = time.perf_counter(), CpuMeter()
    results = [out.get(timeout=1800) for _ in procs]
    elapsed, busy = time.perf_counter() - t0, cpu.busy()
    for p in procs:
        p.join(timeout=60)
    return elapsed, busy, [r[0] for r in results], [r[2] for r in results if r[2]]


def check(ids: list[int]) -> list[str]:
    """Every timer of these records fired, each record moved by its timer exactly once."""
    from django.db.models import Count

    from engine.models import HistoryEntry, Record, Timer, TimerStatus

    problems = []
    pending = Timer.objects.filter(record_id__in=ids).exclude(status=TimerStatus.FIRED).count()
    if pending:
        problems.append(f"{pending} timers not fired")
    moved = (HistoryEntry.objects.filter(record_id__in=ids, kind=HistoryEntry.Kind.TIMER)
             .values("record_id").annotate(n=Count("id")))
    twice = sum(1 for m in moved if m["n"] != 1)
    if twice or len(moved) != len(ids):
        problems.append(f"{len(ids) - len(moved)} records not moved, {twice} moved more than once")
    if Record.objects.filter(pk__in=ids).exclude(state="lapsed").exists():
        problems.append("records left waiting")
    return problems


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    setup_django()
    from django.utils import timezone

    with bench_database(args.keep):
        if needs_postgres("timers", "several consumers locking rows at once; SQLite has one writer"):
            return 0
        print(f"# machine: {machine()}")
        print(f"# {args.timers} due timers per run, {args.repeat} run(s) per consumer count; K=1 is the baseline")
        world = make_world()
        rows, failures, rates = [], [], {}
        for spec in args.consumers.split(","):
            k, waiting = int(spec.rstrip("w")), spec.endswith("w")
            label = f"{k}, locks waited for" if waiting else str(k)
            per_run = []
            for _ in range(args.repeat):
                ids = start_records(world, args.timers)
                vacuum()
                elapsed, busy, fired, errors = run(k, timezone.now() + timedelta(hours=2), waiting)
                problems = check(ids) + errors
                if sum(fired) != len(ids):
                    problems.append(f"the consumers said they fired {sum(fired)} of {len(ids)}")
                failures += [f"K={label}: {p}" for p in problems]
                per_run.append((len(ids) / elapsed, elapsed, busy, fired))
            rate = median([r[0] for r in per_run])
            rates[label] = rate
            last = per_run[-1]
            rows.append((label, args.timers, rate, median([r[1] for r in per_run]), last[2],
                         "/".join(map(str, last[3]))))
        base = rates.get("1") or next(iter(rates.values()))
        print(table(["consumers", "timers", "fired/s (median)", "wall s", "CPU busy %", "fired by each (last)"],
                    rows))
        print("speed-up over 1 consumer: " + ", ".join(f"K={k} x{rate / base:.2f}" for k, rate in rates.items()))
        if failures:
            print("FAILED:\n" + "\n".join(failures))
            return 1
        print("every timer fired exactly once")
    return 0


def parser():
    made = bench_parser("timers", __doc__)
    made.add_argument("--timers", type=int, default=1000, help="due timers per run (default 1000)")
    made.add_argument("--consumers", default="1,4,4w",
                      help="consumer counts, comma-separated; 'w' after one: without SKIP LOCKED, every lock waited "
                           "for, for comparison (default 1,4,4w)")
    made.add_argument("--repeat", type=int, default=3, help="runs per consumer count (default 3)")
    return made


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Engine throughput: one small process run for N records by three engines, interleaved.

    start -> review -> (discount > 5 %: director approval) -> finance confirmation -> end

(a) viewflow: the process as a code-defined django-viewflow flow, driven through its
    activation API (bench/viewflow_deal.py);
(b) floor: a plain row under SELECT ... FOR UPDATE plus one audit row per step
    (bench/floor.py);
ours: the engine's service API (records.start_record, transitions.fire, approvals.vote)
    on bench/flows/bench_deal.yaml.

Every repetition takes N fresh records through each engine, interleaved in chunks
(a 50 records, b 50, ours 50, a 50, ... until each has done N), so a noisy neighbour
slows all three alike; the figures are medians over the repetitions, and the ratios
are medians of the per-repetition ratios. Half the records have a 3 % discount (two
human steps), half 8 % (three), so a record is 2.5 human transitions on average.
"""
from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .db import Counter, bench_database, counting, setup_django, vacuum
from .db import parser as bench_parser
from .stats import machine, median, table

ENGINES = ("viewflow", "floor", "ours")


@dataclass
class Run:
    engine: str
    records: int = 0
    transitions: int = 0
    start_seconds: float = 0.0
    step_seconds: float = 0.0
    step_cpu_seconds: float = 0.0  # this process's CPU time in the steps: Python, not waiting
    starts: Counter = field(default_factory=Counter)
    steps: Counter = field(default_factory=Counter)
    # the background jobs the starts and steps enqueued (notifications), run after them as a consumer would
    jobs: int = 0
    job_seconds: float = 0.0
    consumer: Counter = field(default_factory=Counter)

    @property
    def records_per_s(self) -> float:
        return self.records / (self.start_seconds + self.step_seconds)

    @property
    def transitions_per_s(self) -> float:
        return self.transitions / self.step_seconds

    @property
    def transitions_per_s_with_jobs(self) -> float:
        """Human steps per second when the consumer's work is counted too (one process doing both)."""
        return self.transitions / (self.step_seconds + self.job_seconds)

    def per_transition(self, attr: str) -> float:
        return getattr(self.steps, attr) / self.transitions

    def per_start(self, attr: str) -> float:
        return getattr(self.starts, attr) / self.records


def deal_data(i: int) -> dict:
    """Every other record has a discount above 5 %, so it needs the director."""
    return {"unit_code": f"3-{1500 + i % 400:04d}", "price": "3058300.00",
            "discount_rate": "0.08" if i % 2 else "0.03"}


def is_high(data: dict) -> bool:
    return data["discount_rate"] == "0.08"


class World:
    """Users with their roles in a benchmark project, the flow published."""

    def __init__(self) -> None:
        from django.conf import settings

        from accounts.models import Membership, User
        from engine.versions import publish
        from kernel.models import Project

        from . import FLOWS_DIR

        settings.FLOWS_DIR = FLOWS_DIR
        self.project = Project.objects.create(code="BENCH", name="Benchmark", settings={"discount_allowance": "0.02"})
        self.users = {}
        for username, role in [("consultant", "sales_consultant"), ("manager", "sales_manager"),
                               ("director", "project_director"), ("fin", "finance")]:
            # an address, so the notifications a step causes are delivered as on a real site
            user = User.objects.create_user(username, password="x", email=f"{username}@bench.invalid")
            Membership.objects.create(user=user, project=self.project, role=role)
            self.users[username] = user
        publish(self.project, "bench_deal")


# -- the three drivers: (start one record) and (take one record through its human steps)

def ours_start(world: World, data: dict) -> int:
    from engine.runtime import records

    return records.start_record(world.users["consultant"], world.project, "bench_deal", data).pk


def ours_steps(world: World, record_id: int, data: dict, after_step=lambda: None) -> int:
    from engine.models import Task
    from engine.runtime import approvals, transitions

    u = world.users
    if is_high(data):
        transitions.fire(u["manager"], record_id, "escalate", {"review_note": "ok"})
        after_step()
        task_id = Task.objects.filter(record_id=record_id, status="open", kind="approval").values_list(
            "pk", flat=True).first()
        approvals.vote(u["director"], task_id, "approve")
    else:
        transitions.fire(u["manager"], record_id, "pass_review", {"review_note": "ok"})
    after_step()
    transitions.fire(u["fin"], record_id, "confirm", {"confirmed_amount": data["price"]})
    after_step()
    return 3 if is_high(data) else 2


def viewflow_start(world: World, data: dict) -> int:
    from .viewflow_deal import DealFlow

    return DealFlow.start.run(data=data).pk


def viewflow_steps(world: World, process_id: int, data: dict) -> int:
    from .viewflow_deal import DealFlow, complete, open_task

    u = world.users
    complete(open_task(process_id, DealFlow.review), u["manager"], {"review_note": "ok"})
    if is_high(data):
        complete(open_task(process_id, DealFlow.director), u["director"], {"approved": True})
    complete(open_task(process_id, DealFlow.finance), u["fin"], {"confirmed_amount": data["price"]})
    return 3 if is_high(data) else 2


def floor_start(world: World, data: dict) -> int:
    from . import floor

    return floor.start(world.users["consultant"], data).pk


def floor_steps(world: World, deal_id: int, data: dict) -> int:
    from . import floor

    u = world.users
    if is_high(data):
        floor.step(u["manager"], deal_id, "escalate", {"review_note": "ok"})
        floor.step(u["director"], deal_id, "approve", {"approved": True})
    else:
        floor.step(u["manager"], deal_id, "pass_review", {"review_note": "ok"})
    floor.step(u["fin"], deal_id, "confirm", {"confirmed_amount": data["price"]})
    return 3 if is_high(data) else 2


DRIVERS = {
    "viewflow": (viewflow_start, viewflow_steps),
    "floor": (floor_start, floor_steps),
    "ours": (ours_start, ours_steps),
}


def job_queue():
    """The huey instance with an in-memory queue that holds jobs until `run_jobs`.

    In production the steps only enqueue (notifications' `notify`) and a consumer process runs
    the jobs; bench/settings.py runs huey `immediate` for the other benchmarks, which would put
    the consumer's work inside the measured step. Here the jobs wait in memory and are run
    after the chunk's steps, timed and counted apart as the consumer's share.
    """
    from huey.contrib.djhuey import HUEY
    from huey.storage import MemoryStorage

    HUEY.immediate = False
    HUEY.storage = MemoryStorage(HUEY.name)
    return HUEY


def run_jobs(huey) -> int:
    """Run every queued job (and the jobs they enqueue) in this process; a failing job fails the benchmark."""
    done = 0
    while (task := huey.dequeue()) is not None:
        task.execute()
        done += 1
    return done


class _Consumer:
    """Runs the queued jobs after each start and step, as a consumer would a moment later.

    Its time and statements go to the run's consumer figures, not to the step's: in production
    the steps only enqueue and a consumer process does this work.
    """

    def __init__(self, huey, run: Run) -> None:
        self.huey, self.run = huey, run
        self.seconds = self.cpu_seconds = 0.0

    def __call__(self) -> None:
        if self.huey is None:
            return
        with counting(self.run.consumer):
            t0, c0 = time.perf_counter(), time.process_time()
            self.run.jobs += run_jobs(self.huey)
            elapsed = time.perf_counter() - t0
        self.cpu_seconds += time.process_time() - c0
        self.seconds += elapsed
        self.run.job_seconds += elapsed


def run_chunk(world: World, run: Run, n: int, offset: int, huey=None) -> None:
    """Start n records with `run`'s engine, then take each through its steps; add to `run`.

    With `huey`, our engine's queued jobs run after each start and each step, timed apart.
    """
    start, steps = DRIVERS[run.engine]
    consumer = _Consumer(huey if run.engine == "ours" else None, run)
    datas = [deal_data(offset + i) for i in range(n)]
    with counting(run.starts):
        t0 = time.perf_counter()
        ids = []
        for d in datas:
            ids.append(start(world, d))
            consumer()
        run.start_seconds += time.perf_counter() - t0 - consumer.seconds
    consumer.seconds = consumer.cpu_seconds = 0.0
    extra = {"after_step": consumer} if run.engine == "ours" else {}
    with counting(run.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        for record_id, d in zip(ids, datas):
            run.transitions += steps(world, record_id, d, **extra)
        run.step_seconds += time.perf_counter() - t0 - consumer.seconds
        run.step_cpu_seconds += time.process_time() - c0 - consumer.cpu_seconds
    run.records += n


def repetition(world: World, n: int, chunk: int, offset: int, huey=None) -> list[Run]:
    runs = [Run(engine) for engine in ENGINES]
    done = 0
    while done < n:
        size = min(chunk, n - done)
        for run in runs:
            run_chunk(world, run, size, offset, huey)
            offset += size
        done += size
    return runs


def breakdown(world: World) -> str:
    """Every statement of one record's life in our engine, step by step."""
    from engine.models import Task
    from engine.runtime import approvals, records, transitions

    u, out = world.users, []
    data = deal_data(1)  # a high discount: start, escalate, vote, confirm
    steps = [
        ("start_record", lambda: records.start_record(u["consultant"], world.project, "bench_deal", data).pk),
        ("fire escalate", lambda rid: transitions.fire(u["manager"], rid, "escalate", {"review_note": "ok"})),
        ("vote approve", lambda rid: approvals.vote(u["director"], Task.objects.filter(
            record_id=rid, status="open", kind="approval").values_list("pk", flat=True).first(), "approve")),
        ("fire confirm", lambda rid: transitions.fire(u["fin"], rid, "confirm", {"confirmed_amount": "1.00"})),
    ]
    record_id = None
    for title, call in steps:
        counter = Counter(sql=[])
        with counting(counter):
            result = call() if record_id is None else call(record_id)
        record_id = record_id or result
        out.append(f"## {title}: {counter.statements} statements + {counter.transactions} transaction(s) "
                   f"= {counter.with_begin_commit} with BEGIN/COMMIT")
        for i, sql in enumerate(counter.sql, 1):
            out.append(f"{i:3d}. {sql[:220]}")
    from huey.contrib.djhuey import HUEY

    if not HUEY.immediate:  # the jobs those steps enqueued, as the consumer runs them
        counter = Counter(sql=[])
        with counting(counter):
            jobs = run_jobs(HUEY)
        out.append(f"## the {jobs} background job(s) they enqueued: {counter.statements} statements + "
                   f"{counter.transactions} transaction(s) = {counter.with_begin_commit} with BEGIN/COMMIT")
        out += [f"{i:3d}. {sql[:220]}" for i, sql in enumerate(counter.sql, 1)]
    out.append(_baseline_breakdown(world, data))
    return "\n".join(out)


def _baseline_breakdown(world: World, data: dict) -> str:
    """The baselines' statements for the review step, to compare shapes."""
    from . import floor
    from .viewflow_deal import DealFlow, complete, open_task

    u, out = world.users, []
    process_id = viewflow_start(world, data)
    deal_id = floor_start(world, data)
    for title, call in [
        ("viewflow review (lookup + one activation)",
         lambda: complete(open_task(process_id, DealFlow.review), u["manager"], {"review_note": "ok"})),
        ("floor escalate", lambda: floor.step(u["manager"], deal_id, "escalate", {"review_note": "ok"})),
    ]:
        counter = Counter(sql=[])
        with counting(counter):
            call()
        out.append(f"## {title}: {counter.statements} statements + {counter.transactions} transaction(s) "
                   f"= {counter.with_begin_commit} with BEGIN/COMMIT")
        out += [f"{i:3d}. {sql[:160]}" for i, sql in enumerate(counter.sql, 1)]
    return "\n".join(out)


def profile(world: World, n: int) -> str:
    """cProfile of our engine's human steps over n records: where the Python time goes.

    Two views: the functions with the most time of their own (Django's SQL compiler
    shows up here), and the platform's own functions by cumulative time. The background
    jobs the steps enqueue are profiled apart, after each step, as a consumer runs them.
    """
    from huey.contrib.djhuey import HUEY

    datas = [deal_data(i) for i in range(n)]
    ids = [ours_start(world, d) for d in datas]
    steps, jobs = cProfile.Profile(), cProfile.Profile()
    queued = not HUEY.immediate

    def after_step() -> None:
        if queued:
            steps.disable()
            jobs.enable()
            run_jobs(HUEY)
            jobs.disable()
            steps.enable()

    if queued:
        run_jobs(HUEY)  # the starts' jobs, not profiled
    steps.enable()
    for record_id, d in zip(ids, datas):
        ours_steps(world, record_id, d, after_step)
    steps.disable()
    out = [_profile_text(steps)]
    if queued:
        out += ["\n## cProfile of the background jobs those steps enqueued (by own time)", _profile_text(jobs)]
    return "\n".join(out)


def _profile_text(profiler: cProfile.Profile) -> str:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(r"/(platform|bench)/|jsonschema/validators|simpleeval", 40)
    root = str(Path(__file__).resolve().parents[1]) + "/"
    return "\n".join(line.replace(root, "").replace(sys.prefix + "/lib/python3.11/site-packages/", "")
                     for line in buffer.getvalue().splitlines() if line.strip())


def report(runs: list[Run], repetitions: int) -> str:
    by = {e: [r for r in runs if r.engine == e] for e in ENGINES}
    rows = []
    for e in ENGINES:
        rs = by[e]
        rows.append([
            e, median([r.records_per_s for r in rs]), median([r.transitions_per_s for r in rs]),
            median([r.per_transition("statements") for r in rs]),
            median([r.per_transition("with_begin_commit") for r in rs]),
            median([1000 * r.steps.db_seconds / r.transitions for r in rs]),
            median([1000 * r.step_cpu_seconds / r.transitions for r in rs]),
            median([1000 * r.step_seconds / r.transitions for r in rs]),
            median([r.per_start("with_begin_commit") for r in rs]),
        ])
    out = [table(["engine", "records/s", "transitions/s", "SQL/transition", "SQL+BEGIN/COMMIT",
                  "DB ms/transition", "CPU ms/transition", "total ms/transition", "SQL/start (+B/C)"], rows)]
    ratios = []
    for base in ("viewflow", "floor"):
        per_rep = [o.transitions_per_s / b.transitions_per_s for o, b in zip(by["ours"], by[base])]
        rec = [o.records_per_s / b.records_per_s for o, b in zip(by["ours"], by[base])]
        ratios.append([f"ours / {base}", median(rec), median(per_rep),
                       " ".join(f"{x:.2f}" for x in per_rep)])
    with_jobs = [o.transitions_per_s_with_jobs / b.transitions_per_s for o, b in zip(by["ours"], by["viewflow"])]
    ratios.append(["ours with its jobs / viewflow", "", median(with_jobs), " ".join(f"{x:.2f}" for x in with_jobs)])
    out.append("")
    ours = by["ours"]
    out.append("ours' background jobs (notifications; a consumer process runs them in production), "
               "per human transition:")
    out.append(table(["jobs/record", "SQL/transition", "SQL+BEGIN/COMMIT", "DB ms/transition", "total ms/transition"], [[
        median([r.jobs / r.records for r in ours]),
        median([r.consumer.statements / r.transitions for r in ours]),
        median([r.consumer.with_begin_commit / r.transitions for r in ours]),
        median([1000 * r.consumer.db_seconds / r.transitions for r in ours]),
        median([1000 * r.job_seconds / r.transitions for r in ours]),
    ]]))
    out.append("")
    out.append(table(["ratio (median of per-repetition ratios)", "records/s", "transitions/s",
                      f"transitions/s in each of {repetitions} repetitions"], ratios))
    return "\n".join(out)


def medians(runs: list[Run]) -> dict:
    """The figures `--against` compares, as JSON: medians over the repetitions."""
    by = {e: [r for r in runs if r.engine == e] for e in ENGINES}
    return {
        "ours_tps": median([r.transitions_per_s for r in by["ours"]]),
        "viewflow_tps": median([r.transitions_per_s for r in by["viewflow"]]),
        "floor_tps": median([r.transitions_per_s for r in by["floor"]]),
        "ours_per_viewflow": median([o.transitions_per_s / v.transitions_per_s
                                     for o, v in zip(by["ours"], by["viewflow"])]),
        "ours_sql": median([r.per_transition("with_begin_commit") for r in by["ours"]]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("throughput", __doc__)
    parser.add_argument("--records", type=int, default=1000, help="records per engine per repetition")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=50, help="records per engine before the next engine's turn")
    parser.add_argument("--warmup", type=int, default=20, help="records per engine before timing")
    parser.add_argument("--breakdown", action="store_true", help="list every statement of one record")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile our engine's steps over N records")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON: the medians (what --against reads)")
    parser.add_argument("--against", metavar="REV",
                        help="run before (the engine at git revision REV) and after (this checkout), alternating "
                             "repetitions, and print both with the after/before ratios (bench/against.py)")
    args = parser.parse_args(argv)
    if args.against:
        from . import against

        return against.run(args.against, args.repetitions,
                           ["--records", str(args.records), "--chunk", str(args.chunk), "--warmup", str(args.warmup)])
    setup_django()
    from django.db import connection

    print(f"# throughput: {args.records} records x {args.repetitions} repetitions, engines interleaved "
          f"{' -> '.join(ENGINES)} every {args.chunk} records; machine: {machine()}", flush=True)
    with bench_database(keep=args.keep):
        world = World()
        huey = job_queue()
        repetition(world, args.warmup, args.warmup, 0, huey)
        offset = 3 * args.warmup
        runs: list[Run] = []
        for rep in range(args.repetitions):
            vacuum()
            for run in repetition(world, args.records, args.chunk, offset, huey):
                runs.append(run)
                print(f"  rep {rep + 1} {run.engine:8s} {run.records_per_s:8.1f} records/s "
                      f"{run.transitions_per_s:8.1f} transitions/s "
                      f"{run.per_transition('with_begin_commit'):5.1f} SQL/transition", flush=True)
            offset += 3 * args.records
        print(f"\n## throughput on {connection.vendor} (medians of {args.repetitions})")
        print(report(runs, args.repetitions))
        _verify(world)
        if args.json:
            print(json.dumps(medians(runs)))
        if args.breakdown:
            print("\n" + breakdown(world))
        if args.profile:
            print(f"\n## cProfile of our engine's steps over {args.profile} records (by own time)")
            print(profile(world, args.profile))
    return 0


def _verify(world: World) -> None:
    """Every record the timed runs started, in every engine, reached its end."""
    from viewflow.workflow.models import Process

    from engine.models import Record

    from .models import FloorDeal

    left = {
        "ours": Record.objects.filter(project=world.project, is_closed=False).count(),
        "viewflow": Process.objects.exclude(status="DONE").count(),
        "floor": FloorDeal.objects.exclude(state="done").count(),
    }
    print(f"\nunfinished records: {left}")
    if any(left.values()):
        raise SystemExit("some records did not reach the end")

"""The launch-day rush 开盘 on PostgreSQL: K worker processes, queue numbers, then picks.

For each way in (the service API; HTTP against gunicorn) and each K:
1. a fresh project with U units, one queue batch and K consultants;
2. queue phase: H holders register and confirm (records.start_record, then the
   `confirm` transition, whose `queue.issue` action gives the next number of batch A),
   shared among K worker processes;
3. pick phase: holders are called in queue-number order and each picks a unit (the
   `pick` transition, whose `unit.hold` action holds it). A worker chooses from the
   units it believes available, half the time among the hot tenth of them (everyone
   wants the same floors); when the unit was taken meanwhile (UnitUnavailable: a
   conflict) it refreshes its view of the stock and tries another, as a sales
   consultant does with the sale-control chart. When nothing is left, the remaining
   holders go home: the phase ends when every unit is sold.
4. the database is checked: no unit in two live holds, no unit held but on sale or on
   sale but held, no queue number issued twice, no record with two numbers, every
   picked record holding its unit.

Over HTTP every request goes through the staff pages (login, start a record, fire a
transition, the chart's data for the refresh) of a gunicorn server with W sync
workers. A refusal there is a redirect carrying the message in the `messages` cookie,
which is how the client tells a conflict from a pick.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .db import bench_database, needs_postgres, setup_django, vacuum
from .db import parser as bench_parser
from .stats import CpuMeter, machine, percentile, table

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "rush-pass"


@dataclass
class Result:
    """What one worker did in one phase."""

    done: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # seconds per request that changes something


# ---------------------------------------------------------------- the world

def make_world(code: str, units: int, workers: int) -> dict:
    from django.conf import settings

    from accounts.models import Membership, User
    from engine.versions import publish
    from kernel.models import Building, Project, QueueBatch, Unit

    from . import FLOWS_DIR

    settings.FLOWS_DIR = FLOWS_DIR
    # On launch day the selection desks serve the numbers as they are called, whoever registered
    # the holder: the project opens colleagues' records to its consultants (without it the page
    # answers 403 to a consultant picking for a colleague's holder, as it should).
    project = Project.objects.create(code=code, name=f"Launch {code}",
                                     settings={"consultants_see_colleagues_records": True})
    building = Building.objects.create(project=project, code="1", name="1号楼")
    per_floor = 8
    Unit.objects.bulk_create([
        Unit(project=project, building=building, code=f"1-{1 + i // per_floor:02d}{i % per_floor + 1:02d}",
             floor=1 + i // per_floor, position=f"{i % per_floor + 1:02d}", layout="3室2厅2卫",
             built_area=Decimal("98.50"), inner_area=Decimal("80.10"), orientation="南",
             list_price=Decimal("2000000.00") + 10000 * (i // per_floor))
        for i in range(units)
    ], batch_size=1000)
    QueueBatch.objects.create(project=project, code="A", title="开盘 A")
    users = []
    for k in range(workers):
        user = User.objects.create_user(f"{code.lower()}-c{k}", password=PASSWORD)
        Membership.objects.create(user=user, project=project, role="sales_consultant")
        users.append(user.username)
    publish(project, "launch")
    return {"project_id": project.pk, "code": code, "users": users}


def available_units(project_id: int) -> list[int]:
    from kernel.models import SaleStatus, Unit

    return list(Unit.objects.filter(project_id=project_id, status=SaleStatus.AVAILABLE)
                .order_by("pk").values_list("pk", flat=True))


# ---------------------------------------------------------------- choosing a unit

class Stock:
    """A worker's idea of the units still on sale; wrong as soon as someone else picks."""

    def __init__(self, units: list[int], rng: random.Random):
        self.rng = rng
        self.refresh(units)

    def refresh(self, units: list[int]) -> None:
        self.units = list(units)

    def choose(self) -> int | None:
        if not self.units:
            return None
        hot = max(1, len(self.units) // 10)
        index = self.rng.randrange(hot) if self.rng.random() < 0.5 else self.rng.randrange(len(self.units))
        return self.units[index]

    def drop(self, unit: int) -> None:
        if unit in self.units:
            self.units.remove(unit)


# ---------------------------------------------------------------- the service API way

class ServiceClient:
    def __init__(self, world: dict, worker: int):
        from accounts.models import User
        from kernel.models import Project

        self.user = User.objects.get(username=world["users"][worker])
        self.project = Project.objects.get(pk=world["project_id"])

    def register(self, holder: str) -> int:
        from engine.runtime import records, transitions

        record = records.start_record(self.user, self.project, "launch", {"holder": holder})
        transitions.fire(self.user, record.pk, "confirm")
        return record.pk

    def pick(self, record_id: int, unit_id: int) -> bool:
        from engine.runtime import UnitUnavailable, transitions

        try:
            transitions.fire(self.user, record_id, "pick", {"unit_id": unit_id})
            return True
        except UnitUnavailable:
            return False

    def stock(self) -> list[int]:
        return available_units(self.project.pk)


# ---------------------------------------------------------------- the HTTP way

class HttpClient:
    """A consultant's browser, reduced to the requests that matter."""

    def __init__(self, world: dict, worker: int, port: int):
        self.code = world["code"]
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        status, _, _ = self.request("GET", "/login/")
        status, headers, body = self.request("POST", "/login/", {
            "username": world["users"][worker], "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"login failed: {status} {body[:200]!r}")
        self.unit_ids: dict[str, int] = {}
        self.unit_codes: dict[int, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn's sync workers close each connection after a response
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        set_cookies = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                set_cookies[key] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        for key in ("sessionid", "csrftoken"):
            if key in set_cookies:
                self.cookies[key] = set_cookies[key]
        return response.status, {"location": response.getheader("Location", ""), "cookies": set_cookies}, data

    def register(self, holder: str) -> int:
        status, headers, body = self.request("POST", f"/start/{self.code}/launch/", {"holder": holder})
        match = re.search(r"/records/(\d+)/", headers["location"])
        if status != 302 or not match:
            raise RuntimeError(f"start failed: {status} {body[:300]!r}")
        record_id = int(match.group(1))
        status, headers, _ = self.request("POST", f"/records/{record_id}/fire/confirm/", {})
        if status != 302 or self._refused(headers):
            raise RuntimeError(f"confirm refused for record {record_id}")
        return record_id

    def pick(self, record_id: int, unit_id: int) -> bool:
        # the form takes the unit's code, as a person types or picks it
        status, headers, body = self.request("POST", f"/records/{record_id}/fire/pick/",
                                             {"pick-unit_id": self.unit_codes[unit_id]})
        if status != 302:
            raise RuntimeError(f"pick failed: {status} {body[:300]!r}")
        return not self._refused(headers)

    @staticmethod
    def _refused(headers: dict) -> bool:
        """The page said why it refused: an error in the messages cookie (a step done says so too, as success)."""
        from django.contrib.messages import constants
        from django.contrib.messages.storage.cookie import CookieStorage
        from django.http import HttpRequest

        value = headers["cookies"].get("messages", "").strip('"')
        if not value:
            return False
        said = CookieStorage(HttpRequest())._decode(value.replace("\\054", ",").replace('\\"', '"')) or []
        return any(message.level >= constants.ERROR for message in said)

    def stock(self) -> list[int]:
        status, _, body = self.request("GET", f"/projects/{self.code}/chart/data/")
        if status != 200:
            raise RuntimeError(f"chart data: {status}")
        units = json.loads(body)["units"]
        if not self.unit_ids:
            from kernel.models import Unit

            self.unit_ids = dict(Unit.objects.filter(project__code=self.code).values_list("code", "pk"))
            self.unit_codes = {pk: code for code, pk in self.unit_ids.items()}
        return sorted(self.unit_ids[code] for code, u in units.items() if u["status"] == "available")


# ---------------------------------------------------------------- worker processes

def _worker(phase: str, mode: str, world: dict, worker: int, port: int, items: list, counter, barrier, out) -> None:
    from django.db import connections

    connections.close_all()  # never share the parent's connection
    result = Result()
    try:
        client = HttpClient(world, worker, port) if mode == "http" else ServiceClient(world, worker)
        rng = random.Random(1000 * worker + len(items))
        stock = Stock(client.stock(), rng) if phase == "pick" else None
        barrier.wait()
        while True:
            with counter.get_lock():
                index = counter.value
                counter.value += 1
            if index >= len(items):
                break
            if phase == "queue":
                t0 = time.perf_counter()
                client.register(items[index])
                result.latencies.append(time.perf_counter() - t0)
                result.done += 1
                continue
            # pick: try until a unit is held, or nothing is left
            while True:
                unit = stock.choose()
                if unit is None:
                    stock.refresh(client.stock())
                    unit = stock.choose()
                    if unit is None:
                        break  # sold out: the holder goes home
                t0 = time.perf_counter()
                ok = client.pick(items[index], unit)
                result.latencies.append(time.perf_counter() - t0)
                stock.drop(unit)
                if ok:
                    result.done += 1
                    break
                result.conflicts += 1
                stock.refresh(client.stock())
            if not stock.units:
                stock.refresh(client.stock())
                if not stock.units:
                    break
    except Exception as exc:  # reported by the parent
        result.errors.append(f"worker {worker}: {type(exc).__name__}: {exc}")
    finally:
        connections.close_all()
        out.put((worker, result))


def run_phase(phase: str, mode: str, world: dict, workers: int, port: int,
              items: list) -> tuple[float, float, Result]:
    """Run a phase with K workers: its wall time, how busy the machine's CPUs were, what was done."""
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    counter = ctx.Value("i", 0)
    barrier = ctx.Barrier(workers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(phase, mode, world, k, port, items, counter, barrier, out))
             for k in range(workers)]
    for p in procs:
        p.start()
    barrier.wait(timeout=300)
    t0, cpu = time.perf_counter(), CpuMeter()
    results = [out.get(timeout=3600) for _ in procs]
    elapsed, busy = time.perf_counter() - t0, cpu.busy()
    for p in procs:
        p.join(timeout=60)
    total = Result()
    for _, r in results:
        total.done += r.done
        total.conflicts += r.conflicts
        total.errors += r.errors
        total.latencies += r.latencies
    return elapsed, busy, total


# ---------------------------------------------------------------- the server

class Gunicorn:
    def __init__(self, workers: int, port: int, db_name: str):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "BENCH_DB_NAME": db_name,
               "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}"}
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--worker-class", "sync", "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/login/")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


# ---------------------------------------------------------------- invariants

INVARIANTS = {  # name -> the SQL counting its violations in project %(p)s
    "unit in two live holds": """
        SELECT count(*) FROM (SELECT unit_id FROM kernel_unithold WHERE project_id = %(p)s
          AND released_at IS NULL GROUP BY unit_id HAVING count(*) > 1) x""",
    "unit held but on sale": """
        SELECT count(*) FROM kernel_unit u WHERE u.project_id = %(p)s AND u.status = 'available'
          AND EXISTS (SELECT 1 FROM kernel_unithold h WHERE h.unit_id = u.id AND h.released_at IS NULL)""",
    "unit reserved but not held": """
        SELECT count(*) FROM kernel_unit u WHERE u.project_id = %(p)s AND u.status <> 'available'
          AND NOT EXISTS (SELECT 1 FROM kernel_unithold h WHERE h.unit_id = u.id AND h.released_at IS NULL)""",
    "unit picked by two records": """
        SELECT count(*) FROM (SELECT data->>'unit_id' FROM engine_record WHERE project_id = %(p)s
          AND state = 'picked' GROUP BY 1 HAVING count(*) > 1) x""",
    "picked record not holding its unit": """
        SELECT count(*) FROM engine_record r WHERE r.project_id = %(p)s AND r.state = 'picked'
          AND NOT EXISTS (SELECT 1 FROM kernel_unithold h WHERE h.record_id = r.id AND h.released_at IS NULL
                          AND h.unit_id = (r.data->>'unit_id')::bigint)""",
    "queue number issued twice": """
        SELECT count(*) FROM (SELECT batch_id, number FROM kernel_queuenumber WHERE project_id = %(p)s
          GROUP BY 1, 2 HAVING count(*) > 1) x""",
    "record with two queue numbers": """
        SELECT count(*) FROM (SELECT record_id FROM kernel_queuenumber WHERE project_id = %(p)s
          GROUP BY 1 HAVING count(*) > 1) x""",
    "queue numbers not 1..N": """
        SELECT CASE WHEN count(*) = coalesce(max(number), 0) AND count(*) = count(DISTINCT number)
                    THEN 0 ELSE 1 END FROM kernel_queuenumber WHERE project_id = %(p)s""",
    "record's number differs from the ledger": """
        SELECT count(*) FROM engine_record r JOIN kernel_queuenumber q ON q.record_id = r.id
          WHERE r.project_id = %(p)s AND r.data->>'queue_number' IS DISTINCT FROM q.code""",
}


def verify(project_id: int) -> dict[str, int]:
    """Count every violation of the launch's invariants, straight from the tables."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for name, sql in INVARIANTS.items():
            cursor.execute(sql, {"p": project_id})
            out[name] = cursor.fetchone()[0]
    return out


def sold(project_id: int) -> tuple[int, int, int]:
    from engine.models import Record
    from kernel.models import QueueNumber, SaleStatus, Unit

    return (Unit.objects.filter(project_id=project_id).exclude(status=SaleStatus.AVAILABLE).count(),
            QueueNumber.objects.filter(project_id=project_id).count(),
            Record.objects.filter(project_id=project_id, state="picked").count())


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("rush", __doc__)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--holders", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4,8",
                        help="K values, comma separated (K = 1 is the reference the others scale from)")
    parser.add_argument("--modes", default="service,http", help="service, http or both")
    parser.add_argument("--server-workers", type=int, default=0,
                        help="gunicorn workers (default: K, at least 2)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args(argv)
    setup_django()
    if needs_postgres("rush", "SQLite has one writer at a time, so a rush there measures a queue, "
                              "not the engine's locking"):
        return 0
    ks = [int(k) for k in args.workers.split(",")]
    modes = [m.strip() for m in args.modes.split(",")]
    print(f"# rush: {args.units} units, {args.holders} queue-number holders, K = {ks}, ways in: {modes}; "
          f"machine: {machine()}", flush=True)
    rows, bad = [], 0
    with bench_database(keep=args.keep) as db_name:
        for mode in modes:
            for k in ks:
                code = f"R{mode[0].upper()}{k}"
                vacuum()  # the earlier runs' dead rows must not slow this one down
                world = make_world(code, args.units, k)
                server = None
                port = args.port or _free_port()
                if mode == "http":
                    server = Gunicorn(args.server_workers or max(2, k), port, db_name)
                try:
                    holders = [f"H{i:05d}" for i in range(args.holders)]
                    q_time, q_cpu, q = run_phase("queue", mode, world, k, port, holders)
                    from engine.models import Record

                    order = list(Record.objects.filter(project_id=world["project_id"], state="queued")
                                 .order_by("data__queue_number").values_list("pk", flat=True))
                    p_time, p_cpu, p = run_phase("pick", mode, world, k, port, order)
                finally:
                    if server:
                        server.stop()
                violations = verify(world["project_id"])
                units_sold, numbers, picked = sold(world["project_id"])
                errors = q.errors + p.errors
                bad += sum(violations.values()) + len(errors)
                rows.append([mode, k, q.done / q_time, 1000 * percentile(q.latencies, 50),
                             1000 * percentile(q.latencies, 95), q_cpu, p.done / p_time,
                             1000 * percentile(p.latencies, 50), 1000 * percentile(p.latencies, 95),
                             1000 * percentile(p.latencies, 99), p_cpu, p.conflicts, f"{units_sold}/{args.units}",
                             numbers, sum(violations.values())])
                print(f"  {mode:7s} K={k}: queue {q.done} in {q_time:.1f} s, picks {p.done} in {p_time:.1f} s, "
                      f"{p.conflicts} conflicts, violations {sum(violations.values())}", flush=True)
                for name, count in violations.items():
                    if count:
                        print(f"    VIOLATION {name}: {count}")
                for error in errors[:10]:
                    print(f"    ERROR {error}")
                if picked != units_sold:
                    print(f"    NOTE picked records {picked} != units sold {units_sold}")
        print("\n## launch rush on postgresql")
        print(table(["way in", "K", "confirms/s", "p50 ms", "p95 ms", "CPU busy %", "picks/s", "p50 ms", "p95 ms",
                     "p99 ms", "CPU busy %", "conflicts", "units sold", "numbers", "violations"], rows))
        print("\nCPU busy: the whole machine's CPUs during the phase (clients, server and PostgreSQL); "
              "near 100 % more workers can only queue for the cores")
        print("\ninvariants checked from the database after each run: " + ", ".join(INVARIANTS))
    if bad:
        print(f"\nFAILED: {bad} invariant violations or worker errors")
        return 1
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

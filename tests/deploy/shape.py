"""The production shape on one machine, for tests/deploy/test_deployment_shape.py.

Two "machines", A and B, each a folder (PLATFORM_VAR_DIR) with its own logs, run what
docs/deployment.md runs on each: a gunicorn instance (2 sync workers) and a huey
consumer (`manage.py run_huey --workers 2`). All four processes share one PostgreSQL
database, made for the run and dropped after it, and one Redis queue (its own
HUEY_NAME), with the production settings (DJANGO_DEBUG=0, HTTPS behind a proxy).

The test's clients play the reverse proxy as well as the browser: each request says
`X-Forwarded-Proto: https` and carries an `X-Request-ID`, as nginx would.

World
-----
`world()` is the installation the test loads with `manage.py load_demo --file` (the
demo's loader and format, fixtures/demo/demo.yaml):
- SHAPE, a launch (开盘) with the shipped `queue_number` flow: units, queue batch A,
  customers who queue, and one desk user per client process, each a sales consultant
  and finance (they take the sincerity deposit, confirm it, which issues the next
  number, call the number and pick a unit, which holds it);
- TIMERS: reservations (the shipped `reservation` flow) holding a unit each, whose
  72 h `hold_expires` timer the test brings forward; it fires `expire`, which releases
  the unit and asks finance for the refund.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "shape-pass-1"
DEPOSIT = "1000.00"
SINCERITY = "20000.00"
STACKS = 6  # units per floor of the launch building
TIMER_STACKS = 10
REDIS = "redis://127.0.0.1:6379"
REDIS_DB = 7  # this test's Redis database; its keys are named after the run's HUEY_NAME and deleted after
TIMER_JOB = "engine.tasks.fire_due_timers_every_minute"
# Vendor files no page loads (the pages load mermaid.min.js, htmx.min.js and tom-select's complete.min.js
# and default.min.css): left out of the test's collectstatic, which otherwise spends most of its
# half a minute compressing mermaid's 300 MB of chunks, ESM builds and source maps.
UNUSED_STATIC = [f"--ignore={pattern}" for pattern in (
    "chunks", "esm", "cjs", "scss", "docs", "tests", "__mocks__", "diagrams", "*.mjs", "*.mjs.map", "*.d.ts",
    "mermaid.js", "mermaid.js.map")]


# ---------------------------------------------------------------- the world

def launch_units(units: int) -> list[str]:
    """The launch building's unit codes, as the loader makes them (building 1, floors from 2)."""
    return [f"1-{2 + i // STACKS:02d}{i % STACKS + 1:02d}" for i in range(units)]


def timer_units(count: int) -> list[str]:
    return [f"T-{2 + i // TIMER_STACKS:02d}{i % TIMER_STACKS + 1:02d}" for i in range(count)]


def holder_phone(i: int) -> str:
    return f"1390000{i:04d}"


def world(units: int, holders: int, desks: int, reservations: int) -> dict:
    """Both projects in load_demo's format; `units` a multiple of STACKS, `reservations` of TIMER_STACKS."""
    assert units % STACKS == 0 and reservations % TIMER_STACKS == 0
    stack = {"layout": "3室2厅2卫", "built_area": "98.50", "inner_area": "80.10", "orientation": "南"}
    launch = {
        # on launch day every desk serves whoever is called, whoever registered them
        "code": "SHAPE", "name": "部署形态 Deployment shape", "settings": {"consultants_see_colleagues_records": True},
        "publish": ["queue_number", "reservation", "subscription"],
        "buildings": [{"code": "1", "name": "1号楼", "floors": [2, 1 + units // STACKS], "base_price": "20000.00",
                       "stacks": [{"position": f"{p:02d}", **stack} for p in range(1, STACKS + 1)]}],
        "queue_batches": [{"code": "A", "title": "开盘 A"}],
        "customers": [{"name": f"排号客户{i}", "phone": holder_phone(i), "consultant": f"desk{i % desks}"}
                      for i in range(holders)],
    }
    timers = {
        "code": "TIMERS", "name": "到期释放 Expiring reservations", "settings": {},
        "publish": ["reservation", "subscription"],
        "buildings": [{"code": "T", "name": "T栋", "floors": [2, 1 + reservations // TIMER_STACKS],
                       "base_price": "20000.00",
                       "stacks": [{"position": f"{p:02d}", **stack} for p in range(1, TIMER_STACKS + 1)]}],
        "customers": [{"name": f"小订客户{i}", "phone": f"1370000{i:04d}", "consultant": "keeper"}
                      for i in range(reservations)],
    }
    users = [{"username": f"desk{k}", "password": PASSWORD, "display_name": f"开盘柜台 {k}",
              "roles": {"SHAPE": ["sales_consultant", "finance"]}} for k in range(desks)]
    users.append({"username": "keeper", "password": PASSWORD, "display_name": "小订顾问",
                  "roles": {"TIMERS": ["sales_consultant"]}})
    deals = [{"project": "TIMERS", "flow": "reservation", "by": "keeper",
              "start": {"unit": code, "customer": f"1370000{i:04d}", "deposit": DEPOSIT},
              "steps": [{"fire": "hold", "by": "keeper", "form": {"unit": code, "deposit": DEPOSIT}}]}
             for i, code in enumerate(timer_units(reservations))]
    return {"projects": [launch, timers], "users": users, "deals": deals}


# ---------------------------------------------------------------- the processes

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_problem() -> str | None:
    """Why the test's Redis database cannot be used, or None."""
    try:
        import redis

        redis.Redis.from_url(f"{REDIS}/{REDIS_DB}", socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure is a reason to skip, said as it is
        return f"Redis at {REDIS} unreachable: {type(exc).__name__}: {exc}"
    return None


TEMPLATE_PREFIX = "deploy_shape_template_"


def migrations_hash() -> str:
    """What the migrated schema depends on: our migration files, and the pinned packages (their migrations)."""
    digest = hashlib.sha256()
    for path in [ROOT / "requirements.txt", *sorted((ROOT / "platform").glob("*/migrations/*.py"))]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Process:
    name: str
    machine: str
    popen: subprocess.Popen
    out: Path
    port: int | None = None

    def tail(self, lines: int = 30) -> str:
        text = self.out.read_text(errors="replace") if self.out.exists() else ""
        return f"--- {self.name} ({self.out}):\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Shape:
    """The database, the Redis queue, and the processes of both machines."""

    tmp: Path
    server: dict = field(repr=False)  # HOST, PORT, USER, PASSWORD of the PostgreSQL server
    token: str = field(default_factory=lambda: f"{os.getpid()}_{secrets.token_hex(3)}")
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(50), repr=False)
    processes: dict[str, Process] = field(default_factory=dict)
    generations: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # how long each step took, for the record
    spawned: list[subprocess.Popen] = field(default_factory=list)
    _db: object = field(default=None, repr=False)  # the test's own connection to the shape's database

    @property
    def db_name(self) -> str:
        return f"deploy_shape_{self.token}"

    @property
    def huey_name(self) -> str:
        return f"shape-{self.token}"

    # -- PostgreSQL

    def _connect(self, dbname: str):
        import psycopg

        s = self.server
        return psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                               password=s["PASSWORD"] or None, dbname=dbname, autocommit=True, connect_timeout=10)

    def database_url(self, application: str) -> str:
        s = self.server
        auth = urllib.parse.quote(s["USER"]) + (f":{urllib.parse.quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        return (f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.db_name}"
                f"?application_name={application}")

    @property
    def template_name(self) -> str:
        """The migrated database of this code's migrations, kept on the server between runs."""
        return f"{TEMPLATE_PREFIX}{migrations_hash()}"

    def create_database(self) -> bool:
        """A copy of the migrated template when the server has one for these migrations (a file copy, seconds);
        else an empty database. Returns whether it was copied (`migrate` runs on it either way)."""
        import psycopg

        with self._connect("postgres") as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.template_name,)).fetchone():
                try:
                    conn.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{self.template_name}"')
                    return True
                except psycopg.errors.ObjectInUse:
                    pass  # another run is copying or making it right now: migrate from scratch instead
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
            return False

    def save_template(self) -> None:
        """Keep the freshly migrated database (before anything is loaded) as the template of the next runs,
        and drop the templates of other migrations. Nothing may be connected to it meanwhile."""
        import psycopg

        with self._connect("postgres") as conn:
            stale = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                                 (TEMPLATE_PREFIX.replace("_", r"\_") + "%", self.template_name)).fetchall()
            for (name,) in stale:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            try:
                conn.execute(f'CREATE DATABASE "{self.template_name}" TEMPLATE "{self.db_name}"')
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.ObjectInUse):
                pass  # another run made it first, or a process was still connected: the next run migrates

    def drop_database(self) -> None:
        with self._connect("postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def sql(self, query: str, params: dict | tuple | None = None) -> list[tuple]:
        if self._db is None:
            self._db = self._connect(self.db_name)
        with self._db.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- Redis

    def flush_queue(self) -> int:
        import redis

        client = redis.Redis.from_url(f"{REDIS}/{REDIS_DB}")
        keys = list(client.scan_iter(match=f"*{self.huey_name}*"))
        if keys:
            client.delete(*keys)
        return len(keys)

    # -- processes

    def var_dir(self, machine: str) -> Path:
        path = self.tmp / f"machine-{machine}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def env(self, machine: str, application: str) -> dict:
        """What the operator puts in /etc/platform/env on `machine` (docs/deployment.md)."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "PLATFORM_", "HUEY_")) and k not in ("DATABASE_URL", "REDIS_URL")}
        return {**base,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "PYTHONPATH": f"{ROOT / 'platform'}:{ROOT}",
                "DATABASE_URL": self.database_url(application),
                "REDIS_URL": f"{REDIS}/{REDIS_DB}",
                "HUEY_NAME": self.huey_name,
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": self.secret,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "PLATFORM_HTTPS": "1",
                "PLATFORM_BEHIND_PROXY": "1",
                "PLATFORM_PROXY_COUNT": "1",
                "PLATFORM_SITE_URL": "https://127.0.0.2",
                "PLATFORM_VAR_DIR": str(self.var_dir(machine)),
                "PLATFORM_LOG_LEVEL": "INFO"}

    def spawn(self, machine: str, *args: str) -> subprocess.Popen:
        """Start a manage.py command on `machine`; `finish()` waits for it."""
        command = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT,
                                   env=self.env(machine, f"shape-{args[0]}"), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        self.spawned.append(command)
        return command

    @staticmethod
    def finish(command: subprocess.Popen, timeout: float = 180) -> str:
        """Its output, once it has ended well; fail with the output when it did not."""
        try:
            out, err = command.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            command.kill()
            out, err = command.communicate()
            err += f"\n(killed after {timeout:.0f} s)"
        if command.returncode:
            raise AssertionError(f"{' '.join(command.args[1:])} failed ({command.returncode}):\n"
                                 f"{out[-3000:]}\n{err[-3000:]}")
        return out + err

    def manage(self, machine: str, *args: str, timeout: float = 180) -> str:
        """Run a manage.py command on `machine`: its output; fail with it when the command fails."""
        return self.finish(self.spawn(machine, *args), timeout)

    def start(self, name: str, machine: str, argv: list[str], port: int | None = None) -> Process:
        """Start a long-running process in its own session (so it and its children can be stopped together)."""
        generation = self.generations[name] = self.generations.get(name, 0) + 1
        out = self.var_dir(machine) / f"{name}.{generation}.out"
        popen = subprocess.Popen(argv, cwd=ROOT, env=self.env(machine, f"shape-{name}-{generation}"),
                                 stdout=out.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = Process(name, machine, popen, out, port)
        return self.processes[name]

    def start_web(self, name: str, machine: str) -> Process:
        """gunicorn as the systemd unit in docs/deployment.md starts it, on a free loopback port."""
        port = free_port()
        return self.start(name, machine, [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "--pythonpath", "platform",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60", "--graceful-timeout", "10",
            "--no-control-socket"], port)  # both "machines" share one home here, where the socket would go

    def start_consumer(self, name: str, machine: str) -> Process:
        return self.start(name, machine, [sys.executable, "manage.py", "run_huey", "--workers", "2"])

    def application(self, name: str) -> str:
        """The `application_name` the current generation of process `name` shows in pg_stat_activity."""
        return f"shape-{name}-{self.generations[name]}"

    def kill(self, name: str) -> None:
        """kill -9, as a power cut or the OOM killer would."""
        process = self.processes[name]
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=10)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.popen.poll() is None:
            os.killpg(process.popen.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        for command in self.spawned:  # a set-up command left running by a failure
            if command.poll() is None:
                command.kill()
                command.communicate()

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.processes.values())

    def alive(self) -> None:
        dead = [p for p in self.processes.values() if p.popen.poll() is not None]
        if dead:
            raise AssertionError("a process of the shape died:\n" + "\n".join(p.tail() for p in dead))

    def wait_web(self, name: str, timeout: float = 60) -> None:
        process = self.processes[name]
        until(lambda: request(process.port, "GET", "/login/")[0] == 200 if process.popen.poll() is None else True,
              timeout, f"{name} answering", self.tails)
        self.alive()

    def wait_log(self, name: str, pattern: str, timeout: float = 60, after: int = 0) -> None:
        """Wait until the process's output has a line matching `pattern` (past byte `after`)."""
        process = self.processes[name]

        def seen() -> bool:
            if process.popen.poll() is not None:
                raise AssertionError(f"{name} exited:\n{process.tail()}")
            return re.search(pattern, process.out.read_text(errors="replace")[after:]) is not None

        until(seen, timeout, f"{name} logging {pattern!r}", self.tails)

    def tick(self, jobs: int) -> subprocess.Popen:
        """Enqueue the timer job `jobs` times: the minute's tick of every consumer's scheduler, brought forward.

        Returns the command enqueueing them (`finish()` waits for it).
        """
        return self.spawn("a", "shell", "--no-imports", "-c",
                          f"from engine.tasks import fire_due_timers_every_minute as job\nfor _ in range({jobs}): job()")

    def log(self, machine: str) -> list[dict]:
        """The JSON lines of the machine's var/log/platform.log (web and consumer processes alike)."""
        path = self.var_dir(machine) / "log" / "platform.log"
        lines = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []:
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append({"unparsed": line})
        return lines


def until(condition: Callable[[], bool], timeout: float, what: str, context: Callable[[], str] = lambda: "",
          every: float = 0.2) -> float:
    """Poll `condition` until it holds; fail after `timeout` seconds saying what was awaited. Returns the wait."""
    started = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - started
        except OSError:
            pass  # a server not listening yet
        if time.monotonic() - started > timeout:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{context()}")
        time.sleep(every)


# ---------------------------------------------------------------- HTTP, as the proxy passes it on

def request(port: int, method: str, path: str, form: dict | None = None, cookies: dict | None = None,
            request_id: str | None = None) -> tuple[int, str, dict[str, str], bytes]:
    """One request through "the proxy": HTTPS said in X-Forwarded-Proto, the client's address, a request id.

    Returns the status, the Location, the cookies set and the body. gunicorn's sync workers
    close every connection, so each request has its own.
    """
    cookies = cookies or {}
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1",
               "X-Request-ID": request_id or uuid.uuid4().hex}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": cookies.get("csrftoken", "")})
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"https://127.0.0.1:{port}"  # as a browser sends it on a POST
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    set_cookies = {}
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            set_cookies[key] = rest.split(";", 1)[0]
    return response.status, response.getheader("Location", ""), set_cookies, data


# ---------------------------------------------------------------- the rush: desks in parallel processes

class Desk:
    """One sales desk's browser: one session, its requests alternating between the web instances."""

    def __init__(self, number: int, ports: list[int], secret: str, cookies: dict | None = None):
        self.number, self.ports, self.secret = number, ports, secret
        self.cookies = dict(cookies or {})
        self.sent = 0

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, dict, bytes]:
        port = self.ports[(self.number + self.sent) % len(self.ports)]
        self.sent += 1
        status, location, set_cookies, body = request(port, method, path, form, self.cookies,
                                                      f"rush-d{self.number}-{self.sent:04d}")
        for key in ("sessionid", "csrftoken"):
            if key in set_cookies:
                self.cookies[key] = set_cookies[key]
        return status, location, set_cookies, body

    def login(self) -> None:
        self.send("GET", "/login/")
        status, _, _, body = self.send("POST", "/login/", {"username": f"desk{self.number}", "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"desk{self.number} login: {status} {body[:300]!r}")

    def errors_said(self, set_cookies: dict) -> list[str]:
        """The error messages the page left in the `messages` cookie (how the staff pages say a refusal)."""
        from django.contrib.messages import constants
        from django.contrib.messages.storage.cookie import CookieStorage
        from django.http import HttpRequest
        from django.test.utils import override_settings

        value = set_cookies.get("messages", "").strip('"')
        if not value:
            return []
        with override_settings(SECRET_KEY=self.secret):  # signed by the servers' key
            said = CookieStorage(HttpRequest())._decode(value.replace("\\054", ",").replace('\\"', '"')) or []
        return [str(m.message) for m in said if m.level >= constants.ERROR]

    def fire(self, record_id: int, transition: str, fields: dict | None = None) -> list[str]:
        """Fire a step from the record page; the refusals said (none when it was done)."""
        form = {f"{transition}-{k}": v for k, v in (fields or {}).items()}
        form["idempotency_key"] = uuid.uuid4().hex
        status, _, set_cookies, body = self.send("POST", f"/records/{record_id}/fire/{transition}/", form)
        if status != 302:
            raise RuntimeError(f"{transition} on record {record_id}: {status} {body[:300]!r}")
        return self.errors_said(set_cookies)

    def register(self, phone: str) -> int:
        """Start a queue number for the customer, take the sincerity deposit, confirm it: the number is issued."""
        status, location, _, body = self.send("POST", "/start/SHAPE/queue_number/",
                                              {"customer_id": phone, "batch": "A", "idempotency_key": uuid.uuid4().hex})
        found = re.search(r"/records/(\d+)/", location)
        if status != 302 or not found:
            raise RuntimeError(f"start for {phone}: {status} {body[:300]!r}")
        record_id = int(found.group(1))
        for transition, fields in (("submit_deposit", {"batch": "A", "deposit": SINCERITY,
                                                       "payment_method": "bank_transfer"}),
                                   ("confirm_deposit", {})):
            refused = self.fire(record_id, transition, fields)
            if refused:
                raise RuntimeError(f"{transition} on record {record_id} refused: {refused}")
        return record_id

    def stock(self) -> list[str]:
        """The codes of the units on sale, from the sale-control chart's data."""
        status, _, _, body = self.send("GET", "/projects/SHAPE/chart/data/")
        if status != 200:
            raise RuntimeError(f"chart data: {status} {body[:200]!r}")
        return sorted(code for code, unit in json.loads(body)["units"].items() if unit["status"] == "available")


def desk_process(phase: str, number: int, ports: list[int], secret: str, cookies: dict, items: list,
                 counter, barrier, out) -> None:
    """A desk working through the shared list: holders to register (queue), records to call (pick)."""
    import random

    result = {"done": [], "conflicts": 0, "errors": [], "cookies": {}}
    released = False
    try:
        desk = Desk(number, ports, secret, cookies)
        if not cookies:
            desk.login()
        rng = random.Random(number)
        stock = desk.stock() if phase == "pick" else []
        barrier.wait(timeout=120)
        released = True
        while True:
            with counter.get_lock():
                index = counter.value
                counter.value += 1
            if index >= len(items):
                break
            if phase == "queue":
                result["done"].append(desk.register(items[index]))
                continue
            if not stock:
                stock = desk.stock()
                if not stock:
                    break  # sold out: the holders still waiting go home
            record_id = items[index]
            refused = desk.fire(record_id, "call")
            if refused:
                raise RuntimeError(f"call on record {record_id} refused: {refused}")
            while stock:
                # half the time among the hot tenth: everyone wants the same floors
                hot = max(1, len(stock) // 10)
                code = stock[rng.randrange(hot) if rng.random() < 0.5 else rng.randrange(len(stock))]
                refused = desk.fire(record_id, "pick_reservation", {"unit_id": code})
                stock.remove(code)
                if not refused:
                    result["done"].append((record_id, code))
                    break
                result["conflicts"] += 1  # taken meanwhile: look at the chart again and choose another
                stock = desk.stock()
        result["cookies"] = desk.cookies
    except Exception as exc:  # reported by the parent
        result["errors"].append(f"desk{number}: {type(exc).__name__}: {exc}")
        if not released:
            barrier.abort()  # the others must not wait for a desk that will never come
    finally:
        out.put((number, result))


def run_desks(phase: str, desks: int, ports: list[int], secret: str, items: list,
              cookies: dict[int, dict] | None = None, timeout: float = 120) -> dict[int, dict]:
    """Run `desks` desk processes over `items`, released together; each desk's result by number."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    counter, barrier, out = ctx.Value("i", 0), ctx.Barrier(desks + 1), ctx.Queue()
    procs = [ctx.Process(target=desk_process, args=(phase, k, ports, secret, (cookies or {}).get(k, {}), items,
                                                    counter, barrier, out)) for k in range(desks)]
    for proc in procs:
        proc.start()
    import threading

    try:
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass  # a desk failed before the start: its error is in its result
        results = dict(out.get(timeout=timeout) for _ in procs)
    finally:
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
    return results

"""Each benchmark's entry point at a tiny size, so the benchmarks cannot rot unnoticed.

Not timed tests: they check that every figure is printed and every invariant holds.
They run at once, each in its own process and its own throw-away database
(`test_bsmoke_<pid>_<name>` on PostgreSQL, a SQLite file under a temporary folder
otherwise), because the benchmarks install apps production does not (bench.settings).
Each database is a copy of one migrated database (`python -m bench template`, kept between
runs until a migration changes): six migrations from nothing at once were most of the module's time.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "throughput": ["throughput", "--records", "5", "--repetitions", "1", "--warmup", "1", "--breakdown"],
    "rush": ["rush", "--units", "20", "--holders", "40", "--workers", "2", "--modes", "service,http"],
    "imports": ["imports", "--units", "40", "--customers", "40", "--memory-rows", "20,40"],
    "inbox": ["inbox", "--tasks", "1000", "--projects", "5", "--users", "50", "--user-open", "20",
              "--manager-claimable", "100", "--repeat", "5"],
    "receivables": ["receivables", "--lines", "100", "--repeat", "1", "--naive-repeat", "1"],
    "timers": ["timers", "--timers", "30", "--consumers", "1,2", "--repeat", "1"],
}
POSTGRES_ONLY = {"rush", "inbox", "timers"}
NEEDS_POSTGRES = ("needs PostgreSQL: the launch rush and the timer consumers race real connections and the inbox "
                  "figure is about PostgreSQL's plans; run the suite with DATABASE_URL=postgres://... (CI does)")


def _env(name: str, tmp: Path, template: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "BENCH_TEMPLATE")}
    env["PLATFORM_VAR_DIR"] = str(tmp)
    if template:
        env["BENCH_TEMPLATE"] = template
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql" and url:
        env["DATABASE_URL"] = _renamed(url, f"bsmoke_{os.getpid()}_{name}")
    else:
        env.pop("DATABASE_URL", None)
    return env


def _renamed(url: str, name: str) -> str:
    """The same server, another database name."""
    head, _, tail = url.partition("://")
    rest, _, query = tail.partition("?")
    host = rest.split("/", 1)[0]
    return f"{head}://{host}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The migrated benchmark database every benchmark copies: kept between runs by the migrations' hash
    (bench.db.make_template), so a run migrates it only after a migration or a pin changed."""
    made = subprocess.run([sys.executable, "-m", "bench", "template"], cwd=ROOT,
                          env=_env("template", tmp_path_factory.mktemp("bench-template")),
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    return made.stdout.strip().splitlines()[-1].removeprefix("template: ")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, template):
    """Start every benchmark that can run on this database, all at once; collect their output."""
    started = {}
    for name, args in COMMANDS.items():
        if name in POSTGRES_ONLY and connection.vendor != "postgresql":
            continue
        tmp = tmp_path_factory.mktemp(f"bench-{name}")
        # its own process group: a benchmark that hangs is killed with its workers and web server,
        # which would otherwise hold the output pipe open and the suite with it
        started[name] = subprocess.Popen([sys.executable, "-m", "bench", *args], cwd=ROOT,
                                         env=_env(name, tmp, template),
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                         start_new_session=True)
    finished = {}
    for name, proc in started.items():
        try:
            out, _ = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            out += "\n(timed out)"
        finished[name] = (proc.returncode, out)
    return finished


def _table(out: str, heading: str) -> list[list[str]]:
    """The rows of the figures table under `heading`, split on runs of spaces."""
    lines = out.split(heading, 1)[1].split("\n")[1:]  # the lines after the heading's own
    lines = lines[next(i for i, line in enumerate(lines) if line.strip()):]
    rows = []
    for line in lines[2:]:  # below the column names and the dashes
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_throughput_prints_every_engines_figures_and_finishes_every_record(runs):
    # given / when
    code, out = runs["throughput"]
    # then
    assert code == 0, out
    rows = _table(out, f"## throughput on {connection.vendor}")
    assert [r[0] for r in rows] == ["viewflow", "floor", "ours"], out
    for row in rows:
        assert len(row) == 9 and all(float(x.replace(",", "")) > 0 for x in row[1:]), row
    assert "ours / viewflow" in out and "ours / floor" in out
    assert "## fire escalate:" in out and "## vote approve:" in out
    assert "unfinished records: {'ours': 0, 'viewflow': 0, 'floor': 0}" in out


def test_launch_rush_keeps_every_invariant_at_every_way_in(runs):
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    # given / when
    code, out = runs["rush"]
    # then
    assert code == 0, out
    rows = _table(out, "## launch rush on postgresql")
    assert [(r[0], r[1]) for r in rows] == [("service", "2"), ("http", "2")], out
    for row in rows:
        picks_per_s, units_sold, numbers, violations = float(row[6]), row[12], row[13], row[14]
        assert picks_per_s > 0 and units_sold == "20/20" and numbers == "40" and violations == "0", row
        assert all(0 <= float(busy) <= 100 for busy in (row[5], row[10])), row  # the machine's CPUs, in %
    assert "VIOLATION" not in out and "ERROR" not in out


def test_inbox_prints_both_people_and_the_plans(runs):
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    # given / when
    code, out = runs["inbox"]
    # then
    assert code == 0, out
    rows = _table(out, "## inbox on postgresql")
    assert [(r[0], r[1]) for r in rows] == [("inbox_user", "20"), ("inbox_manager", "100")], out
    assert out.count("## EXPLAIN ANALYZE of") == 2 and "indexes used:" in out


def test_receivables_prints_the_page_rows_and_the_naive_loop_which_agree(runs):
    code, out = runs["receivables"]
    assert code == 0, out  # 1 when the naive loop and the list disagree
    rows = _table(out, "## receivables on")
    assert [r[0] for r in rows] == ["page (finance, first 50 rows)", "page, overdue only", "export (.xlsx, every row)",
                                    "figures: project_summaries (SQL sums)",
                                    "figures: project_balances (Python allocation, before)",
                                    "rows_for (the list's rows, every row named)", "same, naive per-deal ORM loop"], out
    assert "naive / rows_for (p50)" in out


def test_imports_prints_every_way_and_writes_every_row(runs):
    # given / when
    code, out = runs["imports"]
    # then
    assert code == 0, out
    rows = _table(out, f"## imports on {connection.vendor}")
    assert [(r[0], r[1], r[2]) for r in rows] == [(kind, way, "40") for kind in ("units", "customers")
                                                  for way in ("floor", "naive", "import", "again")], out
    assert all(float(r[4].replace(",", "")) > 0 for r in rows), rows
    assert "peak MiB (tracemalloc)" in out and "written of" not in out


def test_timers_fire_each_timer_once_with_one_and_with_several_consumers(runs):
    if connection.vendor != "postgresql":
        pytest.skip(NEEDS_POSTGRES)
    # given / when
    code, out = runs["timers"]
    # then
    assert code == 0, out
    rows = [r for r in _table(out, "due timers per run") if r[0].isdigit()]  # the table, not the lines after it
    assert [r[0] for r in rows] == ["1", "2"], out
    for row in rows:
        assert row[1] == "30" and float(row[2].replace(",", "")) > 0, row
    assert "speed-up over 1 consumer: K=1 x1.00, K=2 x" in out
    assert "every timer fired exactly once" in out and "FAILED" not in out

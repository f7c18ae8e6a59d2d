"""The throughput benchmark run on two versions of the engine in one command: before and after a change.

`python -m bench throughput --against REV` checks REV out into a temporary git worktree,
copies this checkout's bench/ into it (the drivers call only the engine's service API,
so both versions are measured by the same code), and runs one repetition at a time in
each, alternating (before, after, before, after, ...), each in its own process and
database. Each repetition still interleaves viewflow, the floor and ours, so each
version's ours/viewflow ratio is taken under the same load as its own viewflow; the
after/before ratios are medians over the repetitions.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .stats import median, table

ROOT = Path(__file__).resolve().parent.parent


def _worktree(rev: str) -> Path:
    where = Path(tempfile.mkdtemp(prefix="bench-against-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(where), rev],
                   check=True, capture_output=True)
    shutil.rmtree(where / "bench")
    shutil.copytree(ROOT / "bench", where / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / "node_modules").exists() and not (where / "node_modules").exists():
        (where / "node_modules").symlink_to(ROOT / "node_modules")
    return where


def _remove(where: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], capture_output=True)
    shutil.rmtree(where, ignore_errors=True)


def _one(cwd: Path, options: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench", "throughput", "--repetitions", "1", "--json", *options],
                          cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the run in {cwd} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(rev: str, repetitions: int, options: list[str]) -> int:
    """Alternate one repetition before (REV) and one after (this checkout), then print both and the ratios."""
    label = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", rev],
                           check=True, capture_output=True, text=True).stdout.strip()
    print(f"# throughput before ({label}) and after (this checkout), {repetitions} repetitions each, alternating",
          flush=True)
    before_tree = _worktree(rev)
    before: list[dict] = []
    after: list[dict] = []
    try:
        for rep in range(repetitions):
            for name, cwd, into in (("before", before_tree, before), ("after", ROOT, after)):
                figures = _one(cwd, options)
                into.append(figures)
                print(f"  rep {rep + 1} {name:6s} ours {figures['ours_tps']:7.1f} transitions/s, "
                      f"viewflow {figures['viewflow_tps']:7.1f}, ours/viewflow {figures['ours_per_viewflow']:.2f}, "
                      f"{figures['ours_sql']:.1f} SQL/transition", flush=True)
    finally:
        _remove(before_tree)
    rows = []
    for name, runs in (("before " + label, before), ("after", after)):
        rows.append([name, median([r["ours_tps"] for r in runs]), median([r["viewflow_tps"] for r in runs]),
                     median([r["ours_per_viewflow"] for r in runs]), median([r["ours_sql"] for r in runs])])
    print("\n## before and after (medians)")
    print(table(["engine version", "ours transitions/s", "viewflow transitions/s", "ours / viewflow",
                 "ours SQL+BEGIN/COMMIT per transition"], rows))
    relative = [a["ours_per_viewflow"] / b["ours_per_viewflow"] for a, b in zip(after, before)]
    raw = [a["ours_tps"] / b["ours_tps"] for a, b in zip(after, before)]
    print("\n" + table(["after / before", "median", "each repetition"], [
        ["ours / viewflow", median(relative), " ".join(f"{x:.2f}" for x in relative)],
        ["ours transitions/s", median(raw), " ".join(f"{x:.2f}" for x in raw)],
    ]))
    return 0

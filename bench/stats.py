"""Medians, percentiles and plain-text tables for the benchmarks' output."""
from __future__ import annotations

import platform
import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths)))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(out)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if value != value:
            return "-"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def machine() -> str:
    import os

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
            memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({cpu or platform.processor()}){memory}, Python {platform.python_version()}"


class CpuMeter:
    """How busy the whole machine's CPUs were between `CpuMeter()` and `busy()`, in percent.

    Read from /proc/stat (Linux; NaN elsewhere). It counts every process, the
    benchmark's clients, its server and PostgreSQL alike: near 100 % means more workers
    can only queue for the cores.
    """

    def __init__(self) -> None:
        self.start = _cpu_times()

    def busy(self) -> float:
        end = _cpu_times()
        if self.start is None or end is None:
            return float("nan")
        total = sum(end) - sum(self.start)
        idle = (end[3] + end[4]) - (self.start[3] + self.start[4])  # idle + iowait
        return 100.0 * (total - idle) / total if total else float("nan")


def _cpu_times() -> list[int] | None:
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:8]]
    except (OSError, ValueError):
        return None

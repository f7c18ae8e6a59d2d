"""Benchmarks: engine throughput, the launch-day rush, the inbox at scale.

Run them with `python -m bench NAME` (see bench/README.md and docs/benchmarks.md).
The package is also a Django app (label `bench`) holding the floor's two models,
installed only by `bench.settings`, never by the production settings.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Like manage.py: the platform's apps live in platform/, which is not a package.
if str(ROOT / "platform") not in sys.path:
    sys.path.insert(0, str(ROOT / "platform"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLOWS_DIR = Path(__file__).resolve().parent / "flows"

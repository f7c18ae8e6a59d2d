"""The cost of canonical content hashes (issue 17): hashing each shipped flow's effective document.

Baseline, measured in the same run: the hash of the JSON text as stored (before issue 17).
Publishing hashes each document once and the current version once more at most, so the
difference per publish is what is printed per flow.

    .venv/bin/python -m bench canonical [--rounds N]
"""
from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from pathlib import Path

from definitions import canonical


def _documents() -> dict[str, object]:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings

    from definitions import read_template
    from definitions.validator import resolve_entity
    from engine.environment import environment

    env = environment()
    out = {}
    for path in sorted(Path(settings.FLOWS_DIR).glob("*.yaml")):
        resolved, _ = resolve_entity(read_template(path).document, env, path.name)
        out[path.stem] = resolved
    return out


def _old_hash(document: object) -> str:
    return hashlib.sha256(canonical.dumps(document).encode("utf-8")).hexdigest()


def _median_ms(fn, documents, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for document in documents:
            fn(document)
        times.append((time.perf_counter() - started) * 1000 / len(documents))
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench canonical")
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args(argv)
    documents = _documents()
    values = list(documents.values())
    size = statistics.median(len(canonical.dumps(d)) for d in values)
    # interleaved, so a noisy neighbour slows both alike
    old, new = [], []
    for _ in range(5):
        old.append(_median_ms(_old_hash, values, options.rounds // 5 or 1))
        new.append(_median_ms(canonical.content_hash, values, options.rounds // 5 or 1))
    old_ms, new_ms = statistics.median(old), statistics.median(new)
    print(f"{len(values)} shipped flows, median document {size / 1024:.1f} KiB of JSON")
    print(f"hash of the stored text (baseline): {old_ms:.3f} ms per flow")
    print(f"hash of the canonical form:         {new_ms:.3f} ms per flow ({new_ms / old_ms:.1f}x, "
          f"+{new_ms - old_ms:.3f} ms per publish)")
    return 0

"""Migrate one benchmark database and keep it, for other runs to copy (BENCH_TEMPLATE).

The bench smoke tests (tests/bench) run this first and start every benchmark with
BENCH_TEMPLATE set to the name it prints on its last line, instead of each benchmark
migrating its own database from nothing. The template is kept by the hash of the
migrations (bench.db.make_template): made again only when one of them changed.
"""
from __future__ import annotations

from .db import make_template, parser, setup_django


def main(argv: list[str]) -> int:
    parser("template", __doc__).parse_args(argv)
    setup_django()
    print(f"template: {make_template()}")
    return 0

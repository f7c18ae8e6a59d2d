"""Running work in real parallel database connections, for the launch-day-rush tests."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, connections

T = TypeVar("T")


def needs_postgresql() -> None:
    """Skip on SQLite: it has one writer at a time, so a race there proves nothing. CI runs PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent row locks cannot be shown on SQLite's single writer "
                    "(run with DATABASE_URL=postgres://...; CI does)")


def race(workers: int, job: Callable[[int], T]) -> list[T | BaseException]:
    """Start `workers` threads, each with its own connection, released together by a barrier.

    Returns each worker's result or the exception it raised, by worker index.
    """
    barrier = threading.Barrier(workers)
    results: list[T | BaseException | None] = [None] * workers

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = job(index)
        except BaseException as exc:  # collected for the test to inspect
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results  # type: ignore[return-value]

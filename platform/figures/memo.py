"""One reading of the figures: what a board asks twice is computed once.

A dashboard asks for the same totals many times (the sales headlines, the conversion
rates, the sell-through pace and the team's totals all read `sales.totals` of the
same periods), and its visit figures (headlines, source types, the 30-day, 6- and
12-month trends) all count the same visits by day. Inside `reading()` a function
wrapped with `once` runs once per distinct argument tuple, and `span()` names the
days the board will read so the visit counts are fetched once for all of them.

Only within one reading (one request, one command): the facts change between requests,
and a cache that outlived them would show stale figures.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from .periods import Period

_store: ContextVar[dict | None] = ContextVar("figures_reading", default=None)
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def reading(span: Period | None = None) -> Iterator[None]:
    """Figures computed inside share their results; `span` covers every day they will read."""
    token = _store.set({"span": span})
    try:
        yield
    finally:
        _store.reset(token)


def span() -> Period | None:
    """The days the current reading covers, if it said (None outside a reading)."""
    store = _store.get()
    return store["span"] if store else None


def remember(fn: Callable, args: tuple, value: Any) -> None:
    """Within a reading, fn(*args) (a function wrapped with `once`) will answer `value`: computed with others at once."""
    store = _store.get()
    if store is not None:
        store[(fn.__module__, fn.__qualname__, args)] = value


def once(fn: F) -> F:
    """Within a reading, fn(*args) is computed once per distinct (hashable) arguments."""

    @wraps(fn)
    def wrapper(*args):
        store = _store.get()
        if store is None:
            return fn(*args)
        key = (fn.__module__, fn.__qualname__, args)
        if key not in store:
            store[key] = fn(*args)
        return store[key]

    return wrapper  # type: ignore[return-value]

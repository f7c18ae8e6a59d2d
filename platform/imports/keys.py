"""What an import remembers of the rows read so far, kept off the Python heap so memory stays flat as a file grows.

Refusing a natural key met twice anywhere in the file (and, for units, a floor position
taken twice) means remembering every key read so far. As Python strings, tuples and dict
entries that was some 150 bytes a row: 15 MiB more at 100,000 rows than at 10,000, for a
check that otherwise streams. Here the keys live in a private temporary SQLite database
(`sqlite3.connect("")`): SQLite holds a page cache of at most CACHE_KIB and writes the rest
to a temporary file it deletes when the connection closes. A lookup is one indexed
statement (a few microseconds, against a millisecond to check a row).

`RowSpool` keeps the rows the check read for the write pass in the same way.

Keys are compared by their `repr` (the cell's value as read: 1502 and "1502" stay two keys,
as they were two in a Python set).
"""
from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterable, Iterator

CACHE_KIB = 1024


class KeyMap:
    """A set of keys, each with an optional text value; `add` says whether the key was new."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")  # a scratch table: nothing to roll back or recover
        self._db.execute("CREATE TABLE k (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
        self._db.execute("BEGIN")  # one transaction for the whole file: no commit per key

    @staticmethod
    def _text(key: object) -> str:
        return repr(key)

    def add(self, key: object) -> bool:
        """Remember `key`; False when it was already there."""
        return self._db.execute("INSERT OR IGNORE INTO k VALUES (?, NULL)", (self._text(key),)).rowcount == 1

    def __contains__(self, key: object) -> bool:
        return self._db.execute("SELECT 1 FROM k WHERE key = ?", (self._text(key),)).fetchone() is not None

    def get(self, key: object) -> str | None:
        found = self._db.execute("SELECT value FROM k WHERE key = ?", (self._text(key),)).fetchone()
        return found[0] if found else None

    def __setitem__(self, key: object, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO k VALUES (?, ?)", (self._text(key), value))

    def update(self, pairs: Iterable[tuple[object, str]]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO k VALUES (?, ?)", ((self._text(k), v) for k, v in pairs))

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM k").fetchone()[0])

    def close(self) -> None:
        self._db.close()


class RowSpool:
    """The rows the check read, chunk by chunk, for the write pass to take again without parsing the file twice.

    The check parses every cell of the .xlsx (most of its time); the write pass reads the
    same rows back from here, pickled per chunk, in the same kind of private temporary SQLite
    database as KeyMap's (a bounded cache, the rest on disk): memory stays flat.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("CREATE TABLE chunk (n INTEGER PRIMARY KEY, rows BLOB)")
        self._db.execute("BEGIN")

    def append(self, rows: list) -> None:
        self._db.execute("INSERT INTO chunk (rows) VALUES (?)", (pickle.dumps(rows, pickle.HIGHEST_PROTOCOL),))

    def __iter__(self) -> Iterator[list]:
        last = 0
        while True:  # a chunk at a time, by its number: nothing else is held
            found = self._db.execute("SELECT n, rows FROM chunk WHERE n > ? ORDER BY n LIMIT 1", (last,)).fetchone()
            if found is None:
                return
            last = found[0]
            yield pickle.loads(found[1])  # noqa: S301 - our own rows, pickled by this process a moment ago

    def close(self) -> None:
        self._db.close()

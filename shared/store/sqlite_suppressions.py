"""The opt-out list on SQLite: one row per (signature, number lookup)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager

from shared.store.suppressions import check_entry

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS suppressions (
        sign TEXT NOT NULL,
        lookup TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (sign, lookup)
    ) WITHOUT ROWID""",
)

_CHUNK = 500  # host parameters per query: below SQLite's oldest limit (999)


class SqliteSuppressions:
    """The opt-out operations of :class:`~shared.store.sqlite.SqliteStore`."""

    clock: Callable[[], float]
    _transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def suppress(self, sign: str, lookup: str) -> bool:
        check_entry(sign, lookup)
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO suppressions (sign, lookup, created_at) VALUES (?, ?, ?)",
                                (sign, lookup, self.clock()))
            return cursor.rowcount == 1

    def suppressed(self, sign: str, lookups: Collection[str]) -> set[str]:
        check_entry(sign)
        wanted = list(dict.fromkeys(lookups))
        if not wanted:
            return set()
        found: set[str] = set()
        with self._transaction() as db:
            for chunk in _chunks(wanted):
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT lookup FROM suppressions WHERE sign = ? AND lookup IN ({marks})",
                                  (sign, *chunk))
                found.update(row[0] for row in rows)
        return found


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]

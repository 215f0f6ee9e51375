"""The embedded store: one SQLite file shared by every process on one machine.

Every check-and-update runs in a ``BEGIN IMMEDIATE`` transaction (a rollback journal, a busy
timeout), so processes on the same file take turns; threads of one process share one
connection behind a lock. The connection is kept only while it is sound (``sqlite_file``: a
read-only, failed or orphaned connection is dropped, and the store answers
:class:`StoreUnavailableError` until the file is usable). ``:memory:`` gives a private
database per store object, for tests. Expired rows are ignored by every decision and deleted
by the next claim.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from shared.store.base import (
    CLAIMED,
    DONE,
    IN_PROGRESS,
    MISMATCH,
    Claim,
    Store,
    StoreUnavailableError,
    check_key,
    check_seconds,
    dump,
    load,
    new_token,
)
from shared.store.message_log import Logged
from shared.store.sqlite_codes import SCHEMA as CODES_SCHEMA
from shared.store.sqlite_codes import SqliteCodes
from shared.store.sqlite_file import SqliteFile, roll_back
from shared.store.sqlite_message_log import SCHEMA as MESSAGE_LOG_SCHEMA
from shared.store.sqlite_message_log import SqliteMessageLog, write_send
from shared.store.sqlite_suppressions import SCHEMA as SUPPRESSIONS_SCHEMA
from shared.store.sqlite_suppressions import SqliteSuppressions

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS idempotency (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        token TEXT,
        lease_until REAL NOT NULL,
        expires_at REAL NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        response TEXT,
        progress TEXT
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS idempotency_expiry ON idempotency (expires_at)",
)

_COLUMNS = "fingerprint, token, lease_until, expires_at, done, response, progress"


class SqliteStore(SqliteCodes, SqliteMessageLog, SqliteSuppressions, Store):
    """A :class:`Store` on a SQLite file (``path``) or ``:memory:``; connects on first use."""

    def __init__(self, path: str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._file = SqliteFile(path, (*SCHEMA, *CODES_SCHEMA, *MESSAGE_LOG_SCHEMA, *SUPPRESSIONS_SCHEMA))

    # -- idempotency records -------------------------------------------------------------

    def claim(self, key: str, fingerprint: str, *, ttl: float, lease: float) -> Claim:
        check_key(key)
        check_seconds(ttl=ttl, lease=lease)
        token = new_token()
        with self._transaction() as db:
            now = self.clock()
            db.execute("DELETE FROM idempotency WHERE expires_at <= ?", (now,))
            row = db.execute(f"SELECT {_COLUMNS} FROM idempotency WHERE key = ?", (key,)).fetchone()
            lease_until, expires_at = now + lease, now + max(ttl, lease)
            if row is None:
                db.execute(
                    "INSERT INTO idempotency (key, fingerprint, token, lease_until, expires_at) VALUES (?, ?, ?, ?, ?)",
                    (key, fingerprint, token, lease_until, expires_at),
                )
                return Claim(CLAIMED, token=token)
            stored_fingerprint, holder, held_until, stored_expiry, done, response, progress = row
            if stored_fingerprint != fingerprint:
                return Claim(MISMATCH)
            if done:
                return Claim(DONE, response=load(response))
            if holder is not None and held_until > now:
                return Claim(IN_PROGRESS, retry_after=held_until - now)
            db.execute(
                "UPDATE idempotency SET token = ?, lease_until = ?, expires_at = ? WHERE key = ?",
                (token, lease_until, max(stored_expiry, expires_at), key),
            )
            return Claim(CLAIMED, token=token, progress=load(progress))

    def complete(self, key: str, token: str, response: dict[str, Any], *, ttl: float,
                 sends: Sequence[Logged] = ()) -> bool:
        check_seconds(ttl=ttl)
        text = dump(response)
        with self._transaction() as db:
            now = self.clock()
            for record, record_ttl in sends:
                write_send(db, record, record_ttl, now)
            row = _owned(db, key, token, now)
            if row is None:
                return False
            if not row[0]:  # not done yet; a second complete keeps the first response
                db.execute(
                    "UPDATE idempotency SET done = 1, response = ?, progress = NULL, lease_until = 0, expires_at = ?"
                    " WHERE key = ?",
                    (text, now + ttl, key),
                )
            return True

    def release(self, key: str, token: str, *, progress: dict[str, Any] | None = None) -> bool:
        text = dump(progress)
        with self._transaction() as db:
            row = _owned(db, key, token, self.clock())
            if row is None or row[0]:
                return False
            kept = text if text is not None else row[2]
            if kept is None or kept == "{}":  # nothing happened: the key is free for any request
                db.execute("DELETE FROM idempotency WHERE key = ?", (key,))
            else:
                db.execute(
                    "UPDATE idempotency SET token = NULL, lease_until = 0, progress = ? WHERE key = ?", (kept, key)
                )
            return True

    def save_progress(self, key: str, token: str, progress: dict[str, Any], *, lease: float | None = None,
                      sends: Sequence[Logged] = ()) -> bool:
        check_seconds(lease=lease)
        text = dump(progress)
        with self._transaction() as db:
            now = self.clock()
            for record, record_ttl in sends:
                write_send(db, record, record_ttl, now)
            row = _owned(db, key, token, now)
            if row is None or row[0]:
                return False
            db.execute("UPDATE idempotency SET progress = ? WHERE key = ?", (text, key))
            if lease is not None:
                db.execute(
                    "UPDATE idempotency SET lease_until = ?, expires_at = max(expires_at, ?) WHERE key = ?",
                    (now + lease, now + lease, key),
                )
            return True

    # -- connection ----------------------------------------------------------------------

    def ping(self) -> None:
        with self._guarded() as db:
            db.execute("PRAGMA schema_version").fetchone()

    def close(self) -> None:
        with self._lock:
            self._file.drop()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: the write lock is taken before the first read, and
        nothing is committed unless the path still names the file it was written to."""
        with self._guarded() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                self._file.check()
            except BaseException:
                if not roll_back(db):
                    self._file.drop()
                raise
            db.execute("COMMIT")

    @contextmanager
    def _guarded(self) -> Iterator[sqlite3.Connection]:
        """The connection, held by this thread alone; SQLite errors become StoreUnavailableError,
        and the connection is dropped after any of them but a busy timeout."""
        with self._lock:
            try:
                yield self._file.connection()
            except (sqlite3.Error, OSError) as error:
                self._file.failed(error)
                raise StoreUnavailableError(f"SQLite store failed: {error}") from error


def _owned(db: sqlite3.Connection, key: str, token: str, now: float) -> tuple[Any, ...] | None:
    """``(done, expires_at, progress)`` of a live record that ``token`` holds, else None."""
    row = db.execute(
        "SELECT done, expires_at, progress FROM idempotency WHERE key = ? AND token = ? AND expires_at > ?",
        (key, token, now),
    ).fetchone()
    return tuple(row) if row is not None else None

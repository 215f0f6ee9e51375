"""The SQLite store's connection to its file, kept only while it is sound.

A connection that SQLite opened but that cannot do the store's work must never be kept, or it
poisons the instance until it is recycled:

- **Read-only.** When the file cannot be opened for writing, SQLite's unix VFS opens it
  read-only instead, without an error, even with ``mode=rw`` (which only refuses to create a
  missing file); ``BEGIN IMMEDIATE`` then quietly becomes a read transaction. So opening ends
  with a real write (``user_version`` set to itself): a connection that cannot write is
  closed and the operation fails, and the next one tries again.
- **Errors.** Any SQLite or OS error drops the connection; the next operation opens a fresh
  one. Only a busy timeout keeps it (once rolled back): the file is fine, a writer was slow.
- **A deleted or replaced file.** A connection keeps the file it opened, so after ``rm`` or a
  rename over the path it would go on with an orphan that no other instance sees (split
  state: replays, limits and claims diverge, and retries text twice). Before each operation,
  and again before each commit, the path is ``stat``-ed and compared with the opened file
  (device, inode); a change drops the connection and fails that operation, whose claim lives
  in the orphan. The next operation opens the file the path names then, as a newly started
  instance does, so every instance ends up on the same file and joining splits nothing. A
  *missing* file is not recreated by a store that has opened one (``mode=rw`` after its first
  open): an empty store would forget every idempotency key, cooldown and budget while retries
  of the lost requests are still coming. It fails closed until a file is there again
  (restored, or created by a newly started instance).
- **SIGBUS.** In WAL mode every connection maps the ``-shm`` file into memory; once that file
  is made immutable, truncated or lost, the next write to the mapping is a SIGBUS that kills
  the instance outside SQLite's error handling, and no check before use closes that window.
  Only giving up the mapping avoids it (``locking_mode = EXCLUSIVE`` keeps the WAL index in
  the heap, but locks out every other process), so the store uses a rollback journal
  (``journal_mode = DELETE``) with ``mmap_size = 0``: SQLite then reads and writes the file
  with system calls only, and an unwritable or vanished file is an error code. It also makes
  SQLite itself refuse to write to a file unlinked or renamed since it was opened. A file left
  in WAL mode by an earlier version is converted when opened, which needs every other
  connection to it closed: until then the store is unavailable. The price is an fsync per
  commit (``synchronous = FULL``, a few milliseconds) and commits waiting for readers; every
  operation of the store writes anyway, so WAL's concurrent readers bought nothing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from shared.store.base import StoreUnavailableError

MEMORY = ":memory:"
BUSY_TIMEOUT_MS = 5000
GONE = "the SQLite store file was deleted; the store stays unavailable until a file is there again"
REPLACED = "the SQLite store file was replaced; the next operation opens the new one"


class FileId(NamedTuple):
    device: int
    inode: int


def file_id(path: str) -> FileId | None:
    """Which file ``path`` names now, or None when nothing is there."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return FileId(status.st_dev, status.st_ino)


class SqliteFile:
    """The connection to ``path`` (or a private ``:memory:`` database), with ``schema`` created.

    Not thread-safe: the store calls it under its lock.
    """

    def __init__(self, path: str, schema: Sequence[str]) -> None:
        self.path = path if path == MEMORY else os.path.abspath(path)
        self._schema = tuple(schema)
        self._db: sqlite3.Connection | None = None
        self._opened: FileId | None = None  # the file that _db has open
        self._created = False  # a store that opened its file never creates a missing one

    def connection(self) -> sqlite3.Connection:
        """The connection, checked, or a new one.

        Raises :class:`StoreUnavailableError` when the file is gone or was replaced, and
        ``sqlite3.Error`` or ``OSError`` when opening fails; nothing unusable is kept.
        """
        if self._db is None:
            return self._open()
        self.check()
        return self._db

    def check(self) -> None:
        """Raise :class:`StoreUnavailableError`, dropping the connection, unless the path still
        names the file it opened. One ``stat``."""
        if self._db is None or self.path == MEMORY:
            return
        try:
            now = file_id(self.path)
        except OSError as error:
            self.drop()
            raise StoreUnavailableError(f"the SQLite store file cannot be checked: {error.strerror}") from None
        if now != self._opened:
            self.drop()
            raise StoreUnavailableError(GONE if now is None else REPLACED)

    def failed(self, error: BaseException) -> None:
        """After ``error`` in an operation: keep the connection only for a busy timeout, rolled back."""
        if self._db is not None and not (is_busy(error) and roll_back(self._db)):
            self.drop()

    def drop(self) -> None:
        db, self._db, self._opened = self._db, None, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()  # rolls back whatever is still open

    def _open(self) -> sqlite3.Connection:
        if self.path == MEMORY:
            db = sqlite3.connect(MEMORY, isolation_level=None, check_same_thread=False)
            prepare(db, self._schema, on_disk=False)
            self._db = db
            return db
        before = file_id(self.path)
        if not self._created:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        elif before is None:
            raise StoreUnavailableError(GONE)
        mode = "rw" if self._created else "rwc"
        db = sqlite3.connect(f"{Path(self.path).as_uri()}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                             isolation_level=None, check_same_thread=False)
        try:
            prepare(db, self._schema, on_disk=True)
            opened = file_id(self.path)
            if opened is None or before not in (None, opened):
                raise StoreUnavailableError("the SQLite store file was replaced while it was being opened")
        except BaseException:
            db.close()
            raise
        self._db, self._opened, self._created = db, opened, True
        return db


def prepare(db: sqlite3.Connection, schema: Sequence[str], *, on_disk: bool) -> None:
    """Settings, schema, and a write that a connection opened read-only cannot make."""
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if on_disk:
        db.execute("PRAGMA mmap_size = 0")
        mode = db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if mode != "delete":
            raise StoreUnavailableError(f"the SQLite store file stays in journal mode {mode!r}")
        db.execute("PRAGMA synchronous = FULL")
    db.execute("BEGIN IMMEDIATE")  # waits its turn: a plain CREATE racing another writer fails at once
    try:
        for statement in schema:
            db.execute(statement)
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.execute(f"PRAGMA user_version = {version}")  # unchanged, but written: read-only fails here
        db.execute("COMMIT")
    except BaseException:
        roll_back(db)
        raise


def roll_back(db: sqlite3.Connection) -> bool:
    """Roll back an open transaction; False when that failed (the connection must go)."""
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
        return not db.in_transaction
    except sqlite3.Error:
        return False


def is_busy(error: BaseException) -> bool:
    """A busy timeout (another connection held the lock too long), not a fault of this one."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return bool(code & 0xFF == 5)  # SQLITE_BUSY, with its extended codes
    return "database is locked" in str(error)

"""The send log on SQLite: each operation one ``BEGIN IMMEDIATE`` transaction.

Tables: ``send_log`` (a row per message: the record as JSON (``message_log.dump_record``),
with its ``biz_id``, ``created_at``, ``expires_at`` and ``unresolved`` (1 while a number is
``unknown``) beside it for the indexes) and ``send_log_to`` (a row per number per message, by
the number's ``lookup``); ``send_log_early`` holds receipts that named a message before its
record was written. Expired rows are ignored by every read and deleted by the next write.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager

from shared.store.base import check_key, check_seconds
from shared.store.message_log import (
    EARLY_RECEIPT_SECONDS,
    UNKNOWN,
    LoggedNumber,
    Receipt,
    ReceiptCounts,
    SendRecord,
    Settlement,
    dump_record,
    load_record,
    receipt_status,
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS send_log (
        message_id TEXT PRIMARY KEY,
        biz_id TEXT,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        unresolved INTEGER NOT NULL,
        record TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS send_log_biz ON send_log (biz_id) WHERE biz_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS send_log_unresolved ON send_log (unresolved, created_at)",
    "CREATE INDEX IF NOT EXISTS send_log_expiry ON send_log (expires_at)",
    """CREATE TABLE IF NOT EXISTS send_log_to (
        lookup TEXT NOT NULL,
        message_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL,
        PRIMARY KEY (lookup, message_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS send_log_to_at ON send_log_to (lookup, created_at)",
    "CREATE INDEX IF NOT EXISTS send_log_to_expiry ON send_log_to (expires_at)",
    """CREATE TABLE IF NOT EXISTS send_log_early (
        out_id TEXT NOT NULL,
        lookup TEXT NOT NULL,
        status TEXT NOT NULL,
        err_code TEXT,
        received_at REAL NOT NULL,
        expires_at REAL NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS send_log_early_out ON send_log_early (out_id)",
    "CREATE INDEX IF NOT EXISTS send_log_early_expiry ON send_log_early (expires_at)",
    """CREATE TABLE IF NOT EXISTS send_log_put_off (
        message_id TEXT PRIMARY KEY,
        until REAL NOT NULL
    )""",
)


def write_send(db: sqlite3.Connection, record: SendRecord, ttl: float, now: float) -> None:
    """``log_send`` inside the caller's transaction."""
    check_key(record.message_id)
    check_seconds(ttl=ttl)
    db.execute("DELETE FROM send_log WHERE expires_at <= ?", (now,))
    db.execute("DELETE FROM send_log_to WHERE expires_at <= ? OR message_id = ?", (now, record.message_id))
    db.execute("DELETE FROM send_log_put_off WHERE message_id = ?", (record.message_id,))  # (re)written: queued anew
    _write(db, _with_early_receipts(db, record, now), now + ttl)
    db.executemany(
        "INSERT OR IGNORE INTO send_log_to (lookup, message_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [(number.lookup, record.message_id, record.created_at, now + ttl) for number in record.numbers],
    )


class SqliteMessageLog:
    """The send-log operations of :class:`~shared.store.sqlite.SqliteStore`."""

    clock: Callable[[], float]
    _transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def log_send(self, record: SendRecord, *, ttl: float) -> None:
        with self._transaction() as db:
            write_send(db, record, ttl, self.clock())

    def get_send(self, message_id: str) -> SendRecord | None:
        with self._transaction() as db:
            found = _live(db, "message_id = ?", (message_id,), self.clock())
            return found[0] if found is not None else None

    def sends_to(self, lookup: str, *, since: float, limit: int = 50,
                 elements: Collection[str] | None = None) -> list[SendRecord]:
        with self._transaction() as db:
            now = self.clock()
            rows = db.execute(
                "SELECT l.record FROM send_log_to t JOIN send_log l ON l.message_id = t.message_id"
                " WHERE t.lookup = ? AND t.created_at >= ? AND l.expires_at > ?"
                " ORDER BY t.created_at DESC, t.message_id DESC",
                (lookup, since, now),
            )
            records = (load_record(row[0]) for row in rows)  # read only as far as needed
            if elements is not None:
                records = (record for record in records if record.element in elements)
            return list(itertools.islice(records, limit))

    def apply_receipts(self, receipts: list[Receipt]) -> ReceiptCounts:
        applied = unchanged = unknown = held = 0
        with self._transaction() as db:
            now = self.clock()
            records: dict[str, tuple[SendRecord, float]] = {}
            changed: set[str] = set()
            for receipt in receipts:
                found = _find(db, receipt, records, now)
                if found is None and receipt.out_id:  # its record may not be written yet: held for it
                    if not held:  # what was held for records never written goes as new ones come
                        db.execute("DELETE FROM send_log_early WHERE expires_at <= ?", (now,))
                    db.execute("INSERT INTO send_log_early (out_id, lookup, status, err_code, received_at, expires_at)"
                               " VALUES (?, ?, ?, ?, ?, ?)", (receipt.out_id, receipt.lookup, receipt_status(receipt),
                                                            receipt.err_code, now, now + EARLY_RECEIPT_SECONDS))
                    held += 1
                    continue
                index = _index_of(found[0], receipt.lookup) if found is not None else None
                if found is None or index is None:
                    unknown += 1
                    continue
                record, expires = found
                number = record.numbers[index]
                if number.by_receipt:
                    unchanged += 1
                    continue
                settled = number._replace(status=receipt_status(receipt), err_code=receipt.err_code,
                                              updated_at=now, by_receipt=True)
                records[record.message_id] = (_with_number(record, index, settled), expires)
                changed.add(record.message_id)
                applied += 1
            for message_id in changed:
                _write(db, *records[message_id])
        return ReceiptCounts(applied, unchanged, unknown, held)

    def unresolved_sends(self, *, created_before: float, limit: int = 100) -> list[SendRecord]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT l.record FROM send_log l LEFT JOIN send_log_put_off p ON p.message_id = l.message_id"
                " WHERE l.unresolved = 1 AND l.created_at < ? AND l.expires_at > ? AND (p.until IS NULL OR p.until < ?)"
                " ORDER BY MAX(l.created_at, COALESCE(p.until, 0)), l.message_id LIMIT ?",
                (created_before, self.clock(), created_before, limit),
            )
            return [load_record(row[0]) for row in rows]

    def put_off(self, message_id: str, *, until: float) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM send_log_put_off WHERE message_id NOT IN"
                       " (SELECT message_id FROM send_log WHERE unresolved = 1)")  # resolved or gone since
            db.execute("INSERT OR REPLACE INTO send_log_put_off (message_id, until) SELECT ?, ? WHERE EXISTS"
                       " (SELECT 1 FROM send_log WHERE message_id = ? AND unresolved = 1 AND expires_at > ?)",
                       (message_id, until, message_id, self.clock()))  # only an unresolved record, as on Redis

    def settle_send(self, message_id: str, settlements: list[Settlement]) -> SendRecord | None:
        with self._transaction() as db:
            now = self.clock()
            found = _live(db, "message_id = ?", (message_id,), now)
            if found is None:
                return None
            record, expires = found
            for settlement in settlements:
                index = _index_of(record, settlement.lookup)
                if index is None or record.numbers[index].by_receipt or record.numbers[index].status != UNKNOWN:
                    continue  # only an unknown number takes a verdict: a late one never overwrites another
                number = record.numbers[index]._replace(status=settlement.status,
                                             err_code=settlement.err_code, updated_at=now)
                record = _with_number(record, index, number)
            record = _without_sealed_once_resolved(record)
            _write(db, record, expires)
            return record


def _write(db: sqlite3.Connection, record: SendRecord, expires_at: float) -> None:
    unresolved = int(any(number.status == UNKNOWN for number in record.numbers))
    db.execute(
        "INSERT OR REPLACE INTO send_log (message_id, biz_id, created_at, expires_at, unresolved, record)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (record.message_id, record.biz_id, record.created_at, expires_at, unresolved,
         dump_record(_without_sealed_once_resolved(record), expires_at=expires_at)),
    )


def _live(db: sqlite3.Connection, where: str, args: tuple[object, ...], now: float) -> tuple[SendRecord, float] | None:
    row = db.execute(f"SELECT record, expires_at FROM send_log WHERE {where} AND expires_at > ?"  # noqa: S608
                     " ORDER BY created_at DESC LIMIT 1", (*args, now)).fetchone()
    return (load_record(row[0]), row[1]) if row is not None else None


def _find(db: sqlite3.Connection, receipt: Receipt, records: dict[str, tuple[SendRecord, float]],
          now: float) -> tuple[SendRecord, float] | None:
    """The live record a receipt names: by ``out_id``, else by ``biz_id`` (this batch's changes included)."""
    for column, value in (("message_id", receipt.out_id), ("biz_id", receipt.biz_id)):
        if not value:
            continue
        if column == "message_id" and value in records:
            return records[value]
        found = _live(db, f"{column} = ?", (value,), now)
        if found is not None:
            return records.setdefault(found[0].message_id, found)
    return None


def _with_early_receipts(db: sqlite3.Connection, record: SendRecord, now: float) -> SendRecord:
    """``record`` with the receipts held for it applied (the first for a number wins, as in
    ``apply_receipts``); they are deleted, with every expired one."""
    rows = db.execute("SELECT lookup, status, err_code, received_at FROM send_log_early"
                      " WHERE out_id = ? AND expires_at > ? ORDER BY rowid", (record.message_id, now)).fetchall()
    db.execute("DELETE FROM send_log_early WHERE out_id = ? OR expires_at <= ?", (record.message_id, now))
    for lookup, status, err_code, received_at in rows:
        index = _index_of(record, lookup)
        if index is not None and not record.numbers[index].by_receipt:
            number = record.numbers[index]._replace(status=status, err_code=err_code, updated_at=received_at,
                                                    by_receipt=True)
            record = _with_number(record, index, number)
    return record


def _index_of(record: SendRecord, lookup: str) -> int | None:
    return next((i for i, number in enumerate(record.numbers) if number.lookup == lookup), None)


def _with_number(record: SendRecord, index: int, number: LoggedNumber) -> SendRecord:
    numbers = (*record.numbers[:index], number, *record.numbers[index + 1:])
    return _without_sealed_once_resolved(record._replace(numbers=numbers))


def _without_sealed_once_resolved(record: SendRecord) -> SendRecord:
    """The sealed numbers are kept only while the reconciler needs them."""
    if record.sealed_numbers is None or any(number.status == UNKNOWN for number in record.numbers):
        return record
    return record._replace(sealed_numbers=None)

"""Verification codes on SQLite: each operation one ``BEGIN IMMEDIATE`` transaction.

Tables: ``verify_codes`` (a record per number and purpose: live digests with their expiries,
wrong attempts, dead or not; ``prev_digests`` / ``prev_attempts`` the record a new code replaced,
until its send succeeds, ``'[]'`` for a dead one), ``verify_log`` (one row per issued code per log, for sliding
windows and the cooldown) and ``verify_budget`` (a counter per policy and day).
"""

from __future__ import annotations

import hmac
import json
import secrets
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from shared.store.base import CheckResult, CodeIssue, IssueResult, SendLog

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS verify_codes (
        key TEXT PRIMARY KEY,
        digests TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        dead INTEGER NOT NULL DEFAULT 0,
        forget_at REAL NOT NULL,
        prev_digests TEXT,
        prev_attempts INTEGER
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS verify_log (
        log TEXT NOT NULL,
        event TEXT NOT NULL,
        at REAL NOT NULL,
        forget_at REAL NOT NULL,
        PRIMARY KEY (log, event)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS verify_log_at ON verify_log (log, at)",
    "CREATE TABLE IF NOT EXISTS verify_budget (key TEXT PRIMARY KEY, used INTEGER NOT NULL, forget_at REAL NOT NULL)",
)


class SqliteCodes:
    """The code operations of :class:`~shared.store.sqlite.SqliteStore`."""

    clock: Callable[[], float]
    _transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]

    def issue_code(self, issue: CodeIssue) -> IssueResult:
        with self._transaction() as db:
            now = self.clock()
            _collect(db, now)
            record = db.execute("SELECT digests, dead, attempts FROM verify_codes WHERE key = ?",
                                (issue.code_key,)).fetchone()
            dead = record is not None and bool(record[1])
            refused = _refusal(db, issue, now, cooldown=not dead)
            if refused is not None:
                return refused
            for log in issue.logs:
                db.execute("INSERT INTO verify_log (log, event, at, forget_at) VALUES (?, ?, ?, ?)",
                           (log.key, issue.event, now, now + log.span))
            if issue.budget is not None:
                db.execute(
                    "INSERT INTO verify_budget (key, used, forget_at) VALUES (?, 1, ?)"
                    " ON CONFLICT (key) DO UPDATE SET used = used + 1",
                    (issue.budget.key, issue.budget.resets_at),
                )
            _store_digest(db, issue, now, record)
            return IssueResult(True, cooldown_waived=dead)

    def cancel_code(self, issue: CodeIssue, *, refund: frozenset[str]) -> None:
        with self._transaction() as db:
            row = db.execute("SELECT digests, prev_digests, prev_attempts FROM verify_codes WHERE key = ?",
                             (issue.code_key,)).fetchone()
            stored = json.loads(row[0]) if row is not None else []
            digests = [pair for pair in stored if pair[0] != issue.digest]
            if len(digests) == len(stored):  # replaced in turn by a later issue: it must not come back either
                _drop_aside(db, issue, row[1] if row is not None else None)
            elif digests:
                db.execute("UPDATE verify_codes SET digests = ? WHERE key = ?", (json.dumps(digests), issue.code_key))
            elif row[1] is not None:  # the record this one replaced comes back, dead ('[]') or live
                db.execute("UPDATE verify_codes SET digests = ?, attempts = ?, dead = ?, prev_digests = NULL"
                           " WHERE key = ?", (row[1], row[2], int(row[1] == "[]"), issue.code_key))
            else:
                db.execute("DELETE FROM verify_codes WHERE key = ?", (issue.code_key,))
            for log in issue.logs:
                if log.name in refund:
                    db.execute("DELETE FROM verify_log WHERE log = ? AND event = ?", (log.key, issue.event))
            if issue.budget is not None and "budget" in refund:
                db.execute("UPDATE verify_budget SET used = used - 1 WHERE key = ? AND used > 0", (issue.budget.key,))

    def check_code(self, code_key: str, digest: str, *, max_attempts: int, log: SendLog | None = None) -> CheckResult:
        with self._transaction() as db:
            now = self.clock()
            if log is not None:
                refused = _enter(db, log, secrets.token_hex(8), now)
                if refused is not None:
                    return CheckResult("limited", window=refused.window, retry_after=refused.retry_after)
            row = db.execute(
                "SELECT digests, attempts, dead FROM verify_codes WHERE key = ? AND forget_at > ?", (code_key, now)
            ).fetchone()
            if row is None:
                return CheckResult("not_found")
            stored, attempts, dead = json.loads(row[0]), row[1], row[2]
            if dead:
                return CheckResult("too_many_attempts")
            live = [stored_digest for stored_digest, expires_at in stored if expires_at > now]
            if not live:
                return CheckResult("expired")
            attempts += 1
            if matches(digest, live):
                db.execute("DELETE FROM verify_codes WHERE key = ?", (code_key,))
                return CheckResult("verified")
            if attempts >= max_attempts:
                db.execute("UPDATE verify_codes SET attempts = ?, dead = 1, digests = '[]' WHERE key = ?",
                           (attempts, code_key))
            else:
                db.execute("UPDATE verify_codes SET attempts = ? WHERE key = ?", (attempts, code_key))
            return CheckResult("invalid", attempts_left=max(0, max_attempts - attempts))


def _drop_aside(db: sqlite3.Connection, issue: CodeIssue, set_aside: str | None) -> None:
    if set_aside is None:
        return
    aside = json.loads(set_aside)
    kept = [pair for pair in aside if pair[0] != issue.digest]
    if len(kept) < len(aside):
        db.execute("UPDATE verify_codes SET prev_digests = ? WHERE key = ?",
                   (json.dumps(kept) if kept else None, issue.code_key))


def matches(digest: str, live: list[str]) -> bool:
    """Compare with every live digest, each in constant time, without stopping at a match."""
    found = False
    for stored in live:
        found |= hmac.compare_digest(digest, stored)
    return found


def _refusal(db: sqlite3.Connection, issue: CodeIssue, now: float, *, cooldown: bool) -> IssueResult | None:
    """The refusal that frees up last (one Retry-After is then enough), or None; the logs'
    cooldowns only with ``cooldown``."""
    refusals: list[IssueResult] = []
    for log in issue.logs:
        refusals += log_refusals(log, _times(db, log, now), now, cooldown=cooldown)
    if issue.budget is not None:
        row = db.execute("SELECT used FROM verify_budget WHERE key = ?", (issue.budget.key,)).fetchone()
        if row is not None and row[0] >= issue.budget.max:
            refusals.append(IssueResult(False, "budget", None, issue.budget.resets_at - now))
    return _last_to_free(refusals)


def _enter(db: sqlite3.Connection, log: SendLog, event: str, now: float) -> IssueResult | None:
    """Enter ``event`` into ``log`` unless its windows refuse; the refusal otherwise."""
    db.execute("DELETE FROM verify_log WHERE log = ? AND forget_at <= ?", (log.key, now))
    refused = _last_to_free(log_refusals(log, _times(db, log, now), now))
    if refused is None:
        db.execute("INSERT INTO verify_log (log, event, at, forget_at) VALUES (?, ?, ?, ?)",
                   (log.key, event, now, now + log.span))
    return refused


def _times(db: sqlite3.Connection, log: SendLog, now: float) -> list[float]:
    """When ``log``'s entries that still matter were made, oldest first."""
    rows = db.execute("SELECT at FROM verify_log WHERE log = ? AND at > ? ORDER BY at", (log.key, now - log.span))
    return [row[0] for row in rows]


def _last_to_free(refusals: list[IssueResult]) -> IssueResult | None:
    return max(refusals, key=lambda refusal: refusal.retry_after or 0.0, default=None)


def log_refusals(log: SendLog, times: list[float], now: float, *, cooldown: bool = True) -> list[IssueResult]:
    """Every reason ``log`` (entries at ``times``, oldest first) refuses one more entry now
    (its cooldown only with ``cooldown``)."""
    refusals = []
    if cooldown and log.cooldown and times and times[-1] > now - log.cooldown:
        refusals.append(IssueResult(False, "cooldown", None, times[-1] + log.cooldown - now))
    for window in log.windows:
        inside = [at for at in times if at > now - window.seconds]
        if len(inside) >= window.max:  # the oldest entries must age out until one slot is free
            retry_after = inside[len(inside) - window.max] + window.seconds - now
            refusals.append(IssueResult(False, log.name, window.seconds, retry_after))
    return refusals


def _store_digest(db: sqlite3.Connection, issue: CodeIssue, now: float, row: Any) -> None:
    """Store the new digest; a replaced live code, or a dead record, is kept aside until the send
    succeeds. ``row`` is the record's ``digests, dead, attempts`` (None: there is none)."""
    live = row is not None and not row[1] and row[0] != "[]"
    dead = row is not None and bool(row[1])
    kept: list[Any] = []
    if issue.keep_previous and live:
        kept = [pair for pair in json.loads(row[0]) if pair[1] > now]
    digests = json.dumps([*kept, [issue.digest, issue.expires_at]])
    if kept:
        db.execute("UPDATE verify_codes SET digests = ?, forget_at = max(forget_at, ?) WHERE key = ?",
                   (digests, issue.forget_at, issue.code_key))
        return
    aside = (live and not issue.keep_previous) or dead
    previous = ("[]" if dead else row[0], row[2]) if aside else (None, None)
    db.execute("INSERT OR REPLACE INTO verify_codes (key, digests, attempts, dead, forget_at, prev_digests,"
               " prev_attempts) VALUES (?, ?, 0, 0, ?, ?, ?)", (issue.code_key, digests, issue.forget_at, *previous))


def _collect(db: sqlite3.Connection, now: float) -> None:
    """Delete what no decision needs any more."""
    db.execute("DELETE FROM verify_codes WHERE forget_at <= ?", (now,))
    db.execute("DELETE FROM verify_log WHERE forget_at <= ?", (now,))
    db.execute("DELETE FROM verify_budget WHERE forget_at <= ?", (now,))


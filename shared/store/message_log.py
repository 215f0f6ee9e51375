"""The send log (``MessageLog``): what every SendSms call sent, to whom, and what became of each number.

A family of store operations like the idempotency records and the codes (``shared.store.base``);
both backends implement it and pass one contract suite. (Not the verification ``SendLog``, a
sliding window of issued codes.)

Numbers never rest in clear: a number is its keyed HMAC (``lookup``, from ``app.vault``) for
lookups and its masked form for display; while a message's fate is unknown, the numbers the
reconciler must ask Aliyun about are kept sealed (AES-GCM, ``sealed_numbers``) and dropped once
it is settled. Template parameter values are never stored (they hold codes).

Statuses of one number: ``submitted`` (Aliyun accepted it), ``delivered``, ``failed`` (with
Aliyun's ``err_code``), ``unknown`` (the answer was lost: possibly delivered, to be reconciled),
``not_sent`` (proven: Aliyun never got it, or never listed it within the grace period).

The records are named tuples, not frozen dataclasses: Python 3.10 compiles a dataclass's methods
from source when the class is made (~0.7 ms each, on every cold start), and a send or a push of
receipts builds one per number (a named tuple builds in half the time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, NamedTuple, Protocol, TypeVar

from shared import log

NumberStatus = Literal["submitted", "delivered", "failed", "unknown", "not_sent"]
SUBMITTED: NumberStatus = "submitted"
DELIVERED: NumberStatus = "delivered"
FAILED: NumberStatus = "failed"
UNKNOWN: NumberStatus = "unknown"
NOT_SENT: NumberStatus = "not_sent"
FINAL: frozenset[NumberStatus] = frozenset({DELIVERED, FAILED, NOT_SENT})  # a receipt or the reconciler settled it


class LoggedNumber(NamedTuple):
    """One number of a message: how the log names it and what became of it."""

    lookup: str  # keyed HMAC of the number (app.vault), for "which messages went to this number"
    masked: str  # 138****8000, for display
    status: NumberStatus = SUBMITTED
    err_code: str | None = None  # Aliyun's, from a receipt (DELIVERED, UNDELIV, ...) or the send
    updated_at: float | None = None  # epoch seconds of the last change
    by_receipt: bool = False  # settled by a delivery receipt: final, whatever the reconciler says later


class SendRecord(NamedTuple):
    """One SendSms call. ``message_id`` is the ``OutId`` sent with it (our id, ≤ 64 characters)."""

    message_id: str
    element: str  # the SMS element's full name
    template_code: str
    requested_by: str  # "api_key:<id>", "approval:<source>:<id>", "verify:<policy full name>"
    created_at: float  # epoch seconds
    numbers: tuple[LoggedNumber, ...]
    biz_id: str | None = None  # Aliyun's BizId, once it answered OK
    request_id: str | None = None  # Aliyun's RequestId
    sealed_numbers: str | None = None  # the numbers sealed (app.vault) while any is ``unknown``; else None

    def number(self, lookup: str) -> LoggedNumber | None:
        """The number the vault's ``lookup`` names in this message, or None."""
        return next((number for number in self.numbers if number.lookup == lookup), None)


class Receipt(NamedTuple):
    """One delivery receipt (Aliyun's ``SmsReport`` item), the number already turned into its lookup."""

    lookup: str
    success: bool
    err_code: str
    report_time: float  # epoch seconds
    biz_id: str | None = None
    out_id: str | None = None  # our message_id, when the send carried one


EARLY_RECEIPT_SECONDS = 3600.0  # how long a receipt naming an OutId not logged (yet) waits for its record


class ReceiptCounts(NamedTuple):
    """What one batch of receipts did: ``applied`` changed a number, ``unchanged`` repeated what the
    log already said (a replayed receipt), ``unknown`` named no message of ours, ``held`` named an
    ``OutId`` with no record yet: kept for :data:`EARLY_RECEIPT_SECONDS`, and applied when that
    record is written (a send's record rides with its request's outcome, a moment after the send,
    and a receipt can come first)."""

    applied: int = 0
    unchanged: int = 0
    unknown: int = 0
    held: int = 0


class Settlement(NamedTuple):
    """The reconciler's (or a retry's) verdict on one number of a message."""

    lookup: str
    status: NumberStatus
    err_code: str | None = None


class MessageLog(Protocol):
    """The send log's operations; every one is one round trip on Redis (``apply_receipts`` one per batch).

    A record is found only until its ``ttl`` ends (by the store's clock): after that every
    operation treats it as absent, and the backend deletes it in its own time.
    """

    def log_send(self, record: SendRecord, *, ttl: float) -> None:
        """Write ``record`` (replacing one with the same ``message_id``) and index it by each
        number's ``lookup`` and, once known, its ``biz_id``; it lives ``ttl`` seconds. Receipts
        held for its ``message_id`` (``ReceiptCounts.held``) settle its numbers first."""
        ...

    def get_send(self, message_id: str) -> SendRecord | None:
        """The record, or None once unknown or expired."""
        ...

    def sends_to(self, lookup: str, *, since: float, limit: int = 50,
                 elements: Collection[str] | None = None) -> list[SendRecord]:
        """Records naming the number ``lookup`` created at or after ``since``, newest first: the
        ``limit`` newest of those sent by one of ``elements`` (full names), when given."""
        ...

    def apply_receipts(self, receipts: list[Receipt]) -> ReceiptCounts:
        """Settle numbers from delivery receipts, found by ``out_id`` (else ``biz_id``) and ``lookup``.

        A success makes the number ``delivered``, a failure ``failed`` with the receipt's
        ``err_code``, whatever the log said before (``submitted``, ``unknown``, even the
        reconciler's ``not_sent``: a receipt is Aliyun's word). A number already settled by a
        receipt stays as it is (a replay, or a second receipt, is ``unchanged``), and the
        reconciler never changes it. A receipt whose ``out_id`` names no live record is ``held``
        for it (:data:`EARLY_RECEIPT_SECONDS`); one naming no record otherwise, or a number the
        record does not hold, counts as ``unknown``. Once no number of a record is ``unknown``,
        its sealed numbers are dropped.
        """
        ...

    def unresolved_sends(self, *, created_before: float, limit: int = 100) -> list[SendRecord]:
        """Live records with a number still ``unknown`` created before ``created_before``, for the
        reconciler: oldest first, a record put off (:meth:`put_off`) only once that time is past
        ``created_before``, and then in the order of that time."""
        ...

    def put_off(self, message_id: str, *, until: float) -> None:
        """The reconciler could not settle the record now: leave it out of :meth:`unresolved_sends`
        until ``until``, so that it does not hold the others up. Only a live unresolved record is
        put off; writing it again (:meth:`log_send`) queues it anew by its ``created_at``."""
        ...

    def settle_send(self, message_id: str, settlements: list[Settlement]) -> SendRecord | None:
        """Apply the reconciler's verdicts to numbers not settled by a receipt (a verdict for a number
        the record does not hold is ignored); drop the sealed numbers once none is ``unknown``.
        Returns the record as it now stands, or None when there is no live record."""
        ...


Logged = tuple[SendRecord, float]  # a record and its ttl, waiting to be written
T = TypeVar("T")
_deferred: ContextVar[list[Logged] | None] = ContextVar("deferred_sends", default=None)


@contextmanager
def deferred_sends(store: MessageLog) -> Iterator[list[Logged]]:
    """Inside, :func:`log_or_defer` keeps send-log records for the caller's next idempotency write
    to carry (:func:`carrying`): the record and the log in one round trip. What is still pending at
    the end is written on its own, a failure logged and swallowed (the send happened)."""
    pending: list[Logged] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
        for record, ttl in take(pending):
            try:
                store.log_send(record, ttl=ttl)
            except Exception as exc:  # noqa: BLE001 - the send's outcome stands whatever the log does
                log.error("sendlog.write failed", outId=record.message_id, **log.cause(exc))


def log_or_defer(store: MessageLog, record: SendRecord, *, ttl: float) -> None:
    """Write ``record`` now, or inside :func:`deferred_sends` leave it to the next idempotency write."""
    pending = _deferred.get()
    if pending is None:
        store.log_send(record, ttl=ttl)
    else:
        pending.append((record, ttl))


def logged_at_once(call: Callable[..., T], *args: object) -> T:
    """``call(*args)`` with its send-log records written at once, even inside :func:`deferred_sends`:
    a send of several SendSms calls must not hold a finished call's record for the idempotency
    write after the last one (an invocation that dies in between would lose it)."""
    token = _deferred.set(None)
    try:
        return call(*args)
    finally:
        _deferred.reset(token)


def take(pending: list[Logged]) -> list[Logged]:
    """The records pending now, removed (sends on other threads may append meanwhile)."""
    taken = pending[:]
    del pending[: len(taken)]
    return taken


def carrying(pending: list[Logged], write: Callable[[list[Logged]], T]) -> T:
    """``write(sends)`` with the records pending now; they stay pending if it raises."""
    sends = take(pending)
    try:
        return write(sends)
    except BaseException:
        pending[:0] = sends
        raise


def dump_record(record: SendRecord, *, expires_at: float) -> str:
    """``record`` as the JSON both backends keep (timestamps as text, for Lua's sake)."""
    numbers = [_dump_number(number) for number in record.numbers]
    data = {"id": record.message_id, "el": record.element, "tpl": record.template_code, "by": record.requested_by,
            "at": _stamp(record.created_at), "exp": _stamp(expires_at), "n": numbers}
    optional = {"biz": record.biz_id, "rid": record.request_id, "sealed": record.sealed_numbers}
    data.update({key: value for key, value in optional.items() if value is not None})
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_record(text: str) -> SendRecord:
    """What :func:`dump_record` wrote (Lua's cjson writes an empty list as ``{}``)."""
    data = json.loads(text)
    numbers = tuple(
        LoggedNumber(n["l"], n["m"], n["s"], n.get("e"), float(n["u"]) if n.get("u") else None, bool(n.get("r")))
        for n in (data.get("n") or [])
    )
    return SendRecord(data["id"], data["el"], data["tpl"], data["by"], float(data["at"]), numbers,
                      data.get("biz"), data.get("rid"), data.get("sealed"))


def expires_at(text: str) -> float:
    return float(json.loads(text)["exp"])


def _dump_number(number: LoggedNumber) -> dict[str, object]:
    data: dict[str, object] = {"l": number.lookup, "m": number.masked, "s": number.status}
    if number.err_code is not None:
        data["e"] = number.err_code
    if number.updated_at is not None:
        data["u"] = _stamp(number.updated_at)
    if number.by_receipt:
        data["r"] = 1
    return data


def _stamp(seconds: float) -> str:
    return repr(float(seconds))


def receipt_status(receipt: Receipt) -> NumberStatus:
    return DELIVERED if receipt.success else FAILED

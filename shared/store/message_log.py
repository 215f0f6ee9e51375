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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

NumberStatus = Literal["submitted", "delivered", "failed", "unknown", "not_sent"]
SUBMITTED: NumberStatus = "submitted"
DELIVERED: NumberStatus = "delivered"
FAILED: NumberStatus = "failed"
UNKNOWN: NumberStatus = "unknown"
NOT_SENT: NumberStatus = "not_sent"
FINAL: frozenset[NumberStatus] = frozenset({DELIVERED, FAILED, NOT_SENT})  # a receipt or the reconciler settled it


@dataclass(frozen=True)
class LoggedNumber:
    """One number of a message: how the log names it and what became of it."""

    lookup: str  # keyed HMAC of the number (app.vault), for "which messages went to this number"
    masked: str  # 138****8000, for display
    status: NumberStatus = SUBMITTED
    err_code: str | None = None  # Aliyun's, from a receipt (DELIVERED, UNDELIV, ...) or the send
    updated_at: float | None = None  # epoch seconds of the last change


@dataclass(frozen=True)
class SendRecord:
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


@dataclass(frozen=True)
class Receipt:
    """One delivery receipt (Aliyun's ``SmsReport`` item), the number already turned into its lookup."""

    lookup: str
    success: bool
    err_code: str
    report_time: float  # epoch seconds
    biz_id: str | None = None
    out_id: str | None = None  # our message_id, when the send carried one


@dataclass(frozen=True)
class ReceiptCounts:
    """What one batch of receipts did: ``applied`` changed a number, ``unchanged`` repeated what the
    log already said (a replayed receipt), ``unknown`` named no message of ours."""

    applied: int = 0
    unchanged: int = 0
    unknown: int = 0


@dataclass(frozen=True)
class Settlement:
    """The reconciler's (or a retry's) verdict on one number of a message."""

    lookup: str
    status: NumberStatus
    err_code: str | None = None


class MessageLog(Protocol):
    """The send log's operations; every one is one round trip on Redis."""

    def log_send(self, record: SendRecord, *, ttl: float) -> None:
        """Write ``record`` (replacing one with the same ``message_id``) and index it by each
        number's ``lookup`` and, once known, its ``biz_id``; it lives ``ttl`` seconds."""
        ...

    def get_send(self, message_id: str) -> SendRecord | None:
        """The record, or None once unknown or expired."""
        ...

    def sends_to(self, lookup: str, *, since: float, limit: int = 50) -> list[SendRecord]:
        """Records naming the number ``lookup`` created at or after ``since``, newest first."""
        ...

    def apply_receipts(self, receipts: list[Receipt]) -> ReceiptCounts:
        """Settle numbers from delivery receipts, found by ``out_id`` (else ``biz_id``) and ``lookup``.

        A receipt never moves a number back (a repeat changes nothing); a number settled by a
        receipt is never changed by the reconciler.
        """
        ...

    def unresolved_sends(self, *, created_before: float, limit: int = 100) -> list[SendRecord]:
        """Records with a number still ``unknown``, oldest first, for the reconciler."""
        ...

    def settle_send(self, message_id: str, settlements: list[Settlement]) -> SendRecord | None:
        """Apply the reconciler's verdicts to numbers not settled by a receipt; drop the sealed
        numbers once none is ``unknown``. Returns the record as it now stands."""
        ...

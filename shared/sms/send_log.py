"""What ``SMS.Aliyun`` writes to the send log after each SendSms call (``app.store.log_send``).

One record per call, keyed by the call's ``OutId`` (our message id): the numbers by the vault's
keyed HMAC (``lookup``) and masked, never in clear; while Aliyun's answer is unknown (possibly
delivered) the numbers are also kept sealed for the reconciler. Template parameter values are
never written. A failure to write is logged (masked) and swallowed: the message was sent, and
saying otherwise would invite a second send.
"""

from __future__ import annotations

import json
import secrets
from typing import TYPE_CHECKING, Any

from shared import log
from shared.sms.phones import mask_phone
from shared.sms.requester import requested_by
from shared.store.message_log import UNKNOWN, LoggedNumber, NumberStatus, SendRecord, log_or_defer

if TYPE_CHECKING:
    from shared.privacy.vault import Vault

def new_message_id() -> str:
    """A fresh ``OutId``: 24 hex characters (Aliyun takes fewer than 256)."""
    return secrets.token_hex(12)


def phone_lookup(vault: Vault, phone: str) -> str:
    """The send log's name for a normalised number: the vault's keyed HMAC lookup, the one the
    receipts and the opt-out list use too (README "The send log")."""
    return vault.lookup(phone)


def build_record(vault: Vault, *, message_id: str, element: str, template_code: str, phones: list[str],
                 status: NumberStatus, created_at: float, err_code: str | None = None,
                 biz_id: str | None = None, request_id: str | None = None) -> SendRecord:
    """The record of one call; the numbers sealed (bound to the message id) only when ``unknown``."""
    numbers = tuple(LoggedNumber(lookup, mask_phone(phone), status, err_code, created_at)
                    for phone, lookup in zip(phones, vault.lookups(phones), strict=True))
    sealed = None
    if status == UNKNOWN:
        sealed = json.dumps(vault.seal(phones, context=f"send-log:{message_id}"), separators=(",", ":"))
    return SendRecord(message_id, element, template_code, requested_by(), created_at, numbers,
                      biz_id=biz_id, request_id=request_id, sealed_numbers=sealed)


def write(app: Any, message_id: str, **fields: Any) -> None:
    """Build and store the record; any failure is logged at ERROR and swallowed (the send happened)."""
    try:
        record = build_record(app.vault, message_id=message_id, created_at=app.store.clock(), **fields)
        log_or_defer(app.store, record, ttl=app.settings.send_log_ttl)  # with the idempotency record, if any
    except Exception as exc:  # noqa: BLE001 - the send's outcome stands whatever the log does
        phones = fields.get("phones") or []
        log.error("sendlog.write failed", outId=message_id, status=fields.get("status"), phoneCount=len(phones),
                  phones=[mask_phone(p) for p in phones[:20]], **log.cause(exc))


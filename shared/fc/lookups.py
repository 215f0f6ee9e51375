"""The send-log lookups' query checks and answers: numbers masked, never a lookup HMAC or sealed data."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from shared.errors import InvalidParameterError
from shared.sms import phones
from shared.store.message_log import SendRecord

MESSAGE_ID = re.compile(r"[0-9a-f]{24}")  # what shared.sms.send_log.new_message_id makes
EPOCH = re.compile(r"[0-9]{1,11}(\.[0-9]{1,9})?")  # seconds; 11 digits reach the year 5138
DEFAULT_SINCE_SECONDS = 7 * 86400
MAX_LIMIT = 100


def message_id(raw: str | None) -> str:
    if raw is None or not MESSAGE_ID.fullmatch(raw):
        raise InvalidParameterError("id: must be a message id (the 24 hex characters of messageIds / OutId)")
    return raw


def phone(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise InvalidParameterError("phone: required, the number whose messages to list")
    try:
        return phones.normalize_phone(raw)
    except InvalidParameterError as error:
        raise InvalidParameterError(f"phone: {error.message}") from None


LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last that datetime can write


def since(raw: str | None, now: float) -> float:
    """Epoch seconds from ``since`` (ISO 8601, or epoch seconds); 7 days back when absent."""
    if raw is None or raw == "":
        return now - DEFAULT_SINCE_SECONDS
    if EPOCH.fullmatch(raw):
        return float(raw)
    try:
        when = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
        seconds = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
    except (ValueError, OverflowError, OSError):
        raise InvalidParameterError("since: must be ISO 8601 (2024-05-01T08:00:00+08:00) or epoch seconds") from None
    if not math.isfinite(seconds) or not 0 <= seconds <= LAST_SECOND:  # the answer says it back as a date
        raise InvalidParameterError("since: must be ISO 8601 or epoch seconds, from 1970 to 9999")
    return seconds


def limit(raw: str | None, default: int = 50) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidParameterError(f"limit: must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render(record: SendRecord, *, only: str | None = None) -> dict[str, Any]:
    """The record as the API shows it; with ``only`` (a lookup), just that number of its numbers."""
    numbers = [n for n in record.numbers if only is None or n.lookup == only]
    return {
        "messageId": record.message_id,
        "element": record.element,
        "templateCode": record.template_code,
        "requestedBy": record.requested_by,
        "createdAt": iso(record.created_at),
        "bizId": record.biz_id,
        "requestId": record.request_id,
        "numberCount": len(record.numbers),
        "numbers": [{"phone": n.masked, "status": n.status, "errCode": n.err_code, "updatedAt": iso(n.updated_at)}
                    for n in numbers],
    }

"""Aliyun's HTTP batch push, as records: where it goes, what it carries, how each attempt went.

Aliyun POSTs a JSON array to the URL set in the console: ``SmsReport`` items (delivery receipts) to
the receipt URL, ``SmsUp`` items (users' replies) to the reply URL. A push is accepted when the
answer is HTTP 200 with a JSON object whose ``code`` is a number (Aliyun: "系统仅校验返回值的code是否为数字,
不校验内容"; the documented answer is ``{"code": 0, "msg": "接收成功"}``). Anything else — another
status, another body, a refused connection, no answer within the timeout (700 ms at Aliyun) — is
retried 1, 5 and 10 minutes after the attempt before it, then given up. Sources and the emulator's
own choices: the emulator's README ("Receipts and replies").

Seed section ``sms.push`` (all keys optional; :meth:`PushSettings.from_seed`)::

    {"reportUrl": "http://127.0.0.1:8801/receipts/report?token=...",   # SmsReport; null: off
     "upUrl": "http://127.0.0.1:8801/receipts/up?token=...",           # SmsUp; null: off
     "timeoutMs": 700, "retryDelaysSeconds": [60, 300, 600], "batchSize": 100}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from emulator.sms.outbox import Message, china_time, iso_utc

REPORT, UP = "SmsReport", "SmsUp"
KINDS = (REPORT, UP)
PENDING, RETRYING, ACCEPTED, FAILED = "pending", "retrying", "accepted", "failed"
STATES = (PENDING, RETRYING, ACCEPTED, FAILED)
EXPECTED_ANSWER = {"code": 0, "msg": "接收成功"}
DELIVERED_MESSAGE = "用户接收成功"
DEFAULT_TIMEOUT_MS = 700
MAX_TIMEOUT_MS = 60_000
DEFAULT_RETRY_DELAYS = (60.0, 300.0, 600.0)
MAX_RETRIES = 10
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000
MAX_ANSWER_CHARS = 500
SINGLE_SMS_CHARS, LONG_SMS_PART_CHARS = 70, 67
SEED_KEYS = ("reportUrl", "upUrl", "timeoutMs", "retryDelaysSeconds", "batchSize")


class PushNotConfigured(ValueError):
    """A push of a kind whose URL is not set."""


def _url(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"sms.push.{name} must be an http:// or https:// URL with a host (or null)")
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        raise ValueError(f"sms.push.{name} has a bad port: {value}") from None
    return value


def _integer(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"sms.push.{name} must be an integer from {low} to {high}")
    return value


def _delays(value: Any) -> tuple[float, ...]:
    numbers = value if isinstance(value, list) else None
    if numbers is None or len(numbers) > MAX_RETRIES or any(
            isinstance(n, bool) or not isinstance(n, (int, float)) or n < 0 for n in numbers):
        raise ValueError(f"sms.push.retryDelaysSeconds must be a list of at most {MAX_RETRIES} numbers >= 0")
    return tuple(float(n) for n in numbers)


@dataclass(frozen=True)
class PushSettings:
    """Where pushes go (None: that kind is not pushed) and how they are retried."""

    report_url: str | None = None
    up_url: str | None = None
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def from_seed(cls, data: Any, base: PushSettings | None = None) -> PushSettings:
        """Seed ``sms.push`` over ``base``: the keys given replace, the others stay."""
        if not isinstance(data, Mapping):
            raise ValueError("sms.push must be an object")
        unknown = sorted(set(data) - set(SEED_KEYS))
        if unknown:
            raise ValueError(f"sms.push has unknown keys {unknown}; known: {list(SEED_KEYS)}")
        settings = base or cls()
        if "reportUrl" in data:
            settings = replace(settings, report_url=_url(data["reportUrl"], "reportUrl"))
        if "upUrl" in data:
            settings = replace(settings, up_url=_url(data["upUrl"], "upUrl"))
        if "timeoutMs" in data:
            settings = replace(settings, timeout_ms=_integer(data["timeoutMs"], "timeoutMs", 1, MAX_TIMEOUT_MS))
        if "retryDelaysSeconds" in data:
            settings = replace(settings, retry_delays=_delays(data["retryDelaysSeconds"]))
        if "batchSize" in data:
            settings = replace(settings, batch_size=_integer(data["batchSize"], "batchSize", 1, MAX_BATCH_SIZE))
        return settings

    def url(self, kind: str) -> str | None:
        return self.report_url if kind == REPORT else self.up_url

    def to_dict(self) -> dict[str, Any]:
        return {"reportUrl": self.report_url, "upUrl": self.up_url, "timeoutMs": self.timeout_ms,
                "retryDelaysSeconds": [int(d) if d.is_integer() else d for d in self.retry_delays],
                "batchSize": self.batch_size}


def sms_size(content: str) -> int:
    """Billed parts of a domestic message (signature included): 1 up to 70 characters, else 67 per part."""
    length = len(content)
    return 1 if length <= SINGLE_SMS_CHARS else math.ceil(length / LONG_SMS_PART_CHARS)


def report_item(message: Message) -> dict[str, Any]:
    """The ``SmsReport`` item of a settled message (field order as Aliyun documents it)."""
    success = message.fail_code is None
    return {
        "phone_number": message.phone, "send_time": china_time(message.sent_at),
        "report_time": china_time(message.deliver_at), "success": success,
        "err_code": message.fail_code or "DELIVERED", "err_msg": DELIVERED_MESSAGE if success else message.fail_code,
        "sms_size": str(sms_size(message.content)), "biz_id": message.biz_id, "out_id": message.out_id or "",
    }


def reply_item(phone: str, content: str, sign_name: str, dest_code: str, sent_at: float,
               sequence_id: int) -> dict[str, Any]:
    """The ``SmsUp`` item of a user's reply."""
    return {"phone_number": phone, "send_time": china_time(sent_at), "content": content, "sign_name": sign_name,
            "dest_code": dest_code, "sequence_id": sequence_id}


def is_accepted(status: int | None, body: str) -> bool:
    """Aliyun's rule: HTTP 200 and a JSON object whose ``code`` is a number (its value is not checked)."""
    if status != 200:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    code = answer.get("code") if isinstance(answer, dict) else None
    return isinstance(code, (int, float)) and not isinstance(code, bool)


@dataclass(frozen=True)
class Attempt:
    """One POST: when (emulator clock), the HTTP status (None: no answer), the answer's text or the error."""

    at: float
    status: int | None
    answer: str = ""
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None and is_accepted(self.status, self.answer)

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso_utc(self.at), "status": self.status, "answer": self.answer[:MAX_ANSWER_CHARS],
                "error": self.error, "accepted": self.accepted}


@dataclass
class Push:
    """One batch to one URL, with its attempts; ``next_at`` is the emulator time of the next one."""

    id: int
    kind: str
    url: str
    items: list[dict[str, Any]]
    created_at: float
    next_at: float | None
    generation: int
    attempts: list[Attempt] = field(default_factory=list)
    state: str = PENDING

    def body(self) -> bytes:
        return json.dumps(self.items, ensure_ascii=False).encode("utf-8")

    def record(self, attempt: Attempt, retry_delays: tuple[float, ...]) -> None:
        """Count an attempt: accepted, or the next retry scheduled, or given up after the last one."""
        self.attempts.append(attempt)
        retries_done = len(self.attempts) - 1
        if attempt.accepted:
            self.state, self.next_at = ACCEPTED, None
        elif retries_done < len(retry_delays):
            self.state, self.next_at = RETRYING, attempt.at + retry_delays[retries_done]
        else:
            self.state, self.next_at = FAILED, None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "url": self.url, "status": self.state, "count": len(self.items),
            "items": [dict(item) for item in self.items], "createdAt": iso_utc(self.created_at),
            "attempts": [attempt.to_dict() for attempt in self.attempts],
            "nextAttemptAt": None if self.next_at is None else iso_utc(self.next_at),
        }

"""Every message the emulator accepted, newest kept, with delivery receipts driven by the clock.

A message is *waiting* (status 1) from ``sentAt`` until ``sentAt + deliveryDelaySeconds``; after
that it is *delivered* (status 3, ErrCode ``DELIVERED``) or, for an undeliverable number,
*failed* (status 2 with that number's ErrCode). The control API's ``sentAt`` / ``receivedAt``
are ISO 8601 strings in UTC with milliseconds (``2026-01-02T03:04:05.678Z``); Aliyun-facing
dates (QuerySendDetails) are ``yyyy-MM-dd HH:mm:ss`` in China Standard Time (UTC+8).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

WAITING, FAILED, DELIVERED = 1, 2, 3
CHINA = timezone(timedelta(hours=8))
DEFAULT_MAX_MESSAGES = 10_000


def iso_utc(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def china_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, CHINA).strftime("%Y-%m-%d %H:%M:%S")


def china_date(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, CHINA).date()


class Message(NamedTuple):
    """One accepted message (a named tuple: a 1,000-number SendSms builds a thousand)."""

    biz_id: str
    phone: str
    sign_name: str
    template_code: str
    template_type: int
    params: dict[str, str]
    content: str
    sent_at: float
    deliver_at: float
    request_id: str
    out_id: str | None = None
    up_extend_code: str | None = None
    fail_code: str | None = None

    def status(self, now: float) -> int:
        if now < self.deliver_at:
            return WAITING
        return FAILED if self.fail_code else DELIVERED

    def err_code(self, now: float) -> str:
        status = self.status(now)
        if status == WAITING:
            return ""
        return self.fail_code or "DELIVERED"

    def to_dict(self, now: float) -> dict[str, Any]:
        """The control API's view of the message."""
        waiting = self.status(now) == WAITING
        return {
            "bizId": self.biz_id, "outId": self.out_id, "phone": self.phone, "signName": self.sign_name,
            "templateCode": self.template_code, "templateType": self.template_type, "params": dict(self.params),
            "content": self.content, "status": self.status(now), "errCode": self.err_code(now),
            "sentAt": iso_utc(self.sent_at), "receivedAt": None if waiting else iso_utc(self.deliver_at),
            "requestId": self.request_id, "smsUpExtendCode": self.up_extend_code,
        }

    def send_detail(self, now: float) -> dict[str, Any]:
        """QuerySendDetails' ``SmsSendDetailDTO``."""
        waiting = self.status(now) == WAITING
        return {
            "PhoneNum": self.phone, "SendStatus": self.status(now), "ErrCode": self.err_code(now),
            "TemplateCode": self.template_code, "Content": self.content, "SendDate": china_time(self.sent_at),
            "ReceiveDate": "" if waiting else china_time(self.deliver_at), "OutId": self.out_id or "",
        }


@dataclass(frozen=True)
class MessageFilter:
    phone: str | None = None
    template_code: str | None = None
    sign_name: str | None = None
    biz_id: str | None = None
    status: int | None = None
    sent_on: date | None = None  # China Standard Time date
    phone_contains: str | None = None  # part of the number
    template_contains: str | None = None  # part of the template code, any case

    def matches(self, message: Message, now: float) -> bool:
        checks = (
            (self.phone, message.phone), (self.template_code, message.template_code),
            (self.sign_name, message.sign_name), (self.biz_id, message.biz_id),
        )
        if any(wanted is not None and wanted != actual for wanted, actual in checks):
            return False
        if not self._contains(message):
            return False
        if self.status is not None and message.status(now) != self.status:
            return False
        return self.sent_on is None or china_date(message.sent_at) == self.sent_on

    def _contains(self, message: Message) -> bool:
        if self.phone_contains and self.phone_contains not in message.phone:
            return False
        wanted = (self.template_contains or "").casefold()
        return wanted in message.template_code.casefold()


class Outbox:
    """The newest ``max_messages`` messages, thread-safe."""

    def __init__(self, max_messages: int = DEFAULT_MAX_MESSAGES) -> None:
        self._messages: deque[Message] = deque(maxlen=max_messages)
        self._lock = threading.Lock()

    @property
    def max_messages(self) -> int:
        return self._messages.maxlen or DEFAULT_MAX_MESSAGES

    def add(self, messages: list[Message]) -> None:
        with self._lock:
            self._messages.extend(messages)

    def find(self, criteria: MessageFilter, now: float) -> list[Message]:
        """Matching messages, newest first."""
        with self._lock:
            snapshot = list(self._messages)
        return [message for message in reversed(snapshot) if criteria.matches(message, now)]

    def clear(self) -> int:
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
            return count

    def resize(self, max_messages: int) -> None:
        with self._lock:
            self._messages = deque(self._messages, maxlen=max_messages)

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)

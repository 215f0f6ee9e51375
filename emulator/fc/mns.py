"""Local MNS queues: the ones ``s.yaml`` names (trigger sources, dead-letter queues, destinations).

Not MNS's wire protocol (no MNS SDK talks to it): the local FC runtime's own HTTP routes
(:mod:`emulator.fc.gateway`) and ``python -m emulator.fc`` send, list, delete and redrive. A
message keeps what MNS's SendMessage answers and ReceiveMessage shows: ``MessageId`` (32
upper-case hex), ``MessageBodyMD5`` (upper-case hex MD5 of the body), ``MessageBody`` (text, as
sent: an MNS client that base64-encodes bodies sends the base64), ``EnqueueTime`` (epoch ms).
A queue is FIFO; only the queues the project declares exist (another name: :class:`QueueNotExist`,
MNS's code).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_BODY_BYTES = 64 * 1024  # MNS's MaximumMessageSize default (65536)


class QueueError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class QueueNotExist(QueueError):
    def __init__(self, queue: str, known: Iterable[str]) -> None:
        names = ", ".join(known) or "none"
        super().__init__(404, "QueueNotExist", f"the queue {queue!r} does not exist (local queues: {names})")


@dataclass(frozen=True)
class Message:
    id: str
    body: str
    enqueued_at: datetime

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body.encode("utf-8")).hexdigest().upper()

    def to_dict(self) -> dict[str, Any]:
        return {"MessageId": self.id, "MessageBodyMD5": self.md5, "MessageBody": self.body,
                "EnqueueTime": int(self.enqueued_at.timestamp() * 1000)}


class LocalQueues:
    """Named FIFO queues; ``listeners`` are told the queue's name after each send."""

    def __init__(self, names: Iterable[str]) -> None:
        self._queues: dict[str, deque[Message]] = {name: deque() for name in names}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str], None]] = []

    @property
    def names(self) -> list[str]:
        return list(self._queues)

    def subscribe(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def _queue(self, name: str) -> deque[Message]:
        if name not in self._queues:
            raise QueueNotExist(name, self._queues)
        return self._queues[name]

    def send(self, name: str, body: str, now: datetime) -> Message:
        if not body:
            raise QueueError(400, "InvalidArgument", "the message body is empty")
        if len(body.encode("utf-8")) > MAX_BODY_BYTES:
            raise QueueError(400, "InvalidArgument", f"the message body is larger than {MAX_BODY_BYTES} bytes")
        message = Message(secrets.token_hex(16).upper(), body, now)
        with self._lock:
            self._queue(name).append(message)
        for listener in self._listeners:
            listener(name)
        return message

    def peek(self, name: str) -> list[Message]:
        """The queue's messages, oldest first, left in the queue."""
        with self._lock:
            return list(self._queue(name))

    def take(self, name: str, count: int) -> list[Message]:
        """Remove and return up to ``count`` of the oldest messages."""
        with self._lock:
            queue = self._queue(name)
            return [queue.popleft() for _ in range(min(count, len(queue)))]

    def delete(self, name: str, message_id: str | None = None) -> int:
        """Delete one message (by id) or all; how many were deleted."""
        with self._lock:
            queue = self._queue(name)
            kept = [m for m in queue if message_id is not None and m.id != message_id]
            deleted = len(queue) - len(kept)
            queue.clear()
            queue.extend(kept)
            return deleted

    def put_back(self, name: str, messages: list[Message]) -> None:
        """Return taken messages to the head of the queue, in their order."""
        with self._lock:
            self._queue(name).extendleft(reversed(messages))

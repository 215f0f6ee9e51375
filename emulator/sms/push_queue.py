"""The pushes waiting, in flight and done, on the emulator's clock; thread-safe, bounded, no I/O.

Sends register their messages (:meth:`PushQueue.watch`, while a receipt URL is set); when the
clock passes a message's delivery time, the next :meth:`PushQueue.take_due` turns every message
that settled into ``SmsReport`` batches of ``batchSize`` items. Replies (:meth:`PushQueue.add`)
are one ``SmsUp`` batch each. A push is due at its ``next_at``; the pusher thread
(:mod:`emulator.sms.pusher`) takes one due push at a time, POSTs it and :meth:`PushQueue.record` s
the attempt. Any change (a new push, a record, the clock moving) wakes whoever waits.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from typing import Any

from emulator.core.clock import Clock
from emulator.sms.outbox import Message
from emulator.sms.pushes import (
    FAILED,
    KINDS,
    REPORT,
    STATES,
    Attempt,
    Push,
    PushNotConfigured,
    PushSettings,
    report_item,
)

MAX_PUSHES = 1000  # kept, newest; the oldest go first (a push still waiting included)
MAX_SETTLING = 100_000  # messages waiting for their receipt; more are not reported
SEQUENCE_START = 1_000_000_000


class PushQueue:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.settings = PushSettings()
        self._changed = threading.Condition()
        self._pushes: deque[Push] = deque(maxlen=MAX_PUSHES)
        self._settling: list[tuple[float, int, Message]] = []
        self._order = itertools.count()
        self._changes = 0
        self._generation = 0
        self._next_id = 1
        self._next_sequence = SEQUENCE_START
        self._inflight: Push | None = None
        self.unreported = 0  # receipts lost to MAX_SETTLING
        clock.subscribe(self.poke)

    # -- changes ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every push and waiting receipt; settings back to none."""
        with self._changed:
            self.settings = PushSettings()
            self._next_sequence = SEQUENCE_START
            self.unreported = 0
            self._forget()

    def clear(self) -> int:
        """Forget every push and waiting receipt (settings kept); returns how many pushes there were."""
        with self._changed:
            count = len(self._pushes)
            self._forget()
            return count

    def _forget(self) -> None:
        self._pushes.clear()
        self._settling.clear()
        self._inflight = None
        self._generation += 1
        self._changed_locked()

    def configure(self, settings: PushSettings) -> None:
        with self._changed:
            self.settings = settings
            self._changed_locked()

    def poke(self) -> None:
        """Something outside changed (the clock moved): wake whoever waits."""
        with self._changed:
            self._changed_locked()

    def _changed_locked(self) -> None:
        self._changes += 1
        self._changed.notify_all()

    def watch(self, messages: list[Message]) -> None:
        """Report these messages when they settle (only while a receipt URL is set)."""
        with self._changed:
            if self.settings.report_url is None:
                return
            for message in messages:
                if len(self._settling) >= MAX_SETTLING:
                    self.unreported += 1
                    continue
                heapq.heappush(self._settling, (message.deliver_at, next(self._order), message))
            self._changed_locked()

    def sequence_id(self) -> int:
        with self._changed:
            self._next_sequence += 1
            return self._next_sequence

    def url(self, kind: str) -> str:
        """Where pushes of ``kind`` go; PushNotConfigured when no URL is set for it."""
        url = self.settings.url(kind)
        if url is None:
            name = "reportUrl" if kind == REPORT else "upUrl"
            raise PushNotConfigured(f"no sms.push.{name} is set: PUT /_emulator/sms/push first")
        return url

    def add(self, kind: str, items: list[dict[str, Any]]) -> Push:
        """A new push of ``items``, due now; PushNotConfigured when no URL is set for ``kind``."""
        with self._changed:
            push = self._new_push(kind, self.url(kind), items, self.clock.now())
            self._changed_locked()
            return push

    def _new_push(self, kind: str, url: str, items: list[dict[str, Any]], now: float) -> Push:
        push = Push(self._next_id, kind, url, items, created_at=now, next_at=now, generation=self._generation)
        self._next_id += 1
        self._pushes.append(push)
        return push

    # -- the pusher's side --------------------------------------------------------------------

    def take_due(self) -> tuple[Push | None, int, float | None]:
        """``(push, changes, wait)``: the oldest due push, now in flight (or None), the change count to
        wait on, and the seconds until something falls due (None: nothing scheduled)."""
        with self._changed:
            now = self.clock.now()
            self._settle(now)
            due = [push for push in self._pushes if push.next_at is not None and push.next_at <= now]
            if due and self._inflight is None:
                push = min(due, key=lambda p: (p.next_at, p.id))
                self._inflight = push
                return push, self._changes, 0.0
            return None, self._changes, self._wait(now)

    def _settle(self, now: float) -> None:
        """Batch every message whose delivery time has passed into SmsReport pushes."""
        settled: list[Message] = []
        while self._settling and self._settling[0][0] <= now:
            settled.append(heapq.heappop(self._settling)[2])
        url, size = self.settings.report_url, self.settings.batch_size
        if settled:
            self._changed_locked()  # whoever waits for the queue to be idle looks again
        if not settled or url is None:
            return
        for start in range(0, len(settled), size):
            self._new_push(REPORT, url, [report_item(m) for m in settled[start:start + size]], now)

    def _wait(self, now: float) -> float | None:
        moments = [push.next_at for push in self._pushes if push.next_at is not None]
        if self._settling:
            moments.append(self._settling[0][0])
        return max(0.0, min(moments) - now) if moments else None

    def record(self, push: Push, attempt: Attempt) -> None:
        """The outcome of the in-flight push's attempt (ignored if the queue was cleared meanwhile)."""
        with self._changed:
            try:
                if push.generation == self._generation:
                    push.record(attempt, self.settings.retry_delays)
            except Exception:
                push.state, push.next_at = FAILED, None  # a bug must not make it due forever
                raise
            finally:
                if self._inflight is push:
                    self._inflight = None
                self._changed_locked()

    def wait_for_change(self, changes: int, timeout: float | None) -> None:
        """Sleep until the change count moves past ``changes`` or ``timeout`` seconds pass."""
        with self._changed:
            self._changed.wait_for(lambda: self._changes != changes, timeout)

    def wait_idle(self, timeout: float) -> bool:
        """Wait (real seconds) until nothing is due at the emulator's current time and nothing is in
        flight; False if that did not happen in time (no pusher running, or a receiver hanging)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._idle():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.5))
            return True

    def _idle(self) -> bool:
        now = self.clock.now()
        if self._inflight is not None or (self._settling and self._settling[0][0] <= now):
            return False
        return not any(push.next_at is not None and push.next_at <= now for push in self._pushes)

    # -- views --------------------------------------------------------------------------------

    def describe(self, kind: str | None = None, state: str | None = None,
                 limit: int | None = None) -> tuple[int, list[dict[str, Any]]]:
        """``(total matching, newest-first dicts up to limit)``; ValueError for an unknown kind or state."""
        if kind is not None and kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}")
        if state is not None and state not in STATES:
            raise ValueError(f"status must be one of {list(STATES)}")
        with self._changed:
            found = [push for push in reversed(self._pushes)
                     if (kind is None or push.kind == kind) and (state is None or push.state == state)]
            selected = found if limit is None else found[:limit]
            return len(found), [push.to_dict() for push in selected]

"""Timer triggers: each enabled ``timer`` trigger of ``s.yaml`` fires on its cron, and on demand.

A firing is an async invocation (retried as the function's ``asyncInvokeConfig`` says) with
``{"triggerTime", "triggerName", "payload"}``; ``triggerTime`` is the scheduled second in UTC.
Runs missed while the machine slept collapse into one. The clock and the wait between checks
are injectable, so tests drive the schedule without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulator.fc.cron import Cron
from emulator.fc.events import request_id, timer_event
from emulator.fc.instances import Outcome
from emulator.fc.project import FunctionSpec, TimerTrigger
from emulator.fc.runtime import AsyncInvocation, Runtime, UnknownFunction

MAX_NAP_SECONDS = 1.0  # look at the clock at least this often (it may jump: sleep, tests)


@dataclass
class ScheduledTimer:
    spec: FunctionSpec
    trigger: TimerTrigger
    cron: Cron
    next_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.spec.resource, "trigger": self.trigger.name, "cron": self.trigger.cron,
                "payload": self.trigger.payload, "nextAt": self.next_at.isoformat() if self.next_at else None}


class TimerScheduler:
    def __init__(self, runtime: Runtime, *, clock: Callable[[], datetime] | None = None,
                 wait: Callable[[float], Any] | None = None) -> None:
        self.runtime = runtime
        self._clock = clock or runtime.clock
        self._stopping = threading.Event()
        self._wait = wait if wait is not None else self._stopping.wait
        self._thread: threading.Thread | None = None
        self.timers = [ScheduledTimer(spec, trigger, Cron.parse(trigger.cron))
                       for spec in runtime.project.functions.values() for trigger in spec.timers if trigger.enabled]

    def arm(self, now: datetime | None = None) -> None:
        """Compute every timer's next firing after ``now``."""
        moment = now or self._clock()
        for timer in self.timers:
            timer.next_at = timer.cron.next_after(moment)

    def tick(self, now: datetime) -> list[AsyncInvocation]:
        """Fire every timer that is due at ``now``; each fires once, then is re-armed after ``now``."""
        fired = []
        for timer in self.timers:
            if timer.next_at is None:
                timer.next_at = timer.cron.next_after(now)
                continue
            if timer.next_at <= now:
                event = timer_event(timer.trigger.name, timer.trigger.payload, timer.next_at)
                fired.append(self.runtime.invoke_async(timer.spec.resource, event,
                                                       source=f"timer:{timer.trigger.name}"))
                timer.next_at = timer.cron.next_after(now)
        return fired

    def run_now(self, function: str, trigger: str | None = None,
                payload: str | None = None) -> tuple[str, Outcome]:
        """Invoke ``function`` now, synchronously, with its timer's event (``payload`` replaces the
        trigger's when given); returns the request id and the outcome."""
        spec = self.runtime.find(function)
        chosen = next((t for t in spec.timers if trigger is None or t.name == trigger), None)
        if chosen is None:
            names = ", ".join(t.name for t in spec.timers) or "none"
            wanted = f" {trigger!r}" if trigger else ""
            raise UnknownFunction(f"{spec.resource} has no timer trigger{wanted} (its timers: {names})")
        rid = request_id()
        event = timer_event(chosen.name, chosen.payload if payload is None else payload, self._clock())
        return rid, self.runtime.invoke(spec.resource, event, rid)

    def start(self) -> TimerScheduler:
        if self._thread is None:
            self.arm()
            self._thread = threading.Thread(target=self._loop, name="fc-timers", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopping.is_set():
            now = self._clock()
            self.tick(now)
            upcoming = [t.next_at for t in self.timers if t.next_at is not None]
            delay = min((moment - self._clock()).total_seconds() for moment in upcoming) if upcoming else None
            nap = MAX_NAP_SECONDS if delay is None else max(0.0, min(delay, MAX_NAP_SECONDS))
            if self._wait(nap) is True:
                return

    def join(self, timeout: float | None = None) -> None:
        """Wait for the timer thread to end (it ends when ``wait`` returns True, or on ``stop``)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

"""Aliyun's default domestic flow control, on the controllable clock.

- verification-code templates: 1/minute, 5/hour, 10/day per signature per number, and at most
  40/day per number over all signatures;
- notification and promotion templates: 50/day per signature + template + number.

Windows as Aliyun counts them (https://help.aliyun.com/document_detail/2949332.html): the minute
and hour windows are clock-aligned (整点: a minute's count starts at :00 seconds, an hour's at
:00 minutes), the day window rolls (the 24 hours before the send).

Only successful submissions count. A request is checked as a whole: if any of its numbers would
exceed a limit nothing is recorded and ``isv.BUSINESS_LIMIT_CONTROL`` names the window
("触发分钟级流控Permits:1", "触发小时级流控Permits:5", "触发天级流控Permits:10",
"触发号码天级流控Permits:40"). Limits can be changed with seed ``sms.flowControl``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from emulator.sms.catalog import NOTIFICATION, PROMOTION, VERIFICATION
from emulator.sms.errors import BusinessLimitControl

MINUTE, HOUR, DAY = 60, 3600, 86400
WINDOW_LABELS = {MINUTE: "分钟级", HOUR: "小时级", DAY: "天级"}
PER_NUMBER_LABEL = "号码天级"  # the 40-a-day limit over all signatures
SEED_NAMES = {
    "enabled": "enabled",
    "verificationPerMinute": "verification_per_minute",
    "verificationPerHour": "verification_per_hour",
    "verificationPerDay": "verification_per_day",
    "verificationPerNumberPerDay": "verification_per_number_per_day",
    "notificationPerDay": "notification_per_day",
}


@dataclass(frozen=True)
class FlowLimits:
    enabled: bool = True
    verification_per_minute: int = 1
    verification_per_hour: int = 5
    verification_per_day: int = 10
    verification_per_number_per_day: int = 40
    notification_per_day: int = 50

    @classmethod
    def from_seed(cls, data: Any, base: FlowLimits | None = None) -> FlowLimits:
        """Seed ``sms.flowControl`` (camelCase keys, all optional) over ``base``."""
        if not isinstance(data, Mapping):
            raise ValueError("sms.flowControl must be an object")
        unknown = sorted(set(data) - set(SEED_NAMES))
        if unknown:
            raise ValueError(f"sms.flowControl has unknown keys {unknown}; known: {sorted(SEED_NAMES)}")
        values = {f.name: getattr(base or cls(), f.name) for f in fields(cls)}
        for seed_name, value in data.items():
            if seed_name == "enabled":
                if not isinstance(value, bool):
                    raise ValueError("sms.flowControl.enabled must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"sms.flowControl.{seed_name} must be an integer >= 0")
            values[SEED_NAMES[seed_name]] = value
        return cls(**values)


class Submission(NamedTuple):
    """One message about to be sent, as flow control sees it."""

    sign: str
    template: str
    template_type: int
    phone: str


Windows = tuple[tuple[int, int], ...]  # (window seconds, permits) per window a counter is checked in
Rule = tuple[tuple[str, ...], Windows]  # (counter key, its windows)
PER_NUMBER = "verification-number"


class FlowControl:
    """Timestamps of past successful submissions per counter key."""

    def __init__(self, limits: FlowLimits | None = None) -> None:
        self.limits = limits or FlowLimits()
        self._events: dict[tuple[str, ...], deque[float]] = {}

    def rules(self, item: Submission) -> list[Rule]:
        limits = self.limits
        if item.template_type == VERIFICATION:
            return [
                (("verification", item.sign, item.phone), ((MINUTE, limits.verification_per_minute),
                                                           (HOUR, limits.verification_per_hour),
                                                           (DAY, limits.verification_per_day))),
                ((PER_NUMBER, item.phone), ((DAY, limits.verification_per_number_per_day),)),
            ]
        if item.template_type in (NOTIFICATION, PROMOTION):
            return [(("notification", item.sign, item.template, item.phone), ((DAY, limits.notification_per_day),))]
        return []

    def admit(self, items: list[Submission], now: float) -> None:
        """Record every item, or raise ``isv.BUSINESS_LIMIT_CONTROL`` and record none."""
        if not self.limits.enabled:
            return
        pending: dict[tuple[str, ...], int] = {}  # this request's own earlier items, per counter key
        events = self._events
        for item in items:
            rules = self.rules(item)
            for key, windows in rules:
                earlier = pending.get(key, 0)
                for window, permits in windows:
                    # a counter no earlier request touched has used nothing (the common case)
                    if earlier + (self._used(key, window, now) if key in events else 0) >= permits:
                        label = PER_NUMBER_LABEL if key[0] == PER_NUMBER else WINDOW_LABELS[window]
                        raise BusinessLimitControl(f"触发{label}流控Permits:{permits}")
                pending[key] = earlier + 1
        for key, count in pending.items():
            events.setdefault(key, deque()).extend([now] * count)

    def _used(self, key: tuple[str, ...], window: int, now: float) -> int:
        events = self._events.get(key)
        if not events:
            return 0
        while events and events[0] <= now - DAY:
            events.popleft()
        if not events:
            del self._events[key]
            return 0
        if window >= DAY:  # rolling, pruned above: every event left is inside the window
            return len(events)
        start = now - now % window  # clock-aligned: this whole minute / hour
        return sum(1 for moment in events if moment >= start)

    def reset(self) -> None:
        self._events.clear()

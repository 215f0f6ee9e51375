"""Request counters per service and action."""

from __future__ import annotations

import threading
from collections import defaultdict


class Stats:
    """Counts every POP request that reached routing, including ones refused by auth or chaos."""

    def __init__(self) -> None:
        self._counts: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._lock = threading.Lock()

    def count(self, service: str, action: str) -> None:
        with self._lock:
            self._counts[service][action] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """``{"sms": {"SendSms": 3, ...}, ...}``; services never called are absent."""
        with self._lock:
            return {service: dict(actions) for service, actions in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

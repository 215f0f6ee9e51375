"""A per-instance TTL cache: concurrent first loads fetch once, failures are never cached,
and an expired value keeps serving for a bounded grace period while its source is down."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared import log
from shared.errors import ConfigError, ConfigUnavailableError

V = TypeVar("V")


@dataclass
class _Entry(Generic[V]):
    value: V
    fetched_at: float


def answered(error: Exception) -> bool:
    """The source answered, and the answer holds at once: an object or secret gone, denied or
    invalid (a :class:`ConfigError` that is no :class:`ConfigUnavailableError`). Anything else (a 5xx,
    throttling, no answer, a failure of ours) is an outage, through which a cached value serves."""
    return isinstance(error, ConfigError) and not isinstance(error, ConfigUnavailableError)


class TtlCache(Generic[V]):
    """``get(key, load)`` returns a value at most ``max_age`` seconds old.

    When a reload fails through an outage (not :func:`answered`) and the expired value is younger
    than ``max_age + grace``, the stale value is returned and a warning logged; otherwise the error
    propagates (what the source answered holds at once). ``clock`` is
    injectable so tests control time.
    """

    def __init__(
        self, max_age: float, grace: float, *, name: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self.grace = grace
        self.name = name
        self.clock = clock
        self._entries: dict[Hashable, _Entry[V]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V], *, force: bool = False) -> V:
        """The cached value, loading it when missing, expired or ``force``d.

        A forced refresh never falls back to a stale value: its caller wants the truth.
        """
        entry = self._entries.get(key)
        if entry is not None and not force and self._age(entry) < self.max_age:
            return entry.value
        with self._lock_for(key):
            entry = self._entries.get(key)
            if entry is not None and not force and self._age(entry) < self.max_age:
                return entry.value  # another thread loaded it while we waited
            try:
                value = load()
            except Exception as error:
                stale = None if force or answered(error) else self.fallback(key, error)
                if stale is None:
                    raise
                return stale
            self._entries[key] = _Entry(value, self.clock())
            return value

    def fallback(self, key: Hashable, error: Exception) -> V | None:
        """The cached value while its source fails with ``error``: as fresh as ``max_age``, else stale
        within the grace (logged as ``config.stale``); None when there is none."""
        entry = self._entries.get(key)
        if entry is None or self._age(entry) >= self.max_age + self.grace:
            return None
        if self._age(entry) >= self.max_age:
            log.warning("config.stale", cache=self.name, key=str(key), ageSeconds=round(self._age(entry), 1),
                        error=str(error))
        return entry.value

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()

    def _age(self, entry: _Entry[V]) -> float:
        return self.clock() - entry.fetched_at

    def _lock_for(self, key: Hashable) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

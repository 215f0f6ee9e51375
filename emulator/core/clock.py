"""A controllable clock for business rules (flow control windows, receipts, send dates).

Signature timestamp checks never use it: they compare against real wall time, as Aliyun does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Clock:
    """Real wall time plus an offset that tests move forward with :meth:`advance` or pin with :meth:`set`.

    Example
    -------
    >>> clock = Clock()
    >>> before = clock.now()
    >>> clock.advance(61)
    >>> clock.now() - before >= 61
    True
    """

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offset = 0.0
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every :meth:`advance`, :meth:`set` and :meth:`reset` (outside the
        clock's lock), so background work waiting for a moment of emulator time can look again."""
        with self._lock:
            self._listeners.append(listener)

    def _moved(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def now(self) -> float:
        """Epoch seconds as the emulator's business rules see them."""
        with self._lock:
            return self._wall() + self._offset

    @property
    def offset(self) -> float:
        """Seconds added to real time."""
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward (or back, with a negative number); returns the new time."""
        with self._lock:
            self._offset += float(seconds)
            now = self._wall() + self._offset
        self._moved()
        return now

    def set(self, epoch: float) -> float:
        """Make ``now()`` equal ``epoch`` at this instant; time keeps flowing from there."""
        with self._lock:
            self._offset = float(epoch) - self._wall()
        self._moved()
        return float(epoch)

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0
        self._moved()

"""Clocks for tests: epoch seconds that move only when a test says so, and a stepped ``datetime`` one."""

from datetime import datetime, timedelta, timezone

START = 1_700_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SteppedClock:
    """A runtime's clock as a ``datetime``; its ``sleep`` moves the clock instead of waiting, and
    keeps what was asked (``sleeps``)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(timezone.utc)
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)

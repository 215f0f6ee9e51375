"""Helpers for the store contract suite: a controllable clock, races, and a throwaway redis-server."""

from __future__ import annotations

import threading
from collections.abc import Callable

START = 1_700_000_000.0
KEY = "send_sms:key-1:3f1c-retry"
TTL = 100.0
LEASE = 10.0
RESPONSE = {"status": 200, "body": {"bizId": "900619746936498440^0", "phones": ["138****8000"], "note": "短信"}}


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def claim(store, fingerprint="fp-a", key=KEY, ttl=TTL, lease=LEASE):
    """``store.claim`` with the suite's defaults."""
    return store.claim(key, fingerprint, ttl=ttl, lease=lease)


def race(action: Callable[[int], object], parties: int, *, timeout: float = 30.0) -> list[object]:
    """Run ``action(i)`` in ``parties`` threads released together; return results, raising the first error."""
    barrier = threading.Barrier(parties)
    results: list[object] = [None] * parties
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout)
            results[index] = action(index)
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    if errors:
        raise errors[0]
    return results


def claim_keys(url: str, keys: list[str], barrier: object, results: object) -> None:
    """Child process body: open the store, wait for the others, claim every key, report the statuses."""
    from shared.store import open_store

    with open_store(url) as store:
        store.ping()
        barrier.wait(30)  # type: ignore[attr-defined]
        statuses = [store.claim(key, "fp", ttl=60, lease=30).status for key in keys]
    results.put(statuses)  # type: ignore[attr-defined]

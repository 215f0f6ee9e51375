"""Helpers for the store contract suite: a controllable clock, races, and a throwaway redis-server."""

from __future__ import annotations

from clock_support import START, FakeClock  # noqa: F401 - the suite's clock
from race_support import race  # noqa: F401

KEY = "send_sms:key-1:3f1c-retry"
TTL = 100.0
LEASE = 10.0
RESPONSE = {"status": 200, "body": {"bizId": "900619746936498440^0", "phones": ["138****8000"], "note": "短信"}}


def claim(store, fingerprint="fp-a", key=KEY, ttl=TTL, lease=LEASE):
    """``store.claim`` with the suite's defaults."""
    return store.claim(key, fingerprint, ttl=ttl, lease=lease)


def claim_keys(url: str, keys: list[str], barrier: object, results: object) -> None:
    """Child process body: open the store, wait for the others, claim every key, report the statuses."""
    from shared.store import open_store

    with open_store(url) as store:
        store.ping()
        barrier.wait(30)  # type: ignore[attr-defined]
        statuses = [store.claim(key, "fp", ttl=60, lease=30).status for key in keys]
    results.put(statuses)  # type: ignore[attr-defined]

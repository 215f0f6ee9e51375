"""Fixtures of the store contract suite: every store kind, one controllable clock, a real Redis.

Redis comes from the ``redis_url`` fixture of tests/conftest.py (``SMS_TEST_REDIS_URL`` or a
``redis-server`` started for the session; skipped locally without one, a failure in CI).
"""

from __future__ import annotations

import pytest
from store_support import FakeClock

from shared.store import open_store

SHARED_KINDS = [pytest.param("sqlite", id="sqlite"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]
ALL_KINDS = [pytest.param("memory", id="sqlite-memory"), *SHARED_KINDS]


@pytest.fixture
def clock():
    return FakeClock()


def url_for(kind, request, tmp_path):
    if kind == "memory":
        return "sqlite:///:memory:"
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'store.db'}"
    return request.getfixturevalue("redis_url")


@pytest.fixture(params=ALL_KINDS)
def store_url(request, tmp_path):
    """A store URL of every kind: SQLite in memory, a SQLite file, Redis."""
    return url_for(request.param, request, tmp_path)


@pytest.fixture(params=SHARED_KINDS)
def shared_url(request, tmp_path):
    """A URL that several store objects (and processes) can share: a SQLite file, Redis."""
    return url_for(request.param, request, tmp_path)


@pytest.fixture
def open_stores(clock):
    """``open_stores(url, n=1)``: n store objects on ``url`` with the test's clock, closed afterwards."""
    opened = []

    def make(url, n=1):
        stores = [open_store(url, clock=clock) for _ in range(n)]
        opened.extend(stores)
        return stores

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(store_url, open_stores):
    return open_stores(store_url)[0]

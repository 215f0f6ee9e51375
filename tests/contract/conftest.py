"""Fixtures of the store contract suite: every store kind, one controllable clock, a real Redis.

Redis comes from ``SMS_TEST_REDIS_URL`` when set (its database is flushed before every test),
else from a ``redis-server`` started for the session. Without either, Redis tests are skipped,
or fail when ``CI=true``.
"""

from __future__ import annotations

import os

import pytest
from store_support import FakeClock, missing_redis, redis_server_binary, start_redis_server, stop, wait_for_ping

from shared.store import open_store

SHARED_KINDS = [pytest.param("sqlite", id="sqlite"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]
ALL_KINDS = [pytest.param("memory", id="sqlite-memory"), *SHARED_KINDS]


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory):
    """The URL of a Redis for this session, or a skip (locally) / a failure (CI)."""
    ci = os.environ.get("CI", "").lower() == "true"
    given = os.environ.get("SMS_TEST_REDIS_URL")
    if given:
        if not wait_for_ping(given, None, timeout=5):
            missing_redis("SMS_TEST_REDIS_URL does not answer PING", ci=ci)
        yield given
        return
    binary = redis_server_binary()
    if binary is None:
        missing_redis("redis-server is not on PATH", ci=ci)
    process, url = start_redis_server(binary, tmp_path_factory.mktemp("redis"))
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture
def redis_url(redis_server_url):
    """The session's Redis with an empty database."""
    import redis

    client = redis.Redis.from_url(redis_server_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_server_url


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

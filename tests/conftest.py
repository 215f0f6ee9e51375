"""Fixtures for every test: the emulator (emulator.pytest_plugin) and a real Redis."""

import os

import pytest
from redis_support import missing_redis, redis_server_binary, start_redis_server, stop, wait_for_ping

pytest_plugins = ["emulator.pytest_plugin"]


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

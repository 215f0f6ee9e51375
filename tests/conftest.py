"""Fixtures for every test: the emulator (emulator.pytest_plugin) and a real Redis. What the machine
lacks for the Redis and browser tests is said in one line before the tests and one after them
(tests/prerequisites.py)."""

import os
from collections.abc import Generator

import pytest
from prerequisites import KEY, REDIS, Prerequisites, require, write
from redis_support import redis_server_binary, start_redis_server, stop

pytest_plugins = ["emulator.pytest_plugin"]


def pytest_configure(config: pytest.Config) -> None:
    config.stash[KEY] = Prerequisites.probe()


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    """Before the tests: below pytest's header (first, under ``-q``), before collecting."""
    write(session.config, session.config.stash[KEY].before())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                           pytest.TestReport]:
    """Count the tests a lack stopped; fold their skips into one ``-ra`` line per suite."""
    report = yield
    item.config.stash[KEY].note(report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(config: pytest.Config) -> Generator[None, None, None]:
    """After the tests: below pytest's short summary, just above its final line (which CI reads)."""
    yield
    write(config, config.stash[KEY].after())


@pytest.fixture(scope="session")
def redis_server_url(request, tmp_path_factory):
    """The URL of a Redis for this session, or a skip (locally) / a failure (CI)."""
    require(request.config, REDIS)
    given = os.environ.get("SMS_TEST_REDIS_URL")
    if given:
        yield given
        return
    binary = redis_server_binary()
    assert binary is not None  # require() saw it
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

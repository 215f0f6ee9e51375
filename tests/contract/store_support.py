"""Helpers for the store contract suite: a controllable clock, races, and a throwaway redis-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

START = 1_700_000_000.0
KEY = "send_sms:key-1:3f1c-retry"
TTL = 100.0
LEASE = 10.0
RESPONSE = {"status": 200, "body": {"bizId": "900619746936498440^0", "phones": ["138****8000"], "note": "短信"}}
INSTALL_HINT = (
    "install it (apt-get install -y redis-server, or brew install redis) or point SMS_TEST_REDIS_URL "
    "at a Redis whose database may be flushed"
)


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


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None


def missing_redis(reason: str, *, ci: bool) -> None:
    """No Redis to test against: a skip on a developer's machine, a failure in CI."""
    message = f"{reason}: {INSTALL_HINT}"
    if ci:
        pytest.fail(f"CI needs Redis for the store contract tests; {message}", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_ping(url: str, process: subprocess.Popen[bytes] | None, *, timeout: float = 10.0) -> bool:
    """True once ``url`` answers PING; False when the time runs out or the server died."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                return False
            try:
                if client.ping():
                    return True
            except redis.RedisError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


def start_redis_server(binary: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A private redis-server on a free loopback port (three tries: another process may take the port)."""
    for _ in range(3):
        port = free_port()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(folder)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        if wait_for_ping(url, process):
            return process, url
        stop(process)
    raise RuntimeError(f"{binary} did not answer PING on a free port in three tries")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

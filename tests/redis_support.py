"""A throwaway redis-server for tests: started on a free loopback port, or SMS_TEST_REDIS_URL.

Without either, Redis tests skip on a developer's machine and fail when ``CI=true`` (prerequisites.py).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def redis_server_binary() -> str | None:
    """``SMS_TEST_REDIS_SERVER`` when set (None if it names nothing runnable), else redis-server on PATH."""
    named = os.environ.get("SMS_TEST_REDIS_SERVER")
    if named:
        return shutil.which(named)
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None


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

"""Verification codes on Redis: round trips per operation (from Redis's own statistics) and
verify throughput beside a bare ``GET`` + ``DEL`` (the naive, non-atomic way to consume a code).

Uses ``SMS_BENCH_REDIS_URL`` when set (a database it may flush), else starts ``redis-server``
on a free loopback port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Figure, control, emulator_process, write_element

CODES = 2000
ROUNDS = 5


@contextmanager
def redis_server() -> Iterator[str]:
    given = os.environ.get("SMS_BENCH_REDIS_URL")
    if given:
        yield given
        return
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
                                "no"], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


SCRIPT_COMMANDS = ("cmdstat_evalsha", "cmdstat_eval", "cmdstat_script|load", "cmdstat_script")


def script_calls(client) -> int:
    """Script invocations so far, from ``INFO commandstats``: each is one round trip. (Redis counts
    the commands a script runs too, so ``total_commands_processed`` would overstate.)"""
    stats = client.info("commandstats")
    return sum(int(stats[name]["calls"]) for name in SCRIPT_COMMANDS if name in stats)


def round_trips(client, action) -> int:
    """Round trips ``action`` made (the store sends Redis nothing but scripts)."""
    before = script_calls(client)
    action()
    return script_calls(client) - before


def _policy(redis_url: str, endpoint: str, root: Path):
    from shared import App
    from shared.settings import Settings
    from shared.store import open_store

    folder = root / "Verify" / "Bench"
    folder.mkdir(parents=True)
    (folder / "e.json").write_text(json.dumps({"title": "b", "type": "Verify.SmsCode", "backendBundleEntry": "."}))
    (folder / "verify.json").write_text(json.dumps({
        "sms": "SMS.Bench", "templateCode": "SMS_100000001", "hmacKey": "b" * 40, "tokenKey": "t" * 40,
        "resendCooldown": 0, "perPhone": [{"max": 1000, "seconds": 3600}], "perIp": [{"max": 1000, "seconds": 3600}],
    }))
    app = App(Settings.from_env())
    app.store = open_store(redis_url)
    return app.getElement("Verify.Bench")


def _round_trip_figures(redis_url: str, endpoint: str, root: Path) -> list[Figure]:
    import redis

    policy = _policy(redis_url, endpoint, root)
    client = redis.Redis.from_url(redis_url)
    policy.sendCode("13800138000", "login", clientIp="192.0.2.1")  # loads the scripts
    policy.checkCode("13800138000", "login", "000000")
    issue = round_trips(client, lambda: policy.sendCode("13800138001", "login", clientIp="192.0.2.1"))
    verify = round_trips(client, lambda: policy.checkCode("13800138001", "login", "000000"))
    control(endpoint, "PUT", "chaos", {"rules": [{"service": "sms", "action": "SendSms", "count": 2,
                                                  "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}]})
    _expect_failure(policy)  # loads the cancel script
    failed = round_trips(client, lambda: _expect_failure(policy))
    client.close()
    return [
        Figure("Redis round trips: issue a code (sent)", issue, "", "1 (<= 2)", issue <= 2),
        Figure("Redis round trips: issue a code (send failed, taken back)", failed, "", "<= 2", failed <= 2),
        Figure("Redis round trips: verify a code", verify, "", "1", verify == 1),
    ]


def _expect_failure(policy) -> None:
    from shared.errors import SmsError

    try:
        policy.sendCode("13800138002", "login", clientIp="192.0.2.1")
    except SmsError:
        return
    raise AssertionError("the injected failure did not happen")


def _throughput_figures(redis_url: str) -> list[Figure]:
    import redis

    from shared.store import open_store
    from shared.store.base import CodeIssue, SendLog, Window

    store, client = open_store(redis_url), redis.Redis.from_url(redis_url)
    times = {"check": 0.0, "check+log": 0.0, "bare": 0.0}
    for round_number in range(ROUNDS):  # side by side, in turn, so all see the same machine
        keys = {name: [f"Verify.Bench:code:login:{name}-{round_number}-{i}" for i in range(CODES)] for name in times}
        now = store.clock()
        for key in keys["check"] + keys["check+log"]:
            store.issue_code(CodeIssue(key, "d" * 64, now + 300, now + 600, key))
        for key in keys["bare"]:
            client.set(key, "d" * 64)
        checks = SendLog(f"Verify.Bench:checks:{round_number}", "ip_checks", (Window(10**9, 3600.0),))
        start = time.perf_counter()
        for key in keys["check"]:
            store.check_code(key, "d" * 64, max_attempts=5)
        times["check"] += time.perf_counter() - start
        start = time.perf_counter()
        for key in keys["check+log"]:  # as the policy checks: with the client's check log
            store.check_code(key, "d" * 64, max_attempts=5, log=checks)
        times["check+log"] += time.perf_counter() - start
        start = time.perf_counter()
        for key in keys["bare"]:
            client.get(key)
            client.delete(key)
        times["bare"] += time.perf_counter() - start
    store.close()
    client.close()
    rate = {name: CODES * ROUNDS / seconds for name, seconds in times.items()}
    plain, logged = rate["check"] / rate["bare"], rate["check+log"] / rate["bare"]
    return [
        Figure("verify throughput, Redis store (one atomic script)", rate["check"], "ops/s", "-"),
        Figure("verify throughput, with the per-IP check log (as served)", rate["check+log"], "ops/s", "-"),
        Figure("baseline throughput, bare GET + DEL", rate["bare"], "ops/s", "-"),
        # Atomic, counted and constant-time, yet about as fast as the naive two-command consume.
        Figure("verify ÷ bare GET+DEL throughput", plain, "x", ">= 0.9", plain >= 0.9),
        Figure("verify with check log ÷ bare GET+DEL throughput", logged, "x", "-"),
    ]


def run() -> list[Figure]:
    from shared.log import set_stream

    set_stream(open(os.devnull, "w"))  # noqa: SIM115
    with emulator_process() as endpoint, redis_server() as redis_url, tempfile.TemporaryDirectory() as tmp:
        write_element(Path(tmp), endpoint)
        figures = _round_trip_figures(redis_url, endpoint, Path(tmp))
        figures += _throughput_figures(redis_url)
    return figures

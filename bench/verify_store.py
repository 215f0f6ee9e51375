"""Verification codes on Redis: round trips per operation (from Redis's own statistics) and
verify throughput beside a bare ``GET`` + ``DEL`` (the naive, non-atomic way to consume a code).

Uses ``SMS_BENCH_REDIS_URL`` when set (a database it may flush), else starts ``redis-server``
on a free loopback port; without either its figures are rows saying so (``NotAvailable``).
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

from bench.common import Figure, NotAvailable, Spec, control, emulator_process, write_element

CODES = 2000
ROUNDS = 5

ISSUE = Spec("Redis round trips: issue a code (sent)", "", "1 (<= 2)", lambda n: n <= 2)
FAILED = Spec("Redis round trips: issue a code (send failed, taken back)", "", "<= 2", lambda n: n <= 2)
VERIFY = Spec("Redis round trips: verify a code", "", "1", lambda n: n == 1)
CHECK_RATE = Spec("verify throughput, Redis store (one atomic script)", "ops/s", "-")
LOGGED_RATE = Spec("verify throughput, with the per-IP check log (as served)", "ops/s", "-")
BARE_RATE = Spec("baseline throughput, bare GET + DEL", "ops/s", "-")
# Atomic, counted and constant-time, yet about as fast as the naive two-command consume.
CHECK_RATIO = Spec("verify ÷ bare GET+DEL throughput", "x", ">= 0.9", lambda ratio: ratio >= 0.9)
LOGGED_RATIO = Spec("verify with check log ÷ bare GET+DEL throughput", "x", ">= 0.8", lambda ratio: ratio >= 0.8)
FIGURES = [ISSUE, FAILED, VERIFY, CHECK_RATE, LOGGED_RATE, BARE_RATE, CHECK_RATIO, LOGGED_RATIO]

NO_REDIS = "no redis-server (apt-get install -y redis-server, or set SMS_BENCH_REDIS_URL)"


def redis_server_binary() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None


@contextmanager
def redis_server() -> Iterator[str]:
    given = os.environ.get("SMS_BENCH_REDIS_URL")
    if given:
        yield given
        return
    binary = redis_server_binary()
    if binary is None:
        raise NotAvailable(NO_REDIS)
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
    return [ISSUE.measured(issue), FAILED.measured(failed), VERIFY.measured(verify)]


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
    return [CHECK_RATE.measured(rate["check"]), LOGGED_RATE.measured(rate["check+log"]),
            BARE_RATE.measured(rate["bare"]), CHECK_RATIO.measured(plain), LOGGED_RATIO.measured(logged)]


def run() -> list[Figure]:
    from shared.log import set_stream

    with redis_server() as redis_url, emulator_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        set_stream(open(os.devnull, "w"))  # noqa: SIM115
        write_element(Path(tmp), endpoint)
        figures = _round_trip_figures(redis_url, endpoint, Path(tmp))
        figures += _throughput_figures(redis_url)
    return figures

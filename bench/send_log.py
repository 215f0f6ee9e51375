"""The send log on Redis: receipt ingestion beside a bare pipelined write, and what the log costs a send.

Receipts: batches of 100 delivery receipts (each settling a number of a record first written with
``log_send``) through ``RedisStore.apply_receipts`` ÷ the naive write of the same receipts (one
redis-py pipeline of 100 ``HSET`` per batch), alternating batch by batch, each going first every
other round; and the store's round trips per batch (``INFO commandstats``, as ``verify_store``).

Send log: the client's commands to Redis, and its round trips (socket writes: a pipeline is one),
for one ``send_sms`` request with an ``Idempotency-Key`` (``functions/send_sms/index.py`` in this
process, against the emulator, ``SMS_STORE_URL`` on Redis), with the send log and with its write
switched off; the difference is what the log adds: one command, pipelined with the completion.

Redis as in ``verify_store`` (``SMS_BENCH_REDIS_URL``, else a ``redis-server`` of its own).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from bench.common import Figure, Spec, control, emulator_process
from bench.verify_store import redis_server, round_trips

BATCH = 100
BATCHES = 20  # per round and per side
ROUNDS = 5
REQUESTS = 5  # send_sms requests counted per side (each its own key), after one to warm up
TTL = 7 * 86400.0

STORE_RATE = Spec("receipt ingestion, Redis store apply_receipts (batches of 100)", "receipts/s", "-")
BARE_RATE = Spec("baseline: bare pipelined write, 100 HSET per batch", "receipts/s", "-")
RATIO = Spec("receipt ingestion ÷ bare pipelined write", "x", ">= 0.8", lambda ratio: ratio >= 0.8)
BATCH_TRIPS = Spec("Redis round trips per pushed batch of receipts", "", "1", lambda n: n == 1)
WITH_LOG = Spec("Redis commands: send_sms with Idempotency-Key, with the send log", "", "-")
WITHOUT_LOG = Spec("Redis commands: the same request without the send log", "", "-")
LOG_ADDS = Spec("Redis commands the send log adds per SendSms call (commandstats)", "", "<= 1", lambda n: n <= 1)
TRIPS_WITH_LOG = Spec("Redis round trips: send_sms with Idempotency-Key, with the send log", "", "-")
TRIPS_WITHOUT_LOG = Spec("Redis round trips: the same request without the send log", "", "-")
TRIPS_ADDED = Spec("round trips the send log adds (pipelined with the idempotency record)", "", "0",
                   lambda n: n == 0)
FIGURES = [STORE_RATE, BARE_RATE, RATIO, BATCH_TRIPS, WITH_LOG, WITHOUT_LOG, LOG_ADDS, TRIPS_WITH_LOG,
           TRIPS_WITHOUT_LOG, TRIPS_ADDED]

API_KEY = "sk_bench_send_log_000000000000000000000000000"
STS = ("STS.TestKeyId00000000000000001", "TestStsSecret00000000000000000001",
       "TestSecurityToken000000000000000000000001")


def _records(store, tag: str) -> list[Any]:
    """A batch of receipts, one per record, each record written to the log first (untimed)."""
    from shared.store.message_log import LoggedNumber, Receipt, SendRecord

    receipts = []
    now = store.clock()
    for i in range(BATCH):
        message_id, lookup = f"{tag}-{i:03d}", f"lookup-{tag}-{i:03d}"
        store.log_send(SendRecord(message_id, "SMS.Bench", "SMS_100000002", "api_key:bench", now,
                                  (LoggedNumber(lookup, "138****8000"),), biz_id=f"biz-{message_id}",
                                  request_id="req-bench"), ttl=TTL)
        receipts.append(Receipt(lookup, i % 10 != 0, "DELIVERED" if i % 10 else "UNDELIV", now, out_id=message_id))
    return receipts


def _bare_write(client, receipts: list[Any]) -> None:
    """The naive ingestion: each receipt one ``HSET`` of its message's hash, one pipeline per batch."""
    pipe = client.pipeline(transaction=False)
    for receipt in receipts:
        status = "delivered" if receipt.success else "failed"
        pipe.hset(f"bare:{receipt.out_id}", mapping={receipt.lookup: status, "err": receipt.err_code,
                                                      "at": repr(receipt.report_time)})
    pipe.execute()


def _receipt_figures(redis_url: str) -> list[Figure]:
    import redis

    from shared.store import open_store
    from shared.store.message_log import ReceiptCounts

    store, client = open_store(redis_url), redis.Redis.from_url(redis_url)
    try:
        warm = _records(store, "warm")
        store.apply_receipts(warm)  # loads the script
        trips = _batch_round_trips(store, client)
        times = {"store": 0.0, "bare": 0.0}
        for round_number in range(ROUNDS):
            for batch in range(BATCHES):
                receipts = _records(store, f"r{round_number}-{batch}")

                def ours(receipts: list[Any] = receipts) -> None:
                    start = time.perf_counter()
                    counts = store.apply_receipts(receipts)
                    times["store"] += time.perf_counter() - start
                    if counts != ReceiptCounts(applied=BATCH):
                        raise AssertionError(f"receipts not all applied: {counts}")

                def bare(receipts: list[Any] = receipts) -> None:
                    start = time.perf_counter()
                    _bare_write(client, receipts)
                    times["bare"] += time.perf_counter() - start

                for step in (ours, bare) if (round_number + batch) % 2 else (bare, ours):
                    step()
    finally:
        store.close()
        client.close()
    rate = {side: BATCH * BATCHES * ROUNDS / seconds for side, seconds in times.items()}
    return [STORE_RATE.measured(rate["store"]), BARE_RATE.measured(rate["bare"]),
            RATIO.measured(rate["store"] / rate["bare"]), BATCH_TRIPS.measured(trips)]


def _batch_round_trips(store, client) -> int:
    """Round trips of one batch (its records written before counting)."""
    receipts = _records(store, "trips")
    return _client_commands(store, client, lambda: store.apply_receipts(receipts))


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _send_log_off() -> Iterator[None]:
    """``send_log.write`` as a no-op: the same request, minus the send log."""
    from shared.sms import aliyun

    write = aliyun.send_log.write
    aliyun.send_log.write = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        aliyun.send_log.write = write  # type: ignore[assignment]


def _send_figures(redis_url: str, endpoint: str) -> list[Figure]:
    import redis

    from functions.send_sms.index import handler
    from shared.elements import runtime
    from shared.fc.api_keys import hash_key

    keys = json.dumps({"keys": [{"id": "bench", "sha256": hash_key(API_KEY)}]})
    control(endpoint, "POST", "seed", {"kms": {"secrets": {"sms-fc/api-keys": keys}}})
    credentials = SimpleNamespace(access_key_id=STS[0], access_key_secret=STS[1], security_token=STS[2])
    context = SimpleNamespace(request_id="bench", credentials=credentials)
    counter = iter(range(10**6))

    def request() -> None:
        i = next(counter)
        body = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "a", "order": "1"},
                "phoneList": [f"137{i:08d}"]}
        event = {"version": "v1", "rawPath": "/messages", "body": json.dumps(body), "isBase64Encoded": False,
                 "headers": {"authorization": f"Bearer {API_KEY}", "content-type": "application/json",
                             "idempotency-key": f"bench-send-log-{i}"},
                 "requestContext": {"requestId": "bench", "http": {"method": "POST", "path": "/messages"}}}
        answer = handler(json.dumps(event).encode(), context)
        if answer["statusCode"] != 200 or "Idempotent-Replayed" in answer["headers"]:
            raise AssertionError(f"send_sms did not send: {answer}")

    env = {"SMS_ELEMENTS_SOURCE": "oss://sms-fc-elements/elements", "SMS_DYSMS_ENDPOINT": endpoint,
           "SMS_KMS_ENDPOINT": endpoint, "SMS_OSS_ENDPOINT": endpoint, "SMS_API_KEYS_SECRET": "sms-fc/api-keys",
           "SMS_DATA_KEY_ID": "alias/sms-fc-store", "SMS_HMAC_KEY_SECRET": "sms-fc/hmac-key",
           "SMS_STORE_URL": redis_url}
    client = redis.Redis.from_url(redis_url)
    runtime.reset()
    try:
        with _environment(env):
            app = runtime.app_for(context)
            if type(app.store).__name__ != "RedisStore":
                raise AssertionError(f"the store is not Redis: {type(app.store).__name__}")
            request()  # loads the scripts, the element, the keys
            with _send_log_off():
                request()
            client.ping()  # its connection's handshake is not the request's
            with _round_trips() as trips:
                with_log = _client_commands(app.store, client, request, REQUESTS)
                with_trips = trips.taken() / REQUESTS - 2  # the two INFO of commandstats per request
                with _send_log_off():
                    without = _client_commands(app.store, client, request, REQUESTS)
                without_trips = trips.taken() / REQUESTS - 2
    finally:
        runtime.reset()
        client.close()
    return [WITH_LOG.measured(with_log), WITHOUT_LOG.measured(without), LOG_ADDS.measured(with_log - without),
            TRIPS_WITH_LOG.measured(with_trips), TRIPS_WITHOUT_LOG.measured(without_trips),
            TRIPS_ADDED.measured(with_trips - without_trips)]


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def taken(self) -> int:
        count, self.count = self.count, 0
        return count


@contextmanager
def _round_trips() -> Iterator[_Counter]:
    """Counts what redis-py writes to a socket (``send_packed_command``): one per command, or one
    per pipeline of commands; a round trip each. ``INFO commandstats`` (which the bench's own
    client also pays for) is subtracted: each counted action sends exactly two of them."""
    from redis.connection import Connection

    counter = _Counter()
    send = Connection.send_packed_command

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return send(self, *args, **kwargs)

    Connection.send_packed_command = counted  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        Connection.send_packed_command = send  # type: ignore[method-assign]


SCRIPTS = {"EVALSHA", "EVAL", "SCRIPT LOAD", "SCRIPT"}


def _client_commands(store, client, action: Callable[[], object], times: int = 1) -> float:
    """Mean round trips of ``action``: the script calls Redis counted (``INFO commandstats``, as
    ``verify_store`` counts them: the commands a script runs are counted too, so only the calls
    say what came in) plus any other command the store's client sent (its suppression list
    lookup is a plain ``HMGET``), which commandstats cannot tell from a script's own. What the
    client sent alone is recorded to check that Redis counted at least those scripts (a
    pipeline's go to the socket directly)."""
    sent: list[str] = []
    execute = store._client.execute_command

    def recorded(*args: Any, **kwargs: Any) -> Any:
        sent.append(str(args[0]).upper())
        return execute(*args, **kwargs)

    store._client.execute_command = recorded
    try:
        scripts = sum(round_trips(client, action) for _ in range(times))
    finally:
        del store._client.execute_command
    others = [name for name in sent if name not in SCRIPTS]
    if len(sent) - len(others) > scripts:  # pipelined scripts bypass execute_command: Redis counts more
        raise AssertionError(f"the store sent {sent}, Redis counted {scripts} script calls")
    return (scripts + len(others)) / times


def run() -> list[Figure]:
    from shared.log import set_stream

    with redis_server() as redis_url:
        figures = _receipt_figures(redis_url)
        with emulator_process() as endpoint:
            set_stream(open(os.devnull, "w"))  # noqa: SIM115
            figures += _send_figures(redis_url, endpoint)
    return figures

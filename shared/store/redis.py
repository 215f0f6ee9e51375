"""The shared store for production: Redis or Tair, one Lua script per operation.

Each operation is a single ``EVALSHA`` round trip (redis-py loads a script once per server on
``NOSCRIPT``). Decisions use the caller's clock, passed in as ``now``; key expiry only
collects garbage (see ``shared.store.redis_claim_scripts``). Connection errors are retried twice with a
short backoff; a retried script recognises its own token, so a claim or completion whose
answer was lost is not applied twice against the caller.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from shared.store import redis_claim_scripts as scripts
from shared.store.base import (
    CLAIMED,
    DONE,
    IN_PROGRESS,
    MISMATCH,
    Claim,
    Store,
    StoreUnavailableError,
    check_key,
    check_seconds,
    dump,
    load,
    new_token,
    stamp,
)
from shared.store.message_log import Logged
from shared.store.redis_codes import RedisCodes
from shared.store.redis_message_log import RedisMessageLog
from shared.store.redis_suppressions import RedisSuppressions

DEFAULT_PREFIX = "sms-fc:"
IDEMPOTENCY = "idem:"
_STATUSES = {status: status for status in (CLAIMED, IN_PROGRESS, DONE, MISMATCH)}


class RedisStore(RedisCodes, RedisMessageLog, RedisSuppressions, Store):
    """A :class:`Store` on a Redis URL; every key starts with ``prefix``.

    Connection options in the URL's query (``socket_timeout=…``) override the defaults here.
    """

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time, prefix: str = DEFAULT_PREFIX) -> None:
        self.clock = clock
        self.prefix = prefix
        if not re.fullmatch(r"/?\d*", urlsplit(url).path):
            raise ValueError("the path must be a database number such as /0")
        self._client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=2),
        )
        pool = self._client.connection_pool
        pool.connection_class(**pool.connection_kwargs)  # unknown URL options fail here, not on first use
        self._scripts: dict[str, Any] = {}

    # -- idempotency records -------------------------------------------------------------

    def claim(self, key: str, fingerprint: str, *, ttl: float, lease: float) -> Claim:
        check_key(key)
        check_seconds(ttl=ttl, lease=lease)
        now = self.clock()
        token = new_token()
        lease_until, expires_at = stamp(now + lease), stamp(now + max(ttl, lease))
        reply = self._run(scripts.CLAIM, IDEMPOTENCY + key, now, fingerprint, token, lease_until, expires_at)
        status, holder, response, progress, held_until = [*reply, None, None, None, None][:5]
        return Claim(
            _STATUSES[status],
            token=holder,
            response=load(response),
            progress=load(progress),
            retry_after=float(held_until) - now if held_until is not None else None,
        )

    def complete(self, key: str, token: str, response: dict[str, Any], *, ttl: float,
                 sends: Sequence[Logged] = ()) -> bool:
        check_seconds(ttl=ttl)
        text = dump(response)
        now = self.clock()
        call = (scripts.COMPLETE, [IDEMPOTENCY + key], now, token, text, stamp(now + ttl))
        return self._with_sends(call, sends, now) == 1

    def release(self, key: str, token: str, *, progress: dict[str, Any] | None = None) -> bool:
        text = dump(progress) or ""
        return self._run(scripts.RELEASE, IDEMPOTENCY + key, self.clock(), token, text) == 1

    def save_progress(self, key: str, token: str, progress: dict[str, Any], *, lease: float | None = None,
                      sends: Sequence[Logged] = ()) -> bool:
        check_seconds(lease=lease)
        text = dump(progress)
        now = self.clock()
        lease_until = stamp(now + lease) if lease is not None else ""
        call = (scripts.SAVE_PROGRESS, [IDEMPOTENCY + key], now, token, text, lease_until)
        return self._with_sends(call, sends, now) == 1

    # -- connection ----------------------------------------------------------------------

    def ping(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as error:
            raise StoreUnavailableError(f"Redis store failed: {type(error).__name__}: {error}") from error

    def close(self) -> None:
        self._client.close()

    def _run(self, source: str, key: str, now: float, *args: Any) -> Any:
        """Run one script on one record (``key`` without the prefix)."""
        return self._run_keys(source, [key], now, *args)

    def _run_keys(self, source: str, keys: list[str], now: float, *args: Any) -> Any:
        """Run one script (``EVALSHA``, ``SCRIPT LOAD`` on ``NOSCRIPT``) on ``keys`` without the prefix."""
        try:
            return self._script(source)(keys=[self.prefix + key for key in keys], args=[stamp(now), *args])
        except redis.RedisError as error:
            raise StoreUnavailableError(f"Redis store failed: {type(error).__name__}: {error}") from error

    def _script(self, source: str) -> Any:
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = self._client.register_script(source)
        return script

    def _with_sends(self, call: tuple[Any, ...], sends: Sequence[Logged], now: float) -> Any:
        """``call`` (source, keys, now, args…) and each send-log write in one pipeline: one round trip.
        On ``NOSCRIPT`` the scripts are loaded and the pipeline goes once more, so every script here
        is idempotent (a repeated completion keeps the first response)."""
        if not sends:
            return self._run_keys(*call)
        calls = [call, *(self._log_send_call(record, ttl, now) for record, ttl in sends)]
        try:
            results = self._pipeline(calls)
            if any(isinstance(result, redis.exceptions.NoScriptError) for result in results):
                for source, *_ in calls:
                    self._client.script_load(source)
                results = self._pipeline(calls)
            failed = next((result for result in results if isinstance(result, Exception)), None)
            if failed is not None:
                raise failed
        except redis.RedisError as error:
            raise StoreUnavailableError(f"Redis store failed: {type(error).__name__}: {error}") from error
        return results[0]

    def _pipeline(self, calls: list[tuple[Any, ...]]) -> list[Any]:
        pipe = self._client.pipeline(transaction=False)
        for source, keys, at, *args in calls:
            pipe.evalsha(self._script(source).sha, len(keys), *(self.prefix + key for key in keys), stamp(at), *args)
        return list(pipe.execute(raise_on_error=False))

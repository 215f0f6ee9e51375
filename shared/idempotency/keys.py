"""``Idempotency-Key``: a retry within 24 h gets the first answer and sends nothing.

The key is claimed in the store before anything is sent. A retry finds the stored answer and
replays it; the same key with a different body is a 422; a retry while the first request is
still running is a 409 with ``Retry-After``. A failure where nothing went out (a 46003 with
``Retry-After``, a store or config outage) releases the key, so that the retry can send.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared import log
from shared.errors import InvalidParameterError, RequestError, SmsError

if TYPE_CHECKING:
    from shared.store.base import Store

TTL_SECONDS = 24 * 3600
LEASE_SECONDS = 60  # how long a crashed first request blocks its retries
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def check_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise InvalidParameterError("Idempotency-Key must be 1 to 255 visible ASCII characters")
    return value


def fingerprint(data: Any) -> str:
    """The same body, however its keys are ordered, gives the same fingerprint."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Answer:
    """What a request answered, as its record keeps it for replays (the FC adapter renders it)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    @classmethod
    def of_error(cls, error: SmsError) -> Answer:
        return cls(error.http_status, {"error": error.to_dict()}, dict(getattr(error, "headers", {})))


def run_once(store: Store, key: str, body_fingerprint: str, run: Callable[[], Answer]) -> Answer:
    """``run()`` once per key; later calls with the key get its answer back with ``replayed``."""
    claim = store.claim(key, body_fingerprint, ttl=TTL_SECONDS, lease=LEASE_SECONDS)
    if claim.status == "done" and claim.response is not None:
        log.info("idempotency.replay")
        stored = claim.response
        return Answer(stored["status"], stored["body"], stored["headers"], replayed=True)
    if claim.status == "mismatch":
        raise RequestError("this Idempotency-Key was already used with a different request body", status=422)
    if claim.status == "in_progress":
        wait = str(max(1, math.ceil(claim.retry_after or 1)))
        raise RequestError("a request with this Idempotency-Key is still in progress", status=409,
                           headers={"Retry-After": wait})
    assert claim.token is not None
    try:
        answer = run()
    except SmsError as error:
        if error.retry_after is not None:  # nothing went out: let the retry send
            store.release(key, claim.token)
            raise
        answer = Answer.of_error(error)
        log.warning("http.error", status=answer.status, errorCode=error.code, providerCode=error.provider_code)
    store.complete(key, claim.token, {"status": answer.status, "body": answer.body, "headers": answer.headers},
                   ttl=TTL_SECONDS)
    return answer

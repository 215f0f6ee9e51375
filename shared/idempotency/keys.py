"""``Idempotency-Key``: a request runs once; its retries get its answer and send nothing more.

The key is claimed in the store before anything is sent, and marked ``sending`` just before
the send. A retry finds the stored answer and replays it; the same key with a different body
is a 422; a retry while the first request is still running is a 409 with ``Retry-After``.

- An answer that sent nothing (bad input, a limit, a business code, a config or store outage,
  anything before the mark) releases the key and its record: the retry may send, and so may a
  corrected body under the same key.
- An answer that may have sent (a lost answer, a 5xx, an unknown exception after the mark) is
  kept; its retries get 409 with that last known state (``possiblyDelivered``), never a send.
- Recording the outcome is retried; if the store still fails, the caller gets the real answer
  and the record stays marked ``sending``: when its lease runs out, a retry gets the 409 above,
  never a fresh send.

The stored answer may name every number of the request, so it is stored sealed
(``{"sealed": <envelope>}``) by a :class:`Sealer` (``shared.privacy``: AES-GCM under a KMS data
key), bound to the record's key; the body's fingerprint should be a keyed one (``key=``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from shared import log
from shared.errors import REQUEST_FAILED, InvalidParameterError, RequestError, SmsError
from shared.store.message_log import Logged, carrying, deferred_sends

if TYPE_CHECKING:
    from shared.store.base import Store

TTL_SECONDS = 24 * 3600
LEASE_SECONDS = 60  # how long a crashed first request blocks its retries
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def check_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise InvalidParameterError("Idempotency-Key must be 1 to 255 visible ASCII characters")
    return value


def fingerprint(data: Any, *, key: bytes | None = None) -> str:
    """The same body, however its keys are ordered, gives the same fingerprint: HMAC-SHA256 under
    ``key``, else plain SHA-256 (for bodies that hold nothing personal)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if key is not None:
        return hmac.new(key, canonical, hashlib.sha256).hexdigest()
    return hashlib.sha256(canonical).hexdigest()


class Sealer(Protocol):
    """Keeps a stored answer unreadable at rest (``shared.privacy.vault.Vault``)."""

    def prepare(self) -> None:
        """Be ready to seal (fetch the key), or raise: called before anything is claimed."""
        ...

    def seal(self, value: Any, *, context: str) -> dict[str, Any]: ...

    def open(self, sealed: Any, *, context: str) -> Any: ...


@dataclass(frozen=True)
class Answer:
    """What a request answered, as its record keeps it for replays (the FC adapter renders it)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False
    possibly_delivered: bool = False

    @classmethod
    def of_error(cls, error: SmsError) -> Answer:
        return cls(error.http_status, {"error": error.to_dict()}, dict(error.headers),
                   possibly_delivered=error.possibly_delivered)


SENDING = {"sending": True}  # the record's progress from just before the send until its outcome is stored
COMPLETE_ATTEMPTS = 3
UNKNOWN_OUTCOME = ("an earlier request with this Idempotency-Key may have been delivered and its outcome is "
                   "not known; it is not sent again")

Run = Callable[[Callable[[], None]], Answer]


def run_once(store: Store, key: str, body_fingerprint: str, run: Run, *, sealer: Sealer,
             sending_lease: float | None = None) -> Answer:
    """``run(sending)`` once per key; ``run`` calls ``sending()`` right before it sends anything.

    The answer is stored sealed by ``sealer``; its key is fetched first, so that a KMS outage
    claims and sends nothing, and recording an outcome never waits on KMS.
    """
    sealer.prepare()
    claim = store.claim(key, body_fingerprint, ttl=TTL_SECONDS, lease=LEASE_SECONDS)
    if claim.status == "done" and claim.response is not None:
        log.info("idempotency.replay")
        return replay(sealer.open(claim.response.get("sealed"), context=key))
    if claim.status == "mismatch":
        raise RequestError("this Idempotency-Key was already used with a different request body", status=422)
    if claim.status == "in_progress":
        wait = str(max(1, math.ceil(claim.retry_after or 1)))
        raise RequestError("a request with this Idempotency-Key is still in progress", status=409,
                           headers={"Retry-After": wait})
    token = claim.token
    assert token is not None
    if claim.progress and claim.progress.get("sending"):  # its first owner died or could not record
        log.error("idempotency.unknown_outcome", outcome="possibly_delivered")
        unknown = Answer(409, {"error": {"code": REQUEST_FAILED, "message": UNKNOWN_OUTCOME,
                                         "possiblyDelivered": True}}, possibly_delivered=True)
        record(store, key, token, unknown, sealer)
        return Answer(unknown.status, unknown.body, replayed=True, possibly_delivered=True)
    marked = False

    def sending() -> None:
        nonlocal marked
        # held until the invocation is surely over, so that no retry takes a send still running
        if not store.save_progress(key, token, SENDING, lease=max(LEASE_SECONDS, sending_lease or 0)):
            raise RequestError("a request with this Idempotency-Key is still in progress", status=409,
                               headers={"Retry-After": "1"})
        marked = True

    with deferred_sends(store) as sends:  # the send log's records ride with the outcome: one round trip
        try:
            answer = run(sending)
        except SmsError as error:
            if not (marked and error.possibly_delivered):
                release(store, key, token, clears_mark=marked)  # nothing went out: the key is free again
                raise
            answer = Answer.of_error(error)
            log.error("idempotency.possibly_delivered", status=answer.status, errorCode=error.code)
        except BaseException:
            if not marked:
                release(store, key, token)
            else:  # unknown, after the mark: possibly delivered, kept
                unknown = Answer(500, {"error": {"code": REQUEST_FAILED, "message": UNKNOWN_OUTCOME,
                                                 "possiblyDelivered": True}}, possibly_delivered=True)
                record(store, key, token, unknown, sealer, sends)
            raise
        record(store, key, token, answer, sealer, sends)
    return answer


def replay(stored: dict[str, Any]) -> Answer:
    """A stored answer for a retry: as first given, but a possibly delivered one as a 409."""
    possibly = bool(stored.get("possiblyDelivered"))
    headers = {name: value for name, value in stored["headers"].items() if name.lower() != "retry-after"}
    status = 409 if possibly else stored["status"]
    return Answer(status, stored["body"], headers if possibly else stored["headers"], replayed=True,
                  possibly_delivered=possibly)


def record(store: Store, key: str, token: str, answer: Answer, sealer: Sealer,
           sends: list[Logged] | None = None) -> None:
    """Store the outcome, sealed, retrying a failing store; if it still fails, the record stays ``sending``.
    ``sends``: send-log records pending (:func:`~shared.store.message_log.deferred_sends`), written with it."""
    pending = sends if sends is not None else []
    answer_data = {"status": answer.status, "body": answer.body, "headers": answer.headers,
                   "possiblyDelivered": answer.possibly_delivered}
    try:
        data = {"sealed": sealer.seal(answer_data, context=key)}
    except Exception as exc:  # noqa: BLE001 - never stored in the clear: the record stays ``sending``
        log.error("idempotency.record failed", **log.cause(exc))
        return
    for attempt in range(1, COMPLETE_ATTEMPTS + 1):
        try:
            carrying(pending, lambda logged: store.complete(key, token, data, ttl=TTL_SECONDS, sends=logged))
            return
        except SmsError as error:
            log.error("idempotency.record failed", attempt=attempt, errorCode=error.code, problem=error.message)
            if attempt < COMPLETE_ATTEMPTS:
                _pause(attempt)


def release(store: Store, key: str, token: str, *, clears_mark: bool = False) -> None:
    """Free the key (its record deleted) after an answer that sent nothing.

    Before the ``sending`` mark a store failure only delays that (the lease runs out). A mark left
    behind would make the key's next request "possibly delivered" for good, so clearing one
    (``clears_mark``) is retried like :func:`record`."""
    attempts = COMPLETE_ATTEMPTS if clears_mark else 1
    for attempt in range(1, attempts + 1):
        try:
            store.release(key, token, progress={})
            return
        except SmsError as error:
            last = attempt == attempts
            log.log("ERROR" if clears_mark and last else "WARNING", "idempotency.release failed", attempt=attempt,
                    errorCode=error.code, problem=error.message)
            if not last:
                _pause(attempt)


def _pause(attempt: int) -> None:
    """The wait before another try at a failing store: 50 ms, then 200 ms."""
    time.sleep(0.05 * 4 ** (attempt - 1))

"""The store port: what every backend offers, the results it returns, and the error it raises.

Each family of operations (idempotency records and approval progress; verification codes with
their rate limits and budgets; the send log, :mod:`shared.store.message_log`; the opt-out list,
:mod:`shared.store.suppressions`) is a set of methods on :class:`Store` with one implementation
per backend, and every backend passes the same contract suite (``tests/contract``). All
decisions use the store's injected ``clock``, never the server's, so that tests control time
on every backend. Results are named tuples, like the send log's records (cheaper to define on a
cold start than frozen dataclasses, :mod:`shared.store.message_log`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

from shared.errors import StoreUnavailableError  # noqa: F401 - re-exported: the store raises it
from shared.store.message_log import Logged, MessageLog
from shared.store.suppressions import Suppressions

ClaimStatus = Literal["claimed", "in_progress", "done", "mismatch"]
CLAIMED: ClaimStatus = "claimed"
IN_PROGRESS: ClaimStatus = "in_progress"
DONE: ClaimStatus = "done"
MISMATCH: ClaimStatus = "mismatch"

if TYPE_CHECKING:
    from typing_extensions import Self


class Claim(NamedTuple):
    """What :meth:`Store.claim` found.

    ``status`` is one of:

    - ``"claimed"``: the caller owns the key now and holds ``token``; ``progress`` is what an
      earlier owner saved (after a release or a lost lease), else None.
    - ``"in_progress"``: another owner holds an unexpired lease; ``retry_after`` is the number
      of seconds until that lease ends.
    - ``"done"``: completed and not expired; ``response`` is the stored answer.
    - ``"mismatch"``: a record with a different fingerprint exists; nothing else is revealed.
    """

    status: ClaimStatus
    token: str | None = None
    response: dict[str, Any] | None = None
    progress: dict[str, Any] | None = None
    retry_after: float | None = None


class Window(NamedTuple):
    """At most ``max`` entries in any ``seconds`` long window."""

    max: int
    seconds: float


class SendLog(NamedTuple):
    """A sliding log of issued codes under ``key`` (one number, one client IP), with its limits.

    ``cooldown`` is the least number of seconds between two entries; ``name`` says which log
    refused an issue (``"phone"``, ``"ip"``).
    """

    key: str
    name: str
    windows: tuple[Window, ...]
    cooldown: float = 0.0

    @property
    def span(self) -> float:
        """How long an entry matters: the longest window (or the cooldown)."""
        return max([self.cooldown, *(w.seconds for w in self.windows)])


class Budget(NamedTuple):
    """A counter under ``key`` allowing ``max`` issues until ``resets_at`` (epoch seconds)."""

    key: str
    max: int
    resets_at: float


class CodeIssue(NamedTuple):
    """One verification code to store, and the limits it must pass first.

    ``digest`` is the keyed HMAC of the code (never the code); ``event`` a unique id entered
    into every log, so that a cancelled issue can be taken back out. The record is remembered
    (as expired or dead) until ``forget_at``.
    """

    code_key: str
    digest: str
    expires_at: float
    forget_at: float
    event: str
    logs: tuple[SendLog, ...] = ()
    budget: Budget | None = None
    keep_previous: bool = False


class IssueResult(NamedTuple):
    """``issued``, or the limit that refused: ``limit`` (``cooldown``, a log name, ``budget``),
    its window in seconds (None for cooldown and budget) and the seconds until it allows one more.

    ``cooldown_waived``: issued past the cooldowns, because the number's code for this purpose
    had been killed by wrong guesses (see :meth:`Store.issue_code`)."""

    issued: bool
    limit: str | None = None
    window: float | None = None
    retry_after: float | None = None
    cooldown_waived: bool = False


CheckOutcome = Literal["verified", "invalid", "expired", "too_many_attempts", "not_found", "limited"]


class CheckResult(NamedTuple):
    """What one check of a code found; ``attempts_left`` after an ``invalid`` one. ``limited``:
    the check's log refused it (``window`` and ``retry_after`` say which and for how long)."""

    outcome: CheckOutcome
    attempts_left: int | None = None
    window: float | None = None
    retry_after: float | None = None


class Store(MessageLog, Suppressions, Protocol):
    """Shared state for every FC instance; two stores on the same URL behave as one.

    Families of operations beside these: the send log (:class:`~shared.store.message_log.MessageLog`)
    and the opt-out list (:class:`~shared.store.suppressions.Suppressions`)."""

    clock: Callable[[], float]  # epoch seconds; decides every expiry and window

    def claim(self, key: str, fingerprint: str, *, ttl: float, lease: float) -> Claim:
        """Claim ``key`` for a ``lease`` of seconds; a new or re-claimed record lives at least ``ttl`` seconds."""
        ...

    def complete(self, key: str, token: str, response: dict[str, Any], *, ttl: float,
                 sends: Sequence[Logged] = ()) -> bool:
        """Store ``response``: the record is done and lives ``ttl`` seconds from now.

        Only the holder of ``token`` may complete, even after its lease ran out, as long as nobody
        claimed the key since. Completing again with the same token returns True and keeps the
        first response. ``sends`` (send-log records with their ttl, :meth:`log_send`) are written
        in the same round trip, whoever holds the key: the messages went out either way.
        """
        ...

    def release(self, key: str, token: str, *, progress: dict[str, Any] | None = None) -> bool:
        """Give up the claim so that a retry can proceed at once.

        ``progress`` (or, when None, what :meth:`save_progress` stored) goes to the next claimant,
        and the key stays bound to its fingerprint until the record expires. A record left without
        progress, or with an empty one (``{}``), is deleted: nothing happened, so the key is free
        for any request.
        """
        ...

    def save_progress(self, key: str, token: str, progress: dict[str, Any], *, lease: float | None = None,
                      sends: Sequence[Logged] = ()) -> bool:
        """Replace the record's progress mid-way; ``lease`` (seconds from now) also renews the lease.
        ``sends`` as for :meth:`complete`."""
        ...

    # -- verification codes: each method is one atomic check-and-update ------------------

    def issue_code(self, issue: CodeIssue) -> IssueResult:
        """Store ``issue.digest`` unless a cooldown, a window of a log, or the budget refuses.

        When every limit allows it, enter ``issue.event`` into every log, count it against the
        budget, and store the digest: it replaces a live code, or joins it when
        ``keep_previous`` (the wrong-attempt count then carries on). Nothing changes when refused.

        A dead record under ``issue.code_key`` (its code killed by ``max_attempts`` wrong checks)
        waives every log's cooldown for this issue (``cooldown_waived``): the owner of the number
        need not wait for a new code because someone else guessed. The windows and the budget
        still count. The dead record is set aside like a replaced live code, so a cancel brings
        it back, and the waiver with it.
        """
        ...

    def cancel_code(self, issue: CodeIssue, *, refund: frozenset[str]) -> None:
        """Take back ``issue``: its digest is removed (no usable code is left behind; the live or
        dead record it replaced comes back), and its entry is removed from each log named in
        ``refund`` and, with ``"budget"``, the budget."""
        ...

    def check_code(self, code_key: str, digest: str, *, max_attempts: int, log: SendLog | None = None) -> CheckResult:
        """Count one attempt and compare ``digest`` with each live code in constant time.

        With a ``log`` (checks from one client IP), a check its windows refuse is ``limited`` and
        touches no code; any other check is entered into it, whatever the number.

        A match consumes the record (``verified``). A miss is ``invalid`` until
        ``max_attempts`` checks were made; the record is then dead and answers
        ``too_many_attempts``. ``expired`` once every code is past its expiry, ``not_found``
        when nothing (or nothing remembered) was issued.
        """
        ...

    def ping(self) -> None:
        """Raise :class:`StoreUnavailableError` unless the store answers."""
        ...

    def close(self) -> None:
        """Release connections; the store may not be used afterwards."""
        ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_seconds(**values: float | None) -> None:
    """Raise ValueError unless every given duration is a positive number of seconds."""
    for name, value in values.items():
        if value is not None and not value > 0:
            raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


def new_token() -> str:
    """A random owner token: each claim gets its own, so a stale owner is fenced off."""
    return secrets.token_hex(16)


def check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError("a store key must be a non-empty string")


def dump(value: dict[str, Any] | None) -> str | None:
    """Compact JSON for a stored dict (None stays None)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"stored values must be dicts, got {type(value).__name__}")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)


def stamp(seconds: float) -> str:
    """Seconds as text that Lua's ``tonumber`` reads back exactly (the Redis scripts' timestamps)."""
    return repr(float(seconds))

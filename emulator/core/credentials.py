"""The AccessKey table the signature verifiers check against, and the STS tokens that go with keys.

Seed ``accessKeys`` maps an AccessKey id to either its secret (a string) or an object
``{"secret": "...", "securityToken": "...", "active": true, "expiration" | "durationSeconds": ...}``.
A key with a ``securityToken`` behaves like STS credentials: every request must carry exactly that
token, until it expires. The expiry is on the emulator's clock (``clock.advance`` ages a token):
``expiration`` is a moment in ISO 8601 UTC as STS AssumeRole answers it (``2026-01-01T00:00:00Z``),
``durationSeconds`` a lifetime counted from when the key is seeded (AssumeRole's ``DurationSeconds``).
Without either a token never expires.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any

EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class TokenFault(Enum):
    """Why a request's security token is refused; each protocol answers it with its own code."""

    MISSING = "missing"  # an STS key without its token
    EXPIRED = "expired"  # the key's own token, past its expiry
    MALFORMED = "malformed"  # not a token the emulator issued
    MISMATCH = "mismatch"  # a token the emulator issued, but for another key (or for a key that has none)


@dataclass(frozen=True)
class AccessKey:
    id: str
    secret: str
    security_token: str | None = None
    active: bool = True
    expires_at: float | None = None  # epoch seconds on the emulator's clock


def _expiry(key_id: str, value: Mapping[str, Any], now: float) -> float | None:
    expiration, duration = value.get("expiration"), value.get("durationSeconds")
    if expiration is None and duration is None:
        return None
    where = f"accessKeys.{key_id}"
    if value.get("securityToken") is None:
        raise ValueError(f"{where}: an expiration needs a securityToken")
    if expiration is not None and duration is not None:
        raise ValueError(f"{where}: give expiration or durationSeconds, not both")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration <= 0:
            raise ValueError(f"{where}.durationSeconds must be a positive number of seconds")
        return now + duration
    try:
        moment = datetime.strptime(str(expiration), EXPIRATION_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(f"{where}.expiration must be ISO 8601 UTC like 2026-01-01T00:00:00Z") from None
    return moment.timestamp()


def parse_access_key(key_id: str, value: Any, now: float = 0.0) -> AccessKey:
    """One seed entry → :class:`AccessKey` (``now``: the emulator's time, for ``durationSeconds``);
    raises ValueError naming the key when malformed."""
    if isinstance(value, str):
        return AccessKey(key_id, value)
    if isinstance(value, Mapping) and isinstance(value.get("secret"), str):
        token = value.get("securityToken")
        if token is not None and not isinstance(token, str):
            raise ValueError(f"accessKeys.{key_id}.securityToken must be a string")
        return AccessKey(key_id, value["secret"], token or None, bool(value.get("active", True)),
                         _expiry(key_id, value, now))
    raise ValueError(f"accessKeys.{key_id} must be a secret string or an object with a 'secret' string")


class KeyStore:
    """Thread-safe AccessKey id → :class:`AccessKey` table; ``clock`` is the emulator's."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._keys: dict[str, AccessKey] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key_id: str) -> AccessKey | None:
        with self._lock:
            return self._keys.get(key_id)

    def seed(self, entries: Mapping[str, Any]) -> None:
        """Add or replace keys from a seed ``accessKeys`` object (validated before anything changes)."""
        if not isinstance(entries, Mapping):
            raise ValueError("accessKeys must be an object of id → secret")
        now = self._clock()
        parsed = [parse_access_key(str(key_id), value, now) for key_id, value in entries.items()]
        with self._lock:
            self._keys.update((key.id, key) for key in parsed)

    def token_fault(self, key: AccessKey, token: str | None) -> TokenFault | None:
        """What is wrong with ``token`` (as sent, None when absent) for ``key``, or None when it is right."""
        token = token or None
        if token is not None and token == key.security_token:
            expired = key.expires_at is not None and self._clock() >= key.expires_at
            return TokenFault.EXPIRED if expired else None
        if token is None:
            return TokenFault.MISSING if key.security_token is not None else None
        with self._lock:
            issued = any(other.security_token == token for other in self._keys.values())
        return TokenFault.MISMATCH if issued else TokenFault.MALFORMED

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._keys)

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()

"""The AccessKey table the signature verifiers check against.

Seed ``accessKeys`` maps an AccessKey id to either its secret (a string) or an object
``{"secret": "...", "securityToken": "...", "active": true}``. A key with a ``securityToken``
behaves like STS credentials: every request must carry exactly that token.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AccessKey:
    id: str
    secret: str
    security_token: str | None = None
    active: bool = True


def parse_access_key(key_id: str, value: Any) -> AccessKey:
    """One seed entry → :class:`AccessKey`; raises ValueError naming the key when malformed."""
    if isinstance(value, str):
        return AccessKey(key_id, value)
    if isinstance(value, Mapping) and isinstance(value.get("secret"), str):
        token = value.get("securityToken")
        if token is not None and not isinstance(token, str):
            raise ValueError(f"accessKeys.{key_id}.securityToken must be a string")
        return AccessKey(key_id, value["secret"], token or None, bool(value.get("active", True)))
    raise ValueError(f"accessKeys.{key_id} must be a secret string or an object with a 'secret' string")


class KeyStore:
    """Thread-safe AccessKey id → :class:`AccessKey` table."""

    def __init__(self) -> None:
        self._keys: dict[str, AccessKey] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> AccessKey | None:
        with self._lock:
            return self._keys.get(key_id)

    def seed(self, entries: Mapping[str, Any]) -> None:
        """Add or replace keys from a seed ``accessKeys`` object (validated before anything changes)."""
        if not isinstance(entries, Mapping):
            raise ValueError("accessKeys must be an object of id → secret")
        parsed = [parse_access_key(str(key_id), value) for key_id, value in entries.items()]
        with self._lock:
            self._keys.update((key.id, key) for key in parsed)

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._keys)

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()

"""AccessKey credentials: an element's own pair, or the function role's STS keys."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Credentials:
    """An AccessKey pair, with the STS token when the key is temporary."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def cache_key(self) -> tuple[str, str, str]:
        """Identifies the credentials for client caches; the secret is hashed, never kept as is."""
        digest = hashlib.sha256(self.access_key_secret.encode()).hexdigest()
        return (self.access_key_id, digest, self.security_token or "")

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id!r}, sts={self.security_token is not None})"

    @classmethod
    def from_context(cls, context: Any) -> Credentials | None:
        """The role's STS keys from an FC python3.10 context (``context.credentials``)."""
        creds = getattr(context, "credentials", None)
        key_id = getattr(creds, "access_key_id", None) or getattr(creds, "accessKeyId", None)
        secret = getattr(creds, "access_key_secret", None) or getattr(creds, "accessKeySecret", None)
        token = getattr(creds, "security_token", None) or getattr(creds, "securityToken", None)
        if key_id and secret:
            return cls(key_id, secret, token or None)
        return None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN`` (python3.12, local)."""
        env = os.environ if environ is None else environ
        key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        secret = env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        if key_id and secret:
            return cls(key_id, secret, env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)
        return None

    @classmethod
    def for_invocation(cls, context: Any = None, environ: Mapping[str, str] | None = None) -> Credentials | None:
        """The credentials of this invocation: the FC context first, then the environment."""
        return cls.from_context(context) or cls.from_env(environ)

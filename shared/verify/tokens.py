"""The token a successful check returns: a standard HS256 JWT stating number, purpose and time.

The app's login backend checks it with :func:`check_token` (or any JWT library) and the
policy's ``tokenKey`` from KMS. Claims: ``iss`` (the policy's full name), ``sub`` (the number,
``+86`` and 11 digits), ``purpose``, ``iat``, ``exp`` and ``jti`` (a random id: record it to
make a token single-use). This module imports nothing else of sms-fc, so a backend can copy it.

Example:
    >>> claims = check_token(token, key, purpose="login")
    >>> claims["sub"]
    '+8613800138000'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class InvalidTokenError(ValueError):
    """The token is malformed, forged, expired, or for another purpose or issuer."""


def issue_token(key: str, *, issuer: str, subject: str, purpose: str, ttl: int, now: float) -> str:
    """A signed token valid for ``ttl`` seconds from ``now`` (epoch seconds)."""
    claims = {"iss": issuer, "sub": subject, "purpose": purpose, "iat": int(now), "exp": int(now) + ttl,
              "jti": secrets.token_urlsafe(12)}
    signing_input = f"{_encode(_HEADER)}.{_encode(claims)}"
    return f"{signing_input}.{_b64(_sign(key, signing_input))}"


def check_token(
    token: str, key: str, *, purpose: str | None = None, issuer: str | None = None, now: float | None = None,
    leeway: int = 5,
) -> dict[str, Any]:
    """The claims of a valid token; :class:`InvalidTokenError` saying why otherwise."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise InvalidTokenError("not a JWT (three dot-separated parts)")
    # The signature is compared as text: one token has exactly one valid spelling.
    expected = _b64(_sign(key, f"{parts[0]}.{parts[1]}")).encode()
    if not hmac.compare_digest(parts[2].encode("utf-8", "replace"), expected):
        raise InvalidTokenError("bad signature")
    try:
        header, claims = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise InvalidTokenError("not a JWT (a part is not base64url JSON)") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidTokenError("only HS256 tokens are accepted")
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise InvalidTokenError("no expiry")
    if (time.time() if now is None else now) > claims["exp"] + leeway:
        raise InvalidTokenError("expired")
    if purpose is not None and claims.get("purpose") != purpose:
        raise InvalidTokenError(f"issued for purpose {claims.get('purpose')!r}, not {purpose!r}")
    if issuer is not None and claims.get("iss") != issuer:
        raise InvalidTokenError(f"issued by {claims.get('iss')!r}, not {issuer!r}")
    return claims


def _sign(key: str, signing_input: str) -> bytes:
    return hmac.new(key.encode("utf-8"), signing_input.encode("utf-8", "replace"), hashlib.sha256).digest()


def _encode(data: dict[str, Any]) -> str:
    return _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

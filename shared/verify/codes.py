"""Verification codes: generated with ``secrets``, stored and compared only as keyed HMACs.

A bare hash of a 6-digit code falls to a search of 10^6 values, so every digest is an
HMAC-SHA256 under the policy's key from KMS, bound to the policy, purpose and number. Store
keys name numbers and client IPs by an HMAC too: the store holds no code and no number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from shared.errors import InvalidParameterError

# Letters that read alike (I/1, O/0) are left out of the letter sets.
ALPHABETS = {
    "digits": "0123456789",
    "letters": "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "alphanumeric": "23456789ABCDEFGHJKLMNPQRSTUVWXYZ",
}
_TYPING = re.compile(r"[\s\-]")
_TYPED = re.compile(r"[A-Za-z0-9]+")  # ASCII: a fullwidth "１２３４５６" is no code we texted


def generate_code(length: int, alphabet: str) -> str:
    """A uniformly random code of ``length`` characters from the named alphabet."""
    characters = ALPHABETS[alphabet]
    return "".join(secrets.choice(characters) for _ in range(length))


def normalize_code(typed: str) -> str:
    """What a person typed, as the code was generated: no spaces or dashes, upper case.

    Anything but ASCII letters and digits is a 46001 naming ``code``, before any attempt counts."""
    text = _TYPING.sub("", typed)
    if not _TYPED.fullmatch(text):
        raise InvalidParameterError("code must be the letters and digits of the code texted (ASCII)")
    return text.upper()


class Digester:
    """Keyed HMACs for one policy (``policy`` is its full name, ``key`` the secret from KMS)."""

    def __init__(self, policy: str, key: str) -> None:
        self.policy = policy
        self._key = key.encode("utf-8")

    def code(self, code: str, *, phone: str, purpose: str) -> str:
        """The digest a code is stored and compared as."""
        return self._mac("code", purpose, phone, normalize_code(code))

    def subject(self, kind: str, value: str) -> str:
        """An opaque id for a number or client IP in store keys (128 bits of the HMAC)."""
        return self._mac(kind, value)[:32]

    def _mac(self, *parts: str) -> str:
        message = "\x00".join((self.policy, *parts)).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

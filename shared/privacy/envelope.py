"""The stored form of a sealed value: AES-256-GCM under a data key, with that key's KMS ciphertext beside it.

``{"alg": "AES-256-GCM", "dataKey": "<KMS CiphertextBlob>", "iv": "<base64, 12 bytes>",
"data": "<base64 ciphertext and 16-byte tag>"}``. The plaintext is the value's compact JSON;
the associated data is the record's key (``context``), so a sealed value moved to another
record does not open. Any instance can open it: KMS ``Decrypt`` of ``dataKey`` gives the key.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable
from typing import Any

ALGORITHM = "AES-256-GCM"
IV_BYTES = 12
FIELDS = ("alg", "dataKey", "iv", "data")


class UnreadableEnvelope(ValueError):
    """A stored envelope that is malformed, or does not open under its key and context (tampered, moved)."""


def seal(key: bytes, blob: str, value: Any, *, context: str) -> dict[str, Any]:
    """``value`` (JSON data) encrypted under ``key``, whose KMS ciphertext is ``blob``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(IV_BYTES)
    plaintext = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sealed = AESGCM(key).encrypt(iv, plaintext, _associated(context))
    return {"alg": ALGORITHM, "dataKey": blob, "iv": _text(iv), "data": _text(sealed)}


def open_envelope(envelope: Any, key_for: Callable[[str], bytes], *, context: str) -> Any:
    """The value :func:`seal` sealed under ``context``; ``key_for(blob)`` gives the data key (KMS errors pass)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(envelope, dict) or sorted(envelope) != sorted(FIELDS) \
            or not all(isinstance(envelope[name], str) for name in FIELDS):
        raise UnreadableEnvelope("not a sealed value")
    if envelope["alg"] != ALGORITHM:
        raise UnreadableEnvelope(f"unknown algorithm {envelope['alg'][:40]!r}")
    try:
        iv, sealed = _bytes(envelope["iv"]), _bytes(envelope["data"])
    except (binascii.Error, ValueError):
        raise UnreadableEnvelope("iv or data is not base64") from None
    if len(iv) != IV_BYTES:
        raise UnreadableEnvelope("the iv is not 12 bytes")
    key = key_for(envelope["dataKey"])
    try:
        plaintext = AESGCM(key).decrypt(iv, sealed, _associated(context))
    except InvalidTag:
        raise UnreadableEnvelope("it does not open under its data key for this record (tampered or moved)") from None
    return json.loads(plaintext)


def _associated(context: str) -> bytes:
    return b"sms-fc/store\x00" + context.encode("utf-8")


def _text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _bytes(text: str) -> bytes:
    return base64.b64decode(text, validate=True)

"""The emulated KMS's ciphertexts: AES-256-GCM under a key derived from the KeyId.

A ``CiphertextBlob`` is base64 of the JSON object ``{"emulatorKms": 2, "keyId", "keyVersionId",
"iv", "ciphertext"}``: the plaintext encrypted with AES-256-GCM under
``SHA-256("sms-fc emulator kms" NUL keyId)``, with the key and the ``EncryptionContext`` as
associated data. The key is derived, not secret (the emulator protects nothing): the point is
that what Encrypt or GenerateDataKey hands out never shows in the clear where its blob is kept,
and that Decrypt takes back exactly what this emulator produced, under the same context, and
nothing else. Real KMS blobs look different; callers must treat them as opaque either way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

MARK = "emulatorKms"
VERSION = 2


@dataclass(frozen=True)
class Plaintext:
    text: str
    key_id: str
    key_version_id: str


def key_version_id(key_id: str) -> str:
    """A stable KeyVersionId per KeyId (the emulator has no real keys)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"emulator-kms:{key_id}"))


def _master(key_id: str) -> bytes:
    return hashlib.sha256(b"sms-fc emulator kms\x00" + key_id.encode("utf-8")).digest()


def _associated(key_id: str, context: dict[str, Any] | None) -> bytes:
    return json.dumps([key_id, context or {}], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(key_id: str, plaintext: str, context: dict[str, Any] | None) -> tuple[str, str]:
    """(CiphertextBlob, KeyVersionId) of ``plaintext`` under ``key_id``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(12)
    sealed = AESGCM(_master(key_id)).encrypt(iv, plaintext.encode("utf-8"), _associated(key_id, context))
    version = key_version_id(key_id)
    document = {MARK: VERSION, "keyId": key_id, "keyVersionId": version,
                "iv": base64.b64encode(iv).decode("ascii"), "ciphertext": base64.b64encode(sealed).decode("ascii")}
    return base64.b64encode(json.dumps(document).encode("utf-8")).decode("ascii"), version


def unseal(blob: str, context: dict[str, Any] | None) -> Plaintext | None:
    """What :func:`seal` sealed under the same context, else None."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        document = json.loads(base64.b64decode(blob, validate=True))
        if not isinstance(document, dict) or document.get(MARK) != VERSION:
            return None
        key_id, version = document["keyId"], document["keyVersionId"]
        iv, sealed = (base64.b64decode(document[name], validate=True) for name in ("iv", "ciphertext"))
        if not (isinstance(key_id, str) and isinstance(version, str)) or len(iv) != 12:
            return None
        text = AESGCM(_master(key_id)).decrypt(iv, sealed, _associated(key_id, context)).decode("utf-8")
    except (binascii.Error, ValueError, KeyError, TypeError, InvalidTag):
        return None
    return Plaintext(text, key_id, version)

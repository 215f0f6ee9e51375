"""KMS 2016-01-20 actions on the wire: GetSecretValue, Encrypt and Decrypt.

Field names follow the kms20160120 3.3.1 SDK models. Generic secrets answer ``SecretType``
``Generic``, ``SecretDataType`` ``text`` and ``AutomaticRotation`` ``Disabled``; ``CreateTime`` is
ISO 8601 UTC (``2024-01-02T03:04:05Z``). ``DryRun=true`` answers ``DryRunOperationError`` once
every other check has passed (so a missing secret is still ``Forbidden.ResourceNotFound``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from emulator.core.errors import InvalidParameter
from emulator.core.responses import BaseResponse, Params, optional, required
from emulator.kms.errors import DryRunOperationError
from emulator.kms.models import KmsBackend


def iso_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def encryption_context(params: Params) -> dict[str, Any] | None:
    """``EncryptionContext``: a JSON object in a string (the SDK serialises the dict)."""
    text = optional(params, "EncryptionContext")
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidParameter("The specified parameter EncryptionContext is not a JSON object.")
    return value


def check_dry_run(params: Params) -> None:
    if (params.get("DryRun") or "").lower() == "true":
        raise DryRunOperationError()


class KmsApi(BaseResponse):
    """Maps KMS action names to handlers over one :class:`KmsBackend`; a failed call raises a
    PopError (KMS errors are all HTTP 4xx, it has no business codes)."""

    def __init__(self, backend: KmsBackend) -> None:
        self.backend = backend
        super().__init__({
            "GetSecretValue": self.get_secret_value,
            "Encrypt": self.encrypt,
            "Decrypt": self.decrypt,
        })

    def get_secret_value(self, params: Params, request_id: str) -> dict[str, Any]:
        secret, version = self.backend.secret_value(
            required(params, "SecretName"), optional(params, "VersionId"), optional(params, "VersionStage"))
        check_dry_run(params)
        return {
            "SecretName": secret.name, "SecretType": "Generic", "SecretData": version.data,
            "SecretDataType": "text", "VersionId": version.version_id,
            "VersionStages": {"VersionStage": list(version.stages)}, "CreateTime": iso_time(version.created),
            "AutomaticRotation": "Disabled",
        }

    def encrypt(self, params: Params, request_id: str) -> dict[str, Any]:
        key_id, plaintext = required(params, "KeyId"), required(params, "Plaintext")
        context = encryption_context(params)
        check_dry_run(params)
        blob, version = self.backend.encrypt(key_id, plaintext, context)
        return {"CiphertextBlob": blob, "KeyId": key_id, "KeyVersionId": version}

    def decrypt(self, params: Params, request_id: str) -> dict[str, Any]:
        blob = required(params, "CiphertextBlob")
        plaintext = self.backend.decrypt(blob, encryption_context(params))
        check_dry_run(params)
        return {"Plaintext": plaintext.text, "KeyId": plaintext.key_id, "KeyVersionId": plaintext.key_version_id}

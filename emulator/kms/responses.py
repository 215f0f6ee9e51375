"""KMS 2016-01-20 actions on the wire: GetSecretValue, Encrypt, GenerateDataKey and Decrypt.

Field names follow the kms20160120 3.3.1 SDK models. Generic secrets answer ``SecretType``
``Generic``, ``SecretDataType`` ``text`` and ``AutomaticRotation`` ``Disabled``; ``CreateTime`` is
ISO 8601 UTC (``2024-01-02T03:04:05Z``). GenerateDataKey's length is ``NumberOfBytes`` (1 to
1024) when given, else ``KeySpec`` (``AES_256``: 32 bytes, the default; ``AES_128``: 16), as the
SDK model documents; a KeyId that names no seeded key is 404 ``Forbidden.KeyNotFound``.
``DryRun=true`` answers ``DryRunOperationError`` once every other check has passed (so a missing
secret is still ``Forbidden.ResourceNotFound``, an unknown key ``Forbidden.KeyNotFound``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from emulator.core.errors import InvalidParameter
from emulator.core.responses import BaseResponse, Params, optional, required
from emulator.kms.errors import TRANSIENT_ERRORS, DryRunOperationError
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


KEY_SPECS = {"AES_256": 32, "AES_128": 16}
MAX_DATA_KEY_BYTES = 1024


def data_key_size(params: Params) -> int:
    """``NumberOfBytes`` (1 to 1024) if given (``KeySpec`` is then ignored), else ``KeySpec``'s length."""
    number = optional(params, "NumberOfBytes")
    if number is not None:
        if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= MAX_DATA_KEY_BYTES:
            raise InvalidParameter("The specified parameter NumberOfBytes is not valid.")
        return int(number)
    spec = optional(params, "KeySpec") or "AES_256"
    if spec not in KEY_SPECS:
        raise InvalidParameter("The specified parameter KeySpec is not valid.")
    return KEY_SPECS[spec]


def check_dry_run(params: Params) -> None:
    if (params.get("DryRun") or "").lower() == "true":
        raise DryRunOperationError()


class KmsApi(BaseResponse):
    """Maps KMS action names to handlers over one :class:`KmsBackend`; a failed call raises a
    PopError (KMS has no business codes); chaos faults answer KMS's own transient codes."""

    fault_errors = TRANSIENT_ERRORS

    def __init__(self, backend: KmsBackend) -> None:
        self.backend = backend
        super().__init__({
            "GetSecretValue": self.get_secret_value,
            "Encrypt": self.encrypt,
            "GenerateDataKey": self.generate_data_key,
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

    def generate_data_key(self, params: Params, request_id: str) -> dict[str, Any]:
        key_id, size, context = required(params, "KeyId"), data_key_size(params), encryption_context(params)
        self.backend.key(key_id)
        check_dry_run(params)
        plaintext, blob = self.backend.generate_data_key(key_id, size, context)
        return {"KeyId": plaintext.key_id, "KeyVersionId": plaintext.key_version_id, "Plaintext": plaintext.text,
                "CiphertextBlob": blob}

    def decrypt(self, params: Params, request_id: str) -> dict[str, Any]:
        blob = required(params, "CiphertextBlob")
        plaintext = self.backend.decrypt(blob, encryption_context(params))
        check_dry_run(params)
        return {"Plaintext": plaintext.text, "KeyId": plaintext.key_id, "KeyVersionId": plaintext.key_version_id}

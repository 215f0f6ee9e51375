"""AES-256 data keys from KMS: one generated per instance, the others' opened by KMS ``Decrypt``.

``GenerateDataKey`` (KeyId ``SMS_DATA_KEY_ID``, KeySpec ``AES_256``, the encryption context
:data:`CONTEXT`) runs once per instance, on first need; the plaintext key stays in memory and
its ``CiphertextBlob`` is stored beside everything sealed with it. A blob another instance
wrote is opened by ``Decrypt`` (same context) once and its key cached, up to :data:`MAX_OPENED`
keys. Keys never reach a log or the store in the clear.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared import log
from shared.config.files import provider_failure
from shared.config.kms import call_kms, kms_client
from shared.errors import ConfigError

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.settings import Settings

CONTEXT = {"app": "sms-fc", "purpose": "store"}  # KMS EncryptionContext of every data key
KEY_BYTES = 32
MAX_OPENED = 256


@dataclass(frozen=True)
class DataKey:
    key: bytes = field(repr=False)
    blob: str  # KMS CiphertextBlob: stored beside the data


class DataKeys:
    """This instance's data key, and the keys of blobs read from the store."""

    def __init__(self, settings: Settings, credentials: Callable[[], Credentials | None]) -> None:
        self.settings = settings
        self.credentials = credentials
        self._current: DataKey | None = None
        self._opened: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()  # the cache of opened keys
        self._generating = threading.Lock()

    def current(self) -> DataKey:
        """The instance's data key, generated on first use (concurrent first uses generate once)."""
        with self._generating:
            if self._current is None:
                current = self._generate()
                with self._lock:
                    self._remember(current.blob, current.key)
                self._current = current
            return self._current

    def key_for(self, blob: str) -> bytes:
        """The plaintext key of a stored ``CiphertextBlob``: cached, else KMS ``Decrypt``."""
        with self._lock:
            key = self._opened.get(blob)
            if key is not None:
                self._opened.move_to_end(blob)
                return key
        key = self._decrypt(blob)
        with self._lock:
            self._remember(blob, key)
        return key

    def _remember(self, blob: str, key: bytes) -> None:
        self._opened[blob] = key
        while len(self._opened) > MAX_OPENED:
            self._opened.popitem(last=False)

    def _generate(self) -> DataKey:
        key_id = self.settings.data_key_id
        if not key_id:
            raise ConfigError("SMS_DATA_KEY_ID is not set: name the KMS key (id or alias/...) whose data keys "
                              "encrypt what the store keeps (README: State)")
        from alibabacloud_kms20160120.models import GenerateDataKeyRequest

        client = kms_client(self.settings, self.credentials())
        request = GenerateDataKeyRequest(key_id=key_id, key_spec="AES_256", encryption_context=dict(CONTEXT))
        response = call_kms(self.settings, lambda runtime: client.generate_data_key_with_options(request, runtime),
                            lambda exc: provider_failure(f"KMS key {key_id!r} (SMS_DATA_KEY_ID)", "KMS", exc))
        body = response.body
        blob = getattr(body, "ciphertext_blob", None)
        if not isinstance(blob, str) or not blob:
            raise ConfigError(f"KMS key {key_id!r} (SMS_DATA_KEY_ID): GenerateDataKey answered no CiphertextBlob")
        key = _key_bytes(getattr(body, "plaintext", None), f"KMS key {key_id!r} (SMS_DATA_KEY_ID)")
        log.info("privacy.data_key", keyId=key_id, keyVersionId=getattr(body, "key_version_id", None))
        return DataKey(key, blob)

    def _decrypt(self, blob: str) -> bytes:
        from alibabacloud_kms20160120.models import DecryptRequest

        client = kms_client(self.settings, self.credentials())
        request = DecryptRequest(ciphertext_blob=blob, encryption_context=dict(CONTEXT))
        response = call_kms(self.settings, lambda runtime: client.decrypt_with_options(request, runtime),
                            lambda exc: provider_failure("the data key of a stored record", "KMS", exc))
        return _key_bytes(getattr(response.body, "plaintext", None), "the data key of a stored record")


def _key_bytes(plaintext: Any, where: str) -> bytes:
    try:
        key = base64.b64decode(plaintext, validate=True) if isinstance(plaintext, str) else b""
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(f"{where}: KMS answered no {KEY_BYTES}-byte key")
    return key

"""The HMAC key: the text of the KMS secret ``SMS_HMAC_KEY_SECRET``, at least 32 characters.

Each use has its own key derived from it (HMAC-SHA256 of ``sms-fc/<use>``): ``pseudonym``
names a phone number in a record, ``fingerprint`` identifies a request body. A key is known by
its ``kid`` (derived the same way), which records keep beside their pseudonyms: a record
written before a rotation (a new secret version; the old one becomes ``ACSPrevious``) is read
with the previous key, never misread with the new one.
"""

from __future__ import annotations

import functools
import hmac
from typing import TYPE_CHECKING

from shared.errors import ConfigError, ConfigUnavailableError

if TYPE_CHECKING:
    from shared.config.kms import SecretStore
    from shared.settings import Settings

MIN_KEY_CHARS = 32
PREVIOUS = "ACSPrevious"


class HmacKey:
    """One version of the HMAC key."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._derived: dict[str, bytes] = {}
        self.kid = self.derive("key-id").hex()[:12]

    def derive(self, use: str) -> bytes:
        """The key for one use (``pseudonym``, ``fingerprint``, ``lookup``), derived once."""
        key = self._derived.get(use)
        if key is None:
            key = self._derived[use] = hmac.digest(self._secret, f"sms-fc/{use}".encode(), "sha256")
        return key

    def __repr__(self) -> str:
        return f"HmacKey(kid={self.kid!r})"


class Pseudonyms:
    """How a record names phone numbers: a keyed HMAC of the number, salted with the record's key."""

    def __init__(self, key: HmacKey) -> None:
        self.kid = key.kid
        self._key = key.derive("pseudonym")

    def name(self, salt: str, phone: str) -> str:
        return hmac.digest(self._key, f"{salt}\x00{phone}".encode(), "sha256").hex()[:32]


@functools.lru_cache(maxsize=8)
def _key(text: str) -> HmacKey:
    return HmacKey(text.encode("utf-8"))


class HmacKeys:
    """The current HMAC key and, when a record names it, the previous one (both cached like secrets)."""

    def __init__(self, settings: Settings, secrets: SecretStore) -> None:
        self.settings = settings
        self.secrets = secrets

    def current(self) -> HmacKey:
        return self._version(None)

    def by_kid(self, kid: str) -> HmacKey:
        """The version a record was written with: the current one or the previous; else a ConfigError."""
        current = self.current()
        if kid == current.kid:
            return current
        try:
            previous = self._version(PREVIOUS)
        except ConfigUnavailableError:
            raise
        except ConfigError:
            previous = None
        if previous is not None and kid == previous.kid:
            return previous
        raise ConfigError(f"a record names its numbers under HMAC key {kid!r}, neither the current nor the previous "
                          "version of SMS_HMAC_KEY_SECRET: it cannot be read, so nothing it covers is sent")

    def _version(self, stage: str | None) -> HmacKey:
        name = self.settings.hmac_key_secret
        if not name:
            raise ConfigError("SMS_HMAC_KEY_SECRET is not set: name the KMS secret holding the HMAC key "
                              "(at least 32 random characters) that names phone numbers in the store (README: State)")
        text = self.secrets.get(name, stage=stage)
        if len(text) < MIN_KEY_CHARS:
            raise ConfigError(f"KMS secret {name!r} (SMS_HMAC_KEY_SECRET) must hold at least {MIN_KEY_CHARS} "
                              "characters")
        return _key(text)

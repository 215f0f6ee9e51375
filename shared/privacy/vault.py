"""``app.vault``: what the store keeps about people, kept unreadable to whoever reads the store.

- :meth:`Vault.seal` / :meth:`Vault.open`: a value the store must be able to give back (an
  Idempotency-Key's answer, an approval event's outcome), sealed with AES-256-GCM under this
  instance's KMS data key (:mod:`shared.privacy.envelope`). :meth:`Vault.prepare` gets the data
  key before anything is claimed or sent, so sealing an outcome never waits on KMS.
- :meth:`Vault.fingerprint`, :meth:`Vault.pseudonyms` and :meth:`Vault.lookup`: keyed HMACs for what
  is only compared (a request body; a number already texted; a number on the opt-out list), never
  reversible without the key.

Without ``SMS_DATA_KEY_ID`` or ``SMS_HMAC_KEY_SECRET`` every use is a :class:`ConfigError`
naming the variable: nothing is claimed, sent or stored in the clear instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from shared.errors import ConfigError, RequestFailedError
from shared.privacy.data_keys import DataKeys
from shared.privacy.envelope import UnreadableEnvelope, open_envelope, seal
from shared.privacy.hmac_keys import HmacKeys, Pseudonyms

INVALID_CIPHERTEXT = "Rejected.ValueError"  # KMS Decrypt's answer to a blob it did not produce

if TYPE_CHECKING:
    from shared.aliyun.credentials import Credentials
    from shared.config.kms import SecretStore
    from shared.settings import Settings


class Vault:
    """Seals with KMS data keys and names with keyed HMACs; one per App (its keys cached per instance)."""

    def __init__(self, settings: Settings, secrets: SecretStore,
                 credentials: Callable[[], Credentials | None]) -> None:
        self.data_keys = DataKeys(settings, credentials)
        self.hmac_keys = HmacKeys(settings, secrets)

    def prepare(self) -> None:
        """Have the data key at hand (KMS ``GenerateDataKey`` on an instance's first use)."""
        self.data_keys.current()

    def seal(self, value: Any, *, context: str) -> dict[str, Any]:
        """``value`` as an envelope bound to ``context`` (the record's key)."""
        key = self.data_keys.current()
        return seal(key.key, key.blob, value, context=context)

    def open(self, sealed: Any, *, context: str) -> Any:
        """What :meth:`seal` sealed under ``context``. A KMS failure is a :class:`ConfigError` (503 when
        it may pass); an envelope that does not open, or whose data key KMS refuses as not its own
        ciphertext, is a 46003 error: the record's outcome is unknown."""
        try:
            return open_envelope(sealed, self.data_keys.key_for, context=context)
        except UnreadableEnvelope as error:
            problem = str(error)
        except ConfigError as error:
            if error.provider_code != INVALID_CIPHERTEXT:
                raise
            problem = "KMS refuses its data key as not a ciphertext of its own"
        raise RequestFailedError(f"a stored record cannot be read: {problem}; it is not acted on again",
                                 possibly_delivered=True)

    def fingerprint(self, data: Any) -> str:
        """A keyed HMAC of ``data``'s canonical JSON (the same however its keys are ordered)."""
        from shared.idempotency.keys import fingerprint

        return fingerprint(data, key=self.hmac_keys.current().derive("fingerprint"))

    def lookup(self, phone: str) -> str:
        """The number's keyed HMAC under the current key, the same in every record (unlike a pseudonym):
        how the opt-out list and the send log find a number again. ``phone`` is the normalised form."""
        return self.lookups([phone])[0]

    def lookups(self, phones: Iterable[str]) -> list[str]:
        """:meth:`lookup` of each number, the key fetched once (a batch of 1,000 pays it once)."""
        import hmac

        key = self.hmac_keys.current().derive("lookup")
        return [hmac.digest(key, phone.encode(), "sha256").hex()[:32] for phone in phones]

    def pseudonyms(self, kid: str | None = None) -> Pseudonyms:
        """Names for numbers under the current HMAC key, or the version ``kid`` names (a record's)."""
        key = self.hmac_keys.current() if kid is None else self.hmac_keys.by_kid(kid)
        return Pseudonyms(key)

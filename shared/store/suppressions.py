"""The opt-out list (``Suppressions``): numbers that replied an opt-out word to one signature.

A family of store operations like the idempotency records and the codes (``shared.store.base``);
both backends implement it and pass one contract suite (``tests/contract/test_suppressions.py``).
A number is its keyed HMAC (``lookup``, from ``app.vault``), never in clear. An entry is keyed by
the signature the reply answered (Aliyun's ``SmsUp.sign_name``): an opt-out from one brand's
messages says nothing about another's. Entries do not expire.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

MAX_SIGN_CHARS = 64  # far above Aliyun's longest signature; a longer one is refused (ValueError)


class Suppressions(Protocol):
    """The opt-out list's operations; each is one round trip on Redis."""

    def suppress(self, sign: str, lookup: str) -> bool:
        """Put the number ``lookup`` on ``sign``'s list; True when it was not on it yet."""
        ...

    def suppressed(self, sign: str, lookups: Collection[str]) -> set[str]:
        """Those of ``lookups`` on ``sign``'s list."""
        ...


def check_entry(sign: str, lookup: str | None = None) -> None:
    """Raise ValueError unless ``sign`` (and ``lookup``) are non-empty strings of sane length."""
    if not isinstance(sign, str) or not sign or len(sign) > MAX_SIGN_CHARS:
        raise ValueError(f"a signature must be 1-{MAX_SIGN_CHARS} characters, got {sign!r:.80}")
    if lookup is not None and (not isinstance(lookup, str) or not lookup):
        raise ValueError("a number's lookup must be a non-empty string")

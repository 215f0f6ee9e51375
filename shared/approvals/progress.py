"""Who an approval event has texted so far, and what a send's failure means for the event.

The progress lives in the event's idempotency record (``Store.save_progress``), so that a
redelivery after a partial failure texts only the numbers not yet settled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shared.errors import REQUEST_FAILED, ConfigError, SmsError
from shared.sms.phones import mask_phone

Verdict = Literal["sent", "failed", "uncertain", "retry"]
SENT: Verdict = "sent"
FAILED: Verdict = "failed"  # refused for good (46002, a 46001 about this number): recorded, not retried
UNCERTAIN: Verdict = "uncertain"  # the request went out, no answer came: recorded, never re-sent
RETRY: Verdict = "retry"  # nothing went out, or throttled: left for the redelivery


def verdict_of(error: SmsError) -> Verdict:
    """What a failed send means: retried by a redelivery, or settled as failed / uncertain."""
    if error.possibly_delivered:
        return UNCERTAIN
    if error.code == REQUEST_FAILED or error.throttled or isinstance(error, ConfigError):
        return RETRY
    return FAILED


def pseudonym(salt: str, phone: str) -> str:
    """How the record names a number: a hash salted with the event's record key, so the store
    holds no phone number (unkeyed: it keeps numbers from casual reading, not from a search)."""
    return hashlib.sha256(f"{salt}\x00{phone}".encode()).hexdigest()[:24]


@dataclass
class Progress:
    """Numbers texted, refused (with the code) and possibly texted; the rest are still to send.

    Numbers are stored as :func:`pseudonym` s under ``salt`` (the event's record key).
    """

    salt: str = ""
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    masks: dict[str, str] = field(default_factory=dict)  # pseudonym -> masked number, never stored

    @classmethod
    def load(cls, data: dict[str, Any] | None, *, salt: str) -> Progress:
        data = data or {}
        return cls(salt, list(data.get("sent", [])), dict(data.get("failed", {})), list(data.get("uncertain", [])))

    def dump(self) -> dict[str, Any] | None:
        """The stored form; None while nothing is settled (releasing then frees the key)."""
        if not self.settled():
            return None
        return {"sent": self.sent, "failed": self.failed, "uncertain": self.uncertain}

    def settled(self) -> set[str]:
        return {*self.sent, *self.failed, *self.uncertain}

    def is_settled(self, phone: str) -> bool:
        return pseudonym(self.salt, phone) in self.settled()

    def record(self, phone: str, verdict: Verdict, error: SmsError | None) -> None:
        name = pseudonym(self.salt, phone)
        self.masks[name] = mask_phone(phone)
        if verdict == SENT:
            self.sent.append(name)
        elif verdict == UNCERTAIN:
            self.uncertain.append(name)
        elif verdict == FAILED:
            self.failed[name] = failure_code(error)

    def outcome(self) -> str:
        """``sent`` (everyone), ``failed`` (no one, not even possibly) or ``partial``."""
        if not self.failed and not self.uncertain:
            return "sent"
        return "failed" if not self.sent and not self.uncertain else "partial"

    def report(self, phones: Sequence[str] = ()) -> dict[str, Any]:
        """Counts and masked numbers (``phones`` name those settled by earlier invocations)."""
        masks = {**{pseudonym(self.salt, phone): mask_phone(phone) for phone in phones}, **self.masks}
        return {
            "sent": len(self.sent),
            "failed": [{"phone": masks.get(name, "****"), "code": code} for name, code in self.failed.items()],
            "possiblyDelivered": [masks.get(name, "****") for name in self.uncertain],
        }


def failure_code(error: SmsError | None) -> str:
    if error is None:
        return "unknown"
    return error.provider_code or str(error.code)

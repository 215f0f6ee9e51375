"""Who an approval event has texted so far, and what a send's failure means for the event.

The progress lives in the event's idempotency record (``Store.save_progress``), so that a
redelivery after a partial failure texts only the numbers not yet settled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from shared.dysms import THROTTLING_CODES
from shared.errors import REQUEST_FAILED, ConfigError, RequestFailedError, SmsError
from shared.phones import mask_phone

Verdict = Literal["sent", "failed", "uncertain", "retry"]
SENT: Verdict = "sent"
FAILED: Verdict = "failed"  # refused for good (46002, a 46001 about this number): recorded, not retried
UNCERTAIN: Verdict = "uncertain"  # the request went out, no answer came: recorded, never re-sent
RETRY: Verdict = "retry"  # nothing went out, or throttled: left for the redelivery


def verdict_of(error: SmsError) -> Verdict:
    """What a failed send means: retried by a redelivery, or settled as failed / uncertain."""
    if isinstance(error, RequestFailedError) and error.possibly_delivered:
        return UNCERTAIN
    if error.code == REQUEST_FAILED or error.provider_code in THROTTLING_CODES or isinstance(error, ConfigError):
        return RETRY
    return FAILED


@dataclass
class Progress:
    """Numbers texted, refused (with the code) and possibly texted; the rest are still to send."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Progress:
        data = data or {}
        return cls(list(data.get("sent", [])), dict(data.get("failed", {})), list(data.get("uncertain", [])))

    def dump(self) -> dict[str, Any] | None:
        """The stored form; None while nothing is settled (releasing then frees the key)."""
        return asdict(self) if self.settled() else None

    def settled(self) -> set[str]:
        return {*self.sent, *self.failed, *self.uncertain}

    def record(self, phone: str, verdict: Verdict, error: SmsError | None) -> None:
        if verdict == SENT:
            self.sent.append(phone)
        elif verdict == UNCERTAIN:
            self.uncertain.append(phone)
        elif verdict == FAILED:
            self.failed[phone] = failure_code(error)

    def outcome(self) -> str:
        """``sent`` (everyone), ``failed`` (no one, not even possibly) or ``partial``."""
        if not self.failed and not self.uncertain:
            return "sent"
        return "failed" if not self.sent and not self.uncertain else "partial"

    def report(self) -> dict[str, Any]:
        """Counts and masked numbers: safe for logs and for the function's answer."""
        return {
            "sent": len(self.sent),
            "failed": [{"phone": mask_phone(p), "code": code} for p, code in self.failed.items()],
            "possiblyDelivered": [mask_phone(p) for p in self.uncertain],
        }


def failure_code(error: SmsError | None) -> str:
    if error is None:
        return "unknown"
    return error.provider_code or str(error.code)

"""Who an approval event has texted so far, and what a send's failure means for the event.

The progress lives in the event's idempotency record (``Store.save_progress``), so that a
redelivery after a partial failure texts only the numbers not yet settled. It names numbers by
keyed HMACs (``shared.privacy``), never in the clear, with the HMAC key's ``kid`` beside them.

A number whose send may have gone out is ``checking`` (with its message's ``OutId``) while the
send log can still learn its fate: each redelivery asks, then counts it ``sent`` or ``failed``,
or, once Aliyun is known never to have got it, texts it again. Only a number the log cannot
tell about (no record) stays ``uncertain`` for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from shared.errors import REQUEST_FAILED, ConfigError, SmsError
from shared.sms.phones import mask_phone
from shared.store.message_log import DELIVERED, SUBMITTED, UNKNOWN, NumberStatus
from shared.store.message_log import FAILED as LOG_FAILED

if TYPE_CHECKING:
    from shared.privacy.hmac_keys import Pseudonyms

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


def key_id(data: dict[str, Any] | None) -> str | None:
    """The HMAC key a stored progress names its numbers under (None: nothing stored yet)."""
    kid = (data or {}).get("kid")
    return kid if isinstance(kid, str) else None


@dataclass
class Progress:
    """Numbers texted, refused (with the code) and possibly texted; the rest are still to send.

    Numbers are stored as pseudonyms: keyed HMACs (``names``), salted with ``salt`` (the event's
    record key) so the same number has another name in every event.
    """

    names: Pseudonyms
    salt: str
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    uncertain: list[str] = field(default_factory=list)
    checking: dict[str, str] = field(default_factory=dict)  # pseudonym -> OutId of a possibly-delivered send
    masks: dict[str, str] = field(default_factory=dict)  # pseudonym -> masked number, never stored

    @classmethod
    def load(cls, data: dict[str, Any] | None, *, names: Pseudonyms, salt: str) -> Progress:
        """``data`` as stored; ``names`` must be the HMAC key its ``kid`` names (see :func:`key_id`)."""
        data = data or {}
        if data and key_id(data) != names.kid:  # never misread: whoever it names might be texted twice
            raise ConfigError("the event's progress names its numbers under another HMAC key; nothing is sent")
        return cls(names, salt, list(data.get("sent", [])), dict(data.get("failed", {})),
                   list(data.get("uncertain", [])), dict(data.get("checking", {})))

    def dump(self) -> dict[str, Any] | None:
        """The stored form; None while nothing is settled (releasing then frees the key)."""
        if not self.settled():
            return None
        return {"kid": self.names.kid, "sent": self.sent, "failed": self.failed, "uncertain": self.uncertain,
                "checking": self.checking}

    def pseudonym(self, phone: str) -> str:
        return self.names.name(self.salt, phone)

    def settled(self) -> set[str]:
        return {*self.sent, *self.failed, *self.uncertain, *self.checking}

    def is_settled(self, phone: str) -> bool:
        return self.pseudonym(phone) in self.settled()

    def record(self, phone: str, verdict: Verdict, error: SmsError | None) -> None:
        name = self.pseudonym(phone)
        self.masks[name] = mask_phone(phone)
        if verdict == SENT:
            self.sent.append(name)
        elif verdict == UNCERTAIN and error is not None and isinstance(error.details.get("outId"), str):
            self.checking[name] = error.details["outId"]  # the send log will learn what became of it
        elif verdict == UNCERTAIN:
            self.uncertain.append(name)
        elif verdict == FAILED:
            self.failed[name] = failure_code(error)

    def learn(self, phone: str, status: NumberStatus | None, err_code: str | None = None) -> None:
        """Settle a ``checking`` number by what the send log now knows: ``None`` (no record) keeps
        it possibly delivered for good; ``not_sent`` frees it to be texted again; ``unknown`` waits."""
        name = self.pseudonym(phone)
        if name not in self.checking or status == UNKNOWN:
            return
        del self.checking[name]
        self.masks[name] = mask_phone(phone)
        if status is None:
            self.uncertain.append(name)
        elif status in (SUBMITTED, DELIVERED):
            self.sent.append(name)
        elif status == LOG_FAILED:
            self.failed[name] = err_code or "failed"

    def outcome(self) -> str:
        """``sent`` (everyone), ``failed`` (no one, not even possibly) or ``partial``."""
        if not self.failed and not self.uncertain:
            return "sent"
        return "failed" if not self.sent and not self.uncertain else "partial"

    def report(self, phones: Sequence[str] = ()) -> dict[str, Any]:
        """Counts and masked numbers (``phones`` name those settled by earlier invocations)."""
        masks = {**{self.pseudonym(phone): mask_phone(phone) for phone in phones}, **self.masks}
        return {
            "sent": len(self.sent),
            "failed": [{"phone": masks.get(name, "****"), "code": code} for name, code in self.failed.items()],
            "possiblyDelivered": [masks.get(name, "****") for name in [*self.uncertain, *self.checking]],
        }


def failure_code(error: SmsError | None) -> str:
    if error is None:
        return "unknown"
    return error.provider_code or str(error.code)

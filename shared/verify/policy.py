"""The ``Verify.SmsCode`` Type: a verification policy that texts codes and checks them.

An instance lives at ``Verify/<Name>/e.json`` + ``verify.json`` and is used like the SMS
element::

    policy = app.getElement("Verify.Default")
    policy.sendCode("13800138000", "login", clientIp="203.0.113.7")   # {"expiresIn": 300, "resendAfter": 60}
    policy.checkCode("13800138000", "login", "123456")              # {"verified": True, "token": "…"}
    policy.checkCode("13800138000", "login", "000000")              # {"verified": False, "reason": "invalid"}

A failed check answers the same whatever the number's state (pending, expired, used, killed by
wrong guesses, never issued), so the answer does not tell who is logging in; ``revealReasons``
in ``verify.json`` restores the detailed reasons for apps that accept that trade.

Every limit is checked and counted in one atomic store operation before the SMS goes out,
so two instances sharing one Redis behave as one. The code itself exists only in memory and
in the SMS: the store holds its keyed HMAC.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from shared import log
from shared.elements.element import Element, NonEmpty, TemplateNeed
from shared.elements.registry import register_type
from shared.errors import (
    InvalidParameterError,
    ProviderError,
    RateLimitedError,
    SmsError,
    StoreUnavailableError,
)
from shared.sms.message import Message, template_param
from shared.sms.phones import mask_phone, normalize_phone
from shared.sms.requester import asked_by
from shared.store.base import Budget, CheckResult, CodeIssue, IssueResult, SendLog, Store, Window
from shared.store.message_log import NOT_SENT, UNKNOWN
from shared.verify.codes import Digester, generate_code

FLOW_CONTROL = "isv.BUSINESS_LIMIT_CONTROL"
PROVIDER_MINUTE = 60  # Aliyun's own flow control: one verification code per number per minute
SUPPORTED_COUNTRY_CODES = ("86",)  # SMS.Aliyun sends to mainland numbers
CHINA_OFFSET = 8 * 3600  # the budget's day is Beijing time's, as Aliyun bills
DAY = 86400
MAX_CODE_CHARS = 32
# a code's send-log record is written at or after the code was issued; the cooldown's start is read
# back a moment later (the refusal's retry_after): this covers that moment, and is far shorter than
# the time between two codes the cooldown allows (at least the grace period of a lost send)
CLOCK_SLACK = 1.0


class Limit(BaseModel):
    """At most ``max`` codes in any ``seconds`` long window."""

    model_config = ConfigDict(extra="forbid")

    max: int = Field(ge=1)
    seconds: int = Field(ge=1, le=7 * DAY)


class VerifyConfig(BaseModel):
    """``verify.json``; see the README's "Verification codes" table for each field."""

    model_config = ConfigDict(extra="forbid")

    sms: str = NonEmpty
    templateCode: str = NonEmpty  # noqa: N815 - JitAi-style field names
    codeParam: str = "code"  # noqa: N815
    codeLength: int = Field(6, ge=4, le=8)  # noqa: N815
    alphabet: Literal["digits", "letters", "alphanumeric"] = "digits"
    ttl: int = Field(300, ge=30, le=1800)
    resendCooldown: int = Field(60, ge=0, le=3600)  # noqa: N815
    maxAttempts: int = Field(5, ge=1, le=10)  # noqa: N815
    perPhone: list[Limit] = Field(default_factory=lambda: [Limit(max=5, seconds=3600), Limit(max=10, seconds=DAY)])  # noqa: N815
    perIp: list[Limit] = Field(default_factory=lambda: [Limit(max=20, seconds=3600), Limit(max=100, seconds=DAY)])  # noqa: N815
    perIpChecks: list[Limit] = Field(default_factory=lambda: [Limit(max=100, seconds=3600)])  # noqa: N815
    dailyBudget: int | None = Field(10000, ge=1)  # noqa: N815
    countryCodes: list[str] = Field(default_factory=lambda: ["86"], min_length=1)  # noqa: N815
    purposes: list[str] = Field(default_factory=lambda: ["login", "register", "reset"], min_length=1)
    keepPreviousCodes: bool = False  # noqa: N815
    revealReasons: bool = False  # noqa: N815
    hmacKey: SecretStr = Field(min_length=32)  # noqa: N815
    tokenKey: SecretStr = Field(min_length=32)  # noqa: N815
    tokenTtl: int = Field(300, ge=30, le=3600)  # noqa: N815

    @field_validator("countryCodes")
    @classmethod
    def _supported(cls, codes: list[str]) -> list[str]:
        unsupported = [code for code in codes if code not in SUPPORTED_COUNTRY_CODES]
        if unsupported:
            raise ValueError(f"SMS.Aliyun sends to mainland numbers only (86); remove {', '.join(unsupported)}")
        return codes

    @field_validator("purposes")
    @classmethod
    def _names(cls, purposes: list[str]) -> list[str]:
        bad = [p for p in purposes if not (p.isascii() and p.replace("_", "").replace("-", "").isalnum())]
        if bad:
            raise ValueError(f"purposes are short names of letters, digits, '-' and '_'; not {bad}")
        return purposes


@register_type("Verify.SmsCode")
class VerifyPolicy(Element):
    """Issues codes by SMS through the element ``sms`` and checks them; see the module docstring."""

    meta = "Verify.Meta"
    config_files: ClassVar[dict[str, type[BaseModel]]] = {"verify.json": VerifyConfig}
    secret_fields: ClassVar[dict[str, frozenset[str]]] = {"verify.json": frozenset({"hmacKey", "tokenKey"})}

    @cached_property
    def config(self) -> VerifyConfig:
        config: VerifyConfig = self.configs["verify.json"]
        return config

    @cached_property
    def digester(self) -> Digester:
        return Digester(self.fullName, self.config.hmacKey.get_secret_value())

    @property
    def store(self) -> Store:
        store: Store = self.app.store
        return store

    def template_needs(self) -> list[TemplateNeed]:
        config = self.config
        return [TemplateNeed(config.sms, config.templateCode, "verification codes", frozenset({config.codeParam}),
                             code=(config.codeLength, config.alphabet))]

    def sendCode(self, phone: Any, purpose: Any, clientIp: str | None = None) -> dict[str, int]:  # noqa: N802, N803
        """Text a new code to ``phone`` for ``purpose``: ``{"expiresIn", "resendAfter"}`` in seconds.

        Raises 46001 for a bad number or purpose, a 429 :class:`RateLimitedError` when a limit
        (or Aliyun's flow control) refuses, and the SMS element's 46002 / 46003 when the send
        fails; a failed send leaves no usable code behind.
        """
        phone, purpose = self._phone(phone), self._purpose(purpose)
        config = self.config
        sms = self.app.getElement(config.sms)  # a config error costs nothing: nothing is counted yet
        code = generate_code(config.codeLength, config.alphabet)
        issue = self._issue(phone, purpose, code, clientIp or "unknown")
        with log.bound(element=self.fullName, phone=mask_phone(phone), purpose=purpose):
            issued = self.store.issue_code(issue)
            if not issued.issued and issued.limit == "cooldown":
                # the code that set the cooldown was issued then: only its own send can lift it
                set_at = self.store.clock() + (issued.retry_after or 0.0) - config.resendCooldown
                fate = self._last_send_fate(phone, issued_since=set_at - CLOCK_SLACK)
                if fate == NOT_SENT:  # the cooldown counts a code Aliyun never got: it holds no longer
                    issue = self._issue(phone, purpose, code, clientIp or "unknown", cooldown=False)
                    issued = self.store.issue_code(issue)
                elif fate == UNKNOWN:
                    log.info("verify.issue", outcome="limited", limit="cooldown", possiblyDelivered=True)
                    raise _limited(issued, possibly_delivered=True)
            if not issued.issued:
                log.info("verify.issue", outcome="limited", limit=issued.limit)
                raise _limited(issued)
            try:
                with asked_by(f"verify:{self.fullName}"):
                    sms.send(Message((phone,), config.templateCode, template_param({config.codeParam: code})))
            except BaseException as error:
                self._cancel(issue, error)
                log.warning("verify.issue", outcome="send_failed", errorCode=getattr(error, "code", None),
                            providerCode=getattr(error, "provider_code", None), cooldownWaived=issued.cooldown_waived)
                if isinstance(error, ProviderError) and error.provider_code == FLOW_CONTROL:
                    raise self._flow_controlled(error, waived=issued.cooldown_waived) from None
                raise
            log.info("verify.issue", outcome="sent", cooldownWaived=issued.cooldown_waived)
        return {"expiresIn": config.ttl, "resendAfter": config.resendCooldown}

    def checkCode(self, phone: Any, purpose: Any, code: Any, clientIp: str | None = None) -> dict[str, Any]:  # noqa: N802, N803
        """Check ``code``: ``{"verified": True, "token", "expiresIn"}`` or ``{"verified": False, "reason"}``.

        A failed check is ``{"verified": False, "reason": "invalid"}`` whatever the number's state.
        With ``revealReasons``, ``reason`` says which: ``invalid`` (with ``attemptsLeft``),
        ``expired``, ``too_many_attempts`` or ``not_found`` (never issued, already used, or
        forgotten). Either way each call is one attempt and one store operation. A client past
        ``perIpChecks`` gets a 429 :class:`RateLimitedError` and no attempt is counted.
        """
        phone, purpose = self._phone(phone), self._purpose(purpose)
        if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE_CHARS:
            raise InvalidParameterError(f"code must be a non-empty string of at most {MAX_CODE_CHARS} characters")
        config, digester = self.config, self.digester
        checks = None
        if config.perIpChecks:
            checks = SendLog(f"{self.fullName}:checks:{digester.subject('ip', client_network(clientIp or 'unknown'))}",
                             "ip_checks", _windows(config.perIpChecks))
        result = self.store.check_code(
            self._code_key(phone, purpose), digester.code(code, phone=phone, purpose=purpose),
            max_attempts=config.maxAttempts, log=checks,
        )
        log.info("verify.check", element=self.fullName, phone=mask_phone(phone), purpose=purpose,
                 outcome=result.outcome)
        if result.outcome == "limited":
            raise _limited(IssueResult(False, "ip_checks", result.window, result.retry_after))
        if result.outcome != "verified":
            return self._failed(result)
        from shared.verify.tokens import issue_token

        token = issue_token(config.tokenKey.get_secret_value(), issuer=self.fullName, subject=f"+86{phone}",
                            purpose=purpose, ttl=config.tokenTtl, now=self.store.clock())
        return {"verified": True, "token": token, "expiresIn": config.tokenTtl}

    def _flow_controlled(self, error: ProviderError, *, waived: bool) -> RateLimitedError:
        """Aliyun's flow control as a 429. The number's log keeps this attempt (see ``_refund``), so
        our cooldown runs from now; unless a killed code waived it: the cancel brought that code
        back, and its waiver, so only Aliyun's minute is left to wait."""
        wait = PROVIDER_MINUTE if waived else max(self.config.resendCooldown, PROVIDER_MINUTE)
        return RateLimitedError(
            "Aliyun's flow control refused another code to this number now",
            limit="provider", retry_after=wait, provider_code=error.provider_code, request_id=error.request_id,
        )

    def _failed(self, result: CheckResult) -> dict[str, Any]:
        """The answer to a failed check: one for every state, or (``revealReasons``) the state."""
        if not self.config.revealReasons:
            return {"verified": False, "reason": "invalid"}
        answer: dict[str, Any] = {"verified": False, "reason": result.outcome}
        if result.attempts_left is not None:
            answer["attemptsLeft"] = result.attempts_left
        return answer

    def _last_send_fate(self, phone: str, *, issued_since: float) -> str | None:
        """What became of this policy's last code to ``phone``, issued at or after ``issued_since``
        (the code that set the cooldown), by the send log (asking Aliyun now if still unknown):
        ``not_sent`` when a send whose answer was lost proves never to have reached Aliyun,
        ``unknown`` while nobody knows, or None when it went out, was refused by Aliyun, or cannot
        be told now: still being sent, or its record never written (the cooldown then stands as
        usual; an older code's record never speaks for it)."""
        from shared.reconcile.retry import fate

        try:
            asked, lookup = f"verify:{self.fullName}", self.app.vault.lookup(phone)
            last = next((record for record in self.store.sends_to(lookup, since=issued_since, limit=10)
                         if record.requested_by == asked), None)
            if last is None:
                return None
            number = last.number(lookup)
            if number is not None and number.status == UNKNOWN:  # only then is the log read again, and Aliyun asked
                number = fate(self.app, last.message_id, phone)
        except SmsError as error:
            log.warning("verify.truth_unavailable", errorCode=error.code, providerCode=error.provider_code)
            return None
        if number is None or number.status == UNKNOWN:
            return UNKNOWN
        # not_sent by Aliyun's refusal (flow control, …) keeps its rules; only a lost send proven lost lifts them
        return NOT_SENT if number.status == NOT_SENT and number.err_code is None else None

    def _issue(self, phone: str, purpose: str, code: str, client_ip: str, *, cooldown: bool = True) -> CodeIssue:
        config, digester, now = self.config, self.digester, self.store.clock()
        day = int((now + CHINA_OFFSET) // DAY)
        budget = None
        if config.dailyBudget is not None:
            budget = Budget(f"{self.fullName}:budget:{day}", config.dailyBudget, (day + 1) * DAY - CHINA_OFFSET)
        logs = (
            SendLog(f"{self.fullName}:phone:{digester.subject('phone', phone)}", "phone",
                    _windows(config.perPhone), float(config.resendCooldown) if cooldown else 0.0),
            SendLog(f"{self.fullName}:ip:{digester.subject('ip', client_network(client_ip))}", "ip",
                    _windows(config.perIp)),
        )
        return CodeIssue(
            code_key=self._code_key(phone, purpose),
            digest=digester.code(code, phone=phone, purpose=purpose),
            expires_at=now + config.ttl,
            forget_at=now + config.ttl + DAY,  # expired codes answer "expired" for a day, then "not_found"
            event=secrets.token_hex(8),
            logs=logs,
            budget=budget,
            keep_previous=config.keepPreviousCodes,
        )

    def _cancel(self, issue: CodeIssue, error: BaseException) -> None:
        """Take a failed send's code back; a store failure here must not hide the send's error."""
        try:
            self.store.cancel_code(issue, refund=_refund(error))
        except StoreUnavailableError as failure:
            log.error("verify.cancel_failed", errorType=type(failure).__name__)

    def _code_key(self, phone: str, purpose: str) -> str:
        return f"{self.fullName}:code:{purpose}:{self.digester.subject('phone', phone)}"

    def _phone(self, raw: Any) -> str:
        text = raw.strip() if isinstance(raw, str) else raw
        if isinstance(text, str) and text.startswith(("+", "00")) and not text.startswith(("+86", "0086")):
            allowed = ", ".join(f"+{code}" for code in self.config.countryCodes)
            raise InvalidParameterError(f"phone: {self.fullName} accepts numbers with country code {allowed} only")
        try:
            return normalize_phone(text)
        except InvalidParameterError as error:
            raise InvalidParameterError(f"phone: {error.message}") from None

    def _purpose(self, purpose: Any) -> str:
        if purpose not in self.config.purposes:
            raise InvalidParameterError(f"purpose must be one of {', '.join(self.config.purposes)}")
        return str(purpose)


def client_network(ip: str) -> str:
    """What the per-IP limits count by: an IPv4 address, or an IPv6 address's /64 (one subscriber
    holds a whole /64, so counting single IPv6 addresses would let a client rotate past the limit)."""
    import ipaddress

    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/64", strict=False))


def _windows(limits: list[Limit]) -> tuple[Window, ...]:
    return tuple(Window(limit.max, float(limit.seconds)) for limit in limits)


def _limited(result: IssueResult, *, possibly_delivered: bool = False) -> RateLimitedError:
    retry_after = result.retry_after or 1.0
    if possibly_delivered:  # the last code's send lost its answer, and Aliyun has not said yet
        return RateLimitedError("the last code to this number may have been delivered; wait before asking for another",
                                limit="cooldown", retry_after=retry_after, details={"possiblyDelivered": True})
    if result.limit == "cooldown":
        message = "a code was sent to this number moments ago; wait before asking for another"
    elif result.limit == "budget":
        message = "this policy's daily message budget is spent"
    elif result.limit == "ip_checks":
        message = f"too many code checks from this client address in {int(result.window or 0)} s"
    else:
        who = "this number" if result.limit == "phone" else "this client address"
        message = f"too many codes for {who} in {int(result.window or 0)} s"
    return RateLimitedError(message, limit=result.limit or "unknown", retry_after=retry_after)


def _refund(error: BaseException) -> frozenset[str]:
    """What a failed send gives back. Nothing went out: everything (cooldown included). It may
    have gone out: nothing but the code. Aliyun's flow control: all but the number's log."""
    if not isinstance(error, SmsError) or error.possibly_delivered:  # not proven unsent: it may have gone out
        return frozenset()
    if isinstance(error, ProviderError) and error.provider_code == FLOW_CONTROL:
        return frozenset({"ip", "budget"})
    return frozenset({"phone", "ip", "budget"})

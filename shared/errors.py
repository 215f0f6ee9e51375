"""The one error hierarchy of sms-fc.

Every error a caller can see is an :class:`SmsError` whose ``code`` is one of JitAi's
integer codes: 46001 (a parameter is missing or wrong), 46002 (Aliyun answered with an
error code) or 46003 (the request failed: no usable answer). Only the FC adapter maps these
to HTTP statuses.

Every error also says whether anything may have gone out (``possibly_delivered``). Only a
failure proven to precede Aliyun's acceptance (bad input, a refused connection, a 4xx gateway
answer, a business code) leaves it False; everything else, an unknown exception included, is
possibly delivered and is never retried blindly.
"""

from __future__ import annotations

import math
from typing import Any

INVALID_PARAMETER = 46001
PROVIDER_ERROR = 46002
REQUEST_FAILED = 46003

def is_throttling(code: str | None) -> bool:
    """Aliyun's gateway refusing too many calls per second (HTTP 400/429): ``Throttling`` and every
    ``Throttling.*``, documented (``.User``, ``.Api``) or not."""
    return code is not None and (code == "Throttling" or code.startswith("Throttling."))


class SmsError(Exception):
    """Base of every sms-fc error; ``code`` is 46001, 46002 or 46003."""

    code: int = INVALID_PARAMETER
    http_status: int = 500  # only the FC adapter reads this
    possibly_delivered: bool = False  # True once any message of the request may have reached Aliyun

    def __init__(
        self,
        message: str,
        *,
        provider_code: str | None = None,
        request_id: str | None = None,
        details: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider_code = provider_code
        self.request_id = request_id
        self.details: dict[str, Any] = details or {}
        self.retry_after = retry_after  # seconds; set only where a retry is safe
        self.headers: dict[str, str] = {}

    @property
    def throttled(self) -> bool:
        """Aliyun's gateway refused the call for its rate: nothing was sent, a later try may pass."""
        return is_throttling(self.provider_code)

    def __str__(self) -> str:
        parts = [f"[{self.code}] {self.message}"]
        if self.provider_code:
            parts.append(f"(Aliyun code {self.provider_code}")
            parts[-1] += f", RequestId {self.request_id})" if self.request_id else ")"
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data (for HTTP answers and logs)."""
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.provider_code:
            data["providerCode"] = self.provider_code
        if self.request_id:
            data["requestId"] = self.request_id
        data.update(self.details)
        return data


class InvalidParameterError(SmsError):
    """46001: a parameter is missing or wrong, or the phone list is empty."""

    code = INVALID_PARAMETER
    http_status = 400


class RequestError(InvalidParameterError):
    """46001 with a specific HTTP status: 401, 404, 405, 409, 413, 415, 422, 429 ...

    ``headers`` are added to the HTTP answer (``WWW-Authenticate``, ``Retry-After``, ``Allow``).
    """

    def __init__(self, message: str, *, status: int, headers: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.http_status = status
        self.headers = headers or {}


class RateLimitedError(RequestError):
    """46001 with HTTP 429: a limit refused the request; ``details["limit"]`` names it and
    ``retry_after`` says how many seconds until it allows one more. With a ``provider_code`` the
    limit is Aliyun's own flow control, and the code is 46002."""

    def __init__(self, message: str, *, limit: str, retry_after: float, **kwargs: Any) -> None:
        details = {"limit": limit, **kwargs.pop("details", {})}
        super().__init__(message, status=429, retry_after=max(1, math.ceil(retry_after)), details=details, **kwargs)
        if self.provider_code:
            self.code = PROVIDER_ERROR


class ConfigError(SmsError):
    """46001: an element's configuration is missing or invalid."""

    code = INVALID_PARAMETER


class UnknownElementError(ConfigError):
    """46001: no element has that full name."""

    http_status = 404


class ConfigUnavailableError(ConfigError):
    """46003: OSS or KMS failed while loading configuration and nothing usable was cached."""

    code = REQUEST_FAILED
    http_status = 503

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retry_after", 5)  # a config outage: nothing was sent
        super().__init__(message, **kwargs)


class ProviderError(SmsError):
    """46002: Aliyun answered with a code other than OK, and nothing was sent.

    This class is the account's or the configuration's fault (balance, signature, AccessKey,
    a suspended service: HTTP 502); its subclasses are the request's, Aliyun's limits' and
    Aliyun's own (``shared.aliyun.codes`` sorts the codes).
    """

    code = PROVIDER_ERROR
    http_status = 502


class ProviderRejectedError(ProviderError):
    """46002 for what the request asked: an unknown template, a missing or bad variable, a bad
    number (HTTP 422, with ``providerCode``): the caller must change the request."""

    http_status = 422


class ProviderLimitError(ProviderError):
    """46002 from Aliyun's flow control or API throttling (HTTP 429): nothing was sent, the same
    request may pass after ``retry_after`` seconds."""

    http_status = 429

    def __init__(self, message: str, *, retry_after: float, **kwargs: Any) -> None:
        super().__init__(message, retry_after=max(1, math.ceil(retry_after)), **kwargs)
        self.details.setdefault("limit", "provider")


class ProviderUnavailableError(ProviderError):
    """46002 from Aliyun's own failure answered as a business code (``isp.SYSTEM_ERROR``): nothing
    was sent; HTTP 503 with ``Retry-After``."""

    http_status = 503

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retry_after", 5)
        super().__init__(message, **kwargs)


class RequestFailedError(SmsError):
    """46003: no usable answer (connection refused, timeout, 5xx, a body that is not JSON).

    ``possibly_delivered`` is true when the request went out and the answer was lost:
    SendSms is not idempotent, so such a failure is never retried blindly.
    """

    code = REQUEST_FAILED
    http_status = 503

    def __init__(self, message: str, *, possibly_delivered: bool = True, **kwargs: Any) -> None:
        if not possibly_delivered:
            kwargs.setdefault("retry_after", 1)  # proven that nothing went out: a retry is safe
        super().__init__(message, **kwargs)
        self.possibly_delivered = possibly_delivered
        self.details.setdefault("possiblyDelivered", possibly_delivered)


class PartialSendError(SmsError):
    """Some of the SendSms calls of one send failed: the first failure's code and HTTP status,
    and ``details`` naming the numbers ``sent``, ``notSent`` and ``possiblyDelivered``.

    Once any number was or may have been texted, the error is ``possibly_delivered`` and has no
    ``retry_after``: a retry of the whole request would text those numbers again.
    """

    def __init__(self, message: str, *, first: SmsError, details: dict[str, Any], possibly_delivered: bool) -> None:
        super().__init__(message, provider_code=first.provider_code, request_id=first.request_id, details=details,
                         retry_after=None if possibly_delivered else first.retry_after)
        self.code = first.code
        self.http_status = first.http_status
        self.headers = {} if possibly_delivered else dict(first.headers)
        self.possibly_delivered = possibly_delivered


class StoreUnavailableError(SmsError):
    """46003: the store (SQLite or Redis) could not be reached or did not answer; nothing was sent."""

    code = REQUEST_FAILED
    http_status = 503

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("retry_after", 1)
        super().__init__(message, **kwargs)


class RedeliverError(SmsError):
    """46003: an event could not be handled now (nothing about it is lost or recorded as done).

    Raised from an event function so that FC's async retry or EventBridge's push retry delivers
    the event again; ``details["events"]`` says which items of the delivery and why.
    """

    code = REQUEST_FAILED
    http_status = 503

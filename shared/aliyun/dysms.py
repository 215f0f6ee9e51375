"""SendSms over the official Dysmsapi SDK: client reuse, retries and error mapping.

The SDK is imported only when the first message is sent, so a handler that never sends
does not pay its ~0.4 s import.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.aliyun.clients import pop_client, runtime_options
from shared.aliyun.codes import provider_error
from shared.aliyun.credentials import Credentials
from shared.aliyun.retry import backoff_seconds
from shared.errors import ProviderError, ProviderRejectedError, RequestFailedError, SmsError

if TYPE_CHECKING:
    from shared.settings import Settings

@dataclass
class SendOutcome:
    """Aliyun's answer to one SendSms call and how many attempts it took."""

    body: dict[str, Any]
    attempts: int


def get_client(credentials: Credentials, settings: Settings) -> Any:
    """The Dysmsapi client for these credentials and endpoint, built once and reused."""
    from alibabacloud_dysmsapi20170525.client import Client

    return pop_client(Client, credentials, settings.dysms_endpoint, settings.region)


class SmsGateway:
    """SendSms for one AccessKey: the SDK client and runtime options are built once."""

    def __init__(self, credentials: Credentials, settings: Settings) -> None:
        self.settings = settings
        self.client = get_client(credentials, settings)
        self.runtime = runtime_options(settings, settings.send_concurrency)

    def send(
        self, *, phones: list[str], sign_name: str, template_code: str, template_param: str | None,
        out_id: str | None = None,
    ) -> SendOutcome:
        """One SendSms call with bounded retries; raises 46002 or 46003 on failure.

        ``out_id`` is sent as ``OutId`` (fewer than 256 characters): Aliyun hands it back in
        receipts and ``QuerySendDetails``, so the send log can find the message.

        Retried, because nothing was sent: a connection that failed before the request went out,
        and the gateway's throttling. Never retried: anything after the request may have reached
        Aliyun (a read timeout, a dropped connection, a 5xx, an exception we do not know), which
        raises 46003 marked ``possibly_delivered``: SendSms is not idempotent.
        """
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        request = SendSmsRequest(
            phone_numbers=",".join(phones),
            sign_name=sign_name,
            template_code=template_code,
            template_param=template_param,
            out_id=out_id,
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.client.send_sms_with_options(request, self.runtime)
            except Exception as exc:  # noqa: BLE001 - every SDK failure is classified below
                error, retry_after_ms = classify_failure(exc)
                if retry_after_ms is None or attempt >= self.settings.send_max_attempts:
                    error.details["attempts"] = attempt
                    raise error from None
                time.sleep(backoff_seconds(attempt, self.settings, retry_after_ms))
                continue
            body = response.body.to_map() if response.body is not None else {}
            check_answer(body, attempts=attempt)
            return SendOutcome(body=body, attempts=attempt)


    def get_sign(self, sign_name: str) -> dict[str, Any]:
        """GetSmsSign: ``SignStatus`` (integer: 0 reviewing, 1 approved, 2 rejected, 10 cancelled),
        ``AuditInfo.RejectInfo``, ...; raises 46002/46003. (QuerySmsSign is being retired.)"""
        from alibabacloud_dysmsapi20170525.models import GetSmsSignRequest

        return self._query(
            lambda: self.client.get_sms_sign_with_options(GetSmsSignRequest(sign_name=sign_name), self.runtime)
        )

    def get_template(self, template_code: str) -> dict[str, Any]:
        """GetSmsTemplate: ``TemplateStatus`` and ``TemplateType`` (strings: ``"1"``), ``TemplateContent``,
        ``AuditInfo.RejectInfo``, ...; raises 46002/46003. (QuerySmsTemplate is offline.)"""
        from alibabacloud_dysmsapi20170525.models import GetSmsTemplateRequest

        return self._query(
            lambda: self.client.get_sms_template_with_options(
                GetSmsTemplateRequest(template_code=template_code), self.runtime
            )
        )

    def query_send_details(self, phone: str, send_date: str, *, page: int, page_size: int) -> dict[str, Any]:
        """QuerySendDetails: one page of what was sent to ``phone`` on Beijing date ``send_date``
        (``yyyyMMdd``): ``TotalCount`` and ``SmsSendDetailDTOs.SmsSendDetailDTO`` (each with
        ``OutId``, ``SendStatus`` 1 waiting for its receipt, 2 failed, 3 delivered, ``ErrCode``)."""
        from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest

        request = QuerySendDetailsRequest(phone_number=phone, send_date=send_date, page_size=page_size,
                                          current_page=page)
        return self._query(lambda: self.client.query_send_details_with_options(request, self.runtime))

    def _query(self, call: Any) -> dict[str, Any]:
        try:
            response = call()
        except Exception as exc:  # noqa: BLE001 - classified like a send, but never retried
            raise classify_failure(exc)[0] from None
        body: dict[str, Any] = response.body.to_map() if response.body is not None else {}
        check_answer(body)
        return body


def check_answer(body: dict[str, Any], **details: Any) -> None:
    """Nothing for ``Code: OK``; a business code is Aliyun's refusal (nothing sent, 46002). An answer
    without a ``Code`` says neither: 46003, possibly delivered."""
    code = body.get("Code")
    if code == "OK":
        return
    if not isinstance(code, str) or not code:
        raise RequestFailedError("Aliyun answered without a Code; the message may have been delivered",
                                 request_id=body.get("RequestId"), details=dict(details))
    raise business_error(body, **details)


def business_error(body: dict[str, Any], **details: Any) -> ProviderError:
    """Aliyun's answer with a ``Code`` other than OK (nothing was sent) as our error for that code."""
    return provider_error(
        str(body.get("Code")),
        f"Aliyun answered {body.get('Code')}: {body.get('Message')}",
        request_id=body.get("RequestId"),
        details={"providerMessage": body.get("Message"), **details},
    )


def classify_failure(exc: Exception) -> tuple[SmsError, int | None]:
    """Map an SDK exception to our error, and say whether (and how soon, in ms) to retry.

    Returns ``(error, None)`` when the failure must not be retried. Only a failure proven to
    precede Aliyun's acceptance is "not sent": a 4xx gateway answer or a refused connection.
    """
    from alibabacloud_tea_openapi.exceptions import ServerException
    from darabonba.exceptions import ResponseException, UnretryableException

    # a 5xx that carries ``x-acs-retry-after`` comes as the SDK's ThrottlingException, not a
    # ServerException: the status decides, whatever the class and the code
    if isinstance(exc, ServerException) or (isinstance(exc, ResponseException) and (exc.status_code or 0) >= 500):
        return _server_error(exc), None
    if isinstance(exc, ResponseException):
        wait_ms = int(getattr(exc, "retry_after", None) or 0)
        error = provider_error(
            str(exc.code),
            f"Aliyun answered {exc.code} (HTTP {exc.status_code}): {_provider_message(exc)}",
            retry_after=max(1.0, wait_ms / 1000),
            request_id=_request_id(exc),
            details={"providerMessage": _provider_message(exc), "httpStatus": exc.status_code},
        )
        return error, (wait_ms if error.throttled else None)
    if isinstance(exc, UnretryableException) and _never_sent(exc):
        return RequestFailedError(f"could not connect to Aliyun: {_transport_reason(exc)}",
                                  possibly_delivered=False), 0
    status = _refused_status(exc)
    if status is not None:
        return ProviderRejectedError(f"Aliyun refused the request with HTTP {status} before accepting it",
                                     details={"httpStatus": status}), None
    reason = _transport_reason(exc) if isinstance(exc, UnretryableException) else type(exc).__name__
    return RequestFailedError(f"no usable answer from Aliyun, the message may have been delivered: {reason}"), None


def _server_error(exc: Any) -> SmsError:
    """A 5xx does not prove that Aliyun dropped the message: possibly delivered."""
    return RequestFailedError(
        f"Aliyun failed with HTTP {exc.status_code} {exc.code}; the message may have been delivered",
        provider_code=exc.code,
        request_id=_request_id(exc),
        details={"httpStatus": exc.status_code},
    )


def _never_sent(exc: Any) -> bool:
    """True when the connection failed before any byte of the request went out."""
    import requests
    import urllib3

    cause = getattr(getattr(exc, "inner_exception", None), "__context__", None)
    if isinstance(cause, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(cause, requests.exceptions.ConnectionError) and cause.args:
        reason = getattr(cause.args[0], "reason", None)
        return isinstance(reason, urllib3.exceptions.NewConnectionError)
    return False


def _refused_status(exc: Exception) -> int | None:
    """The HTTP status of a 4xx answer whose body the SDK could not read (a gateway's HTML page,
    e.g. 414), else None. The SDK keeps the response only in its ``do_request`` frame, so this
    reads that frame's ``_last_response`` from the traceback: no status found, no claim made."""
    tb = exc.__traceback__
    while tb is not None:
        response = tb.tb_frame.f_locals.get("_last_response")
        status = getattr(response, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            return status
        tb = tb.tb_next
    return None


def _transport_reason(exc: Any) -> str:
    inner = getattr(exc, "inner_exception", None)
    cause = getattr(inner, "__context__", None) or inner or exc
    return f"{type(cause).__name__}"


def _provider_message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("Message"):
        return str(data["Message"])
    return str(getattr(exc, "message", "") or "")


def _request_id(exc: Any) -> str | None:
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("RequestId"):
        return str(data["RequestId"])
    value = getattr(exc, "request_id", None)
    return None if value in (None, "None") else str(value)

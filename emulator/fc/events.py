"""The events and context FC 3.0 hands a Python handler (docs: fc-runtime.md §1-§4).

- HTTP trigger: JSON bytes with ``version``, ``rawPath`` (still percent-encoded), ``headers`` and
  ``queryParameters`` (several values comma-joined), ``body`` (base64 with ``isBase64Encoded``
  when it is not text) and ``requestContext`` (``accountId``, ``domainName``, ``domainPrefix``,
  ``requestId``, ``time``, ``timeEpoch``, ``http{method, path (decoded), protocol, sourceIp,
  userAgent}``). Header names are canonicalised as FC's Go front end does (``Content-Type``);
  ``Host`` is not among them.
- Timer: ``{"triggerTime": "2026-11-24T19:00:00Z", "triggerName", "payload"}``.
- EventBridge: a CloudEvents 1.0 envelope plus Aliyun's ``aliyun*`` extensions.
- MNS queue trigger (an EventBridge event stream): per message a CloudEvent of ``type``
  ``mns:Queue:SendMessage`` with ``data`` ``{requestId, messageId, messageBody}``
  (:func:`mns_event`); the async on-failure destination's record (:func:`failure_record`).
- Context (python3.10): ``request_id``, ``credentials``, ``function``, ``service``, ``region``,
  ``account_id``; the worker turns :func:`context_fields` back into objects.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded",
              "application/javascript", "+json", "+xml")


@dataclass(frozen=True)
class RoleCredentials:
    """The function role's STS keys handed to every invocation (seeded into the emulator)."""

    access_key_id: str = "STS.LocalFunctionRole0000000001"
    access_key_secret: str = "LocalFunctionRoleSecret000000000001"
    security_token: str = "LocalFunctionRoleSecurityToken00000000000000000001"

    def seed(self) -> dict[str, Any]:
        """Emulator seed JSON that makes these keys valid (an STS key: the token is demanded)."""
        return {"accessKeys": {self.access_key_id: {"secret": self.access_key_secret,
                                                    "securityToken": self.security_token}}}


def request_id(now: float | None = None) -> str:
    """An FC-style request id: ``1-<8 hex seconds>-<24 hex>``."""
    return f"1-{int(now if now is not None else time.time()):08x}-{secrets.token_hex(12)}"


def iso_utc(moment: datetime) -> str:
    """``2026-11-24T19:00:00Z`` (seconds precision)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_utc_millis(moment: datetime) -> str:
    """``2026-11-24T19:00:00.123Z``."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def canonical_header(name: str) -> str:
    """``x-fc-trace-id`` → ``X-Fc-Trace-Id`` (Go's CanonicalHeaderKey)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


def joined(pairs: Iterable[tuple[str, str]], canonical: bool = False) -> dict[str, str]:
    """Several values of one name joined with commas, in order."""
    result: dict[str, str] = {}
    for name, value in pairs:
        key = canonical_header(name) if canonical else name
        result[key] = f"{result[key]},{value}" if key in result else value
    return result


def is_text(content_type: str, body: bytes) -> bool:
    lowered = content_type.split(";")[0].strip().lower()
    if not any(lowered.startswith(kind) or lowered.endswith(kind) for kind in TEXT_TYPES):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class HttpCall:
    """One HTTP request to a function's trigger, after the local path prefix is removed."""

    method: str
    raw_path: str  # percent-encoded, e.g. /messages
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str


def http_event(call: HttpCall, *, function_name: str, region: str, account_id: str, request_id: str,
               now: datetime) -> bytes:
    """The FC 3.0 HTTP trigger event for ``call``, as the bytes FC hands the handler."""
    headers = joined(((k, v) for k, v in call.headers if k.lower() != "host"), canonical=True)
    content_type = headers.get("Content-Type", "")
    text = not call.body or is_text(content_type, call.body)
    body = call.body.decode("utf-8") if text else base64.b64encode(call.body).decode("ascii")
    prefix = f"{function_name}-local"
    event = {
        "version": "v1",
        "rawPath": call.raw_path,
        "headers": headers,
        "queryParameters": joined(call.query),
        "body": body,
        "isBase64Encoded": not text,
        "requestContext": {
            "accountId": account_id,
            "domainName": f"{prefix}.{region}.fcapp.run",
            "domainPrefix": prefix,
            "http": {
                "method": call.method.upper(),
                "path": unquote(call.raw_path),
                "protocol": "HTTP/1.1",
                "sourceIp": call.source_ip,
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": request_id,
            "time": iso_utc(now),
            "timeEpoch": str(int(now.timestamp() * 1000)),
        },
    }
    return json.dumps(event, ensure_ascii=False).encode("utf-8")


def timer_event(trigger_name: str, payload: str, fired_at: datetime) -> bytes:
    return json.dumps({"triggerTime": iso_utc(fired_at), "triggerName": trigger_name, "payload": payload},
                      ensure_ascii=False).encode("utf-8")


class EnvelopeError(ValueError):
    """A published event EventBridge would refuse; the message names the field."""


def cloud_event(event: Any, *, bus: str, account_id: str, region: str, publisher_ip: str,
                now: datetime) -> dict[str, Any]:
    """The CloudEvents 1.0 envelope EventBridge delivers for a published ``event``.

    ``source`` and ``type`` are required; ``id`` (a UUID), ``specversion`` ("1.0"),
    ``datacontenttype`` ("application/json") and ``time`` (now) are filled in when absent.
    The ``aliyun*`` extensions are always EventBridge's own.
    """
    if not isinstance(event, Mapping):
        raise EnvelopeError("each event must be a JSON object")
    for name, limit in (("source", 128), ("type", 64)):
        value = event.get(name)
        if not isinstance(value, str) or not value.strip():
            raise EnvelopeError(f"{name} is required")
        if len(value) > limit:
            raise EnvelopeError(f"{name} is longer than {limit} characters")
    if str(event.get("specversion", "1.0")) != "1.0":
        raise EnvelopeError("specversion must be 1.0")
    envelope = {key: value for key, value in event.items() if not str(key).startswith("aliyun")}
    envelope.setdefault("id", str(uuid.uuid4()))
    envelope["id"] = str(envelope["id"])
    envelope.setdefault("specversion", "1.0")
    envelope.setdefault("datacontenttype", "application/json")
    envelope.setdefault("time", iso_utc(now))
    envelope.update({
        "aliyunaccountid": account_id,
        "aliyunpublishtime": iso_utc_millis(now),
        "aliyuneventbusname": bus,
        "aliyunregionid": region,
        "aliyunpublishaddr": publisher_ip,
    })
    return envelope


def context_fields(*, request_id: str, credentials: RoleCredentials, function_name: str, handler: str,
                   memory: int, timeout: int, service: str, region: str, account_id: str) -> dict[str, Any]:
    """The python3.10 context as plain data (what the worker rebuilds as objects)."""
    return {
        "request_id": request_id,
        "credentials": {"access_key_id": credentials.access_key_id,
                        "access_key_secret": credentials.access_key_secret,
                        "security_token": credentials.security_token},
        "function": {"name": function_name, "handler": handler, "memory": memory, "timeout": timeout},
        "service": {"name": service, "log_project": "", "log_store": "", "qualifier": "LATEST", "version_id": ""},
        "region": region,
        "account_id": account_id,
    }


def mns_event(message_id: str, body: str, *, queue: str, function_name: str, trigger: str, account_id: str,
              region: str, enqueued_at: datetime, now: datetime) -> dict[str, Any]:
    """One MNS message as FC's MNS queue trigger delivers it (FC docs, "触发器Event格式", MNS队列触发器):
    ``source`` and ``aliyuneventbusname`` are ``MNS-<functionName>-<triggerName>``, ``subject`` the
    queue's ARN, ``data.messageBody`` the body as the stream hands it over (already base64-decoded
    when the trigger says ``IsBase64Decode``)."""
    stream = f"MNS-{function_name}-{trigger}"
    return {
        "id": str(uuid.uuid4()),
        "source": stream,
        "specversion": "1.0",
        "type": "mns:Queue:SendMessage",
        "datacontenttype": "application/json; charset=utf-8",
        "subject": f"acs:mns:{region}:{account_id}:queues/{queue}",
        "time": iso_utc_millis(enqueued_at),
        "aliyunaccountid": account_id,
        "aliyunpublishtime": iso_utc_millis(now),
        "aliyunoriginalaccountid": account_id,
        "aliyuneventbusname": stream,
        "aliyunregionid": region,
        "aliyunpublishaddr": "127.0.0.1",
        "data": {"requestId": secrets.token_hex(12).upper(), "messageId": message_id, "messageBody": body},
    }


def failure_record(*, request_id: str, function_arn: str, condition: str, invoke_count: int, payload: bytes,
                   status: int, function_error: str, response: bytes, now: datetime) -> dict[str, Any]:
    """What FC sends an async invocation's on-failure destination (FC docs "结果回调", 异步调用目标的事件内容)."""
    return {
        "timestamp": int(now.timestamp() * 1000),
        "requestContext": {"requestId": request_id, "functionArn": function_arn, "condition": condition,
                           "approximateInvokeCount": invoke_count},
        "requestPayload": payload.decode("utf-8", errors="replace"),
        "responseContext": {"statusCode": status, "functionError": function_error},
        "responsePayload": response.decode("utf-8", errors="replace"),
    }

"""The FC 3.0 HTTP trigger: parse its event, route it, and build its answer.

Every answer is ``{statusCode, headers, body, isBase64Encoded}``; errors are JSON
``{"error": {"code", "message", ...}}``. The FC request id is bound to every log line and
returned in the ``x-fc-request-id`` header. Only this module maps errors to HTTP.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared import log
from shared.errors import InvalidParameterError, RequestError, SmsError
from shared.validation import describe, is_utf8, parse_json

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["HttpRequest"], "HttpResponse"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass
class HttpRequest:
    """One HTTP request as the FC 3.0 HTTP trigger hands it over."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    query: dict[str, str]
    body: bytes
    source_ip: str = ""
    request_id: str = ""
    context: Any = None
    path_params: dict[str, str] = field(default_factory=dict)  # a route's ``{name}`` segments

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self, model: type[M], *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> M:
        """The body as ``model``; 413, 415 or 400 naming what is wrong."""
        if len(self.body) > max_bytes:
            raise RequestError(f"request body is {len(self.body)} bytes; the limit is {max_bytes}", status=413)
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise RequestError(
                f"Content-Type must be application/json, got {content_type or 'nothing'}", status=415
            )
        try:  # pydantic parses the bytes itself: no intermediate Python objects
            return model.model_validate_json(self.body or b"null")
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] == "json_invalid":
                raise InvalidParameterError(f"request body is not valid JSON: {errors[0]['msg']}") from None
            raise InvalidParameterError(describe(exc, "body")) from None


@dataclass
class HttpResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def parse_event(event: bytes | str | Mapping[str, Any], context: Any = None) -> HttpRequest:
    """The FC 3.0 HTTP event (bytes of JSON) as an :class:`HttpRequest`."""
    try:
        data = parse_json(event) if isinstance(event, (bytes, str)) else dict(event)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidParameterError("the event is not an FC HTTP trigger event (not JSON)") from None
    if not isinstance(data, dict) or not isinstance(data.get("requestContext"), dict):
        raise InvalidParameterError("the event is not an FC HTTP trigger event (no requestContext)")
    for part, value in (("requestContext.http", data["requestContext"].get("http")),
                        ("headers", data.get("headers")), ("queryParameters", data.get("queryParameters"))):
        if value is not None and not isinstance(value, dict):
            raise InvalidParameterError(f"the event is not an FC HTTP trigger event ({part} is not an object)")
    http = data["requestContext"].get("http") or {}
    body = data.get("body") or ""
    if not isinstance(body, str):
        raise InvalidParameterError("the event is not an FC HTTP trigger event (body is not a string)")
    try:
        raw = base64.b64decode(body, validate=True) if data.get("isBase64Encoded") else body.encode("utf-8")
    except UnicodeEncodeError:  # before ValueError, which it is too
        raise InvalidParameterError("the event's body is not valid Unicode (a lone surrogate)") from None
    except (binascii.Error, ValueError):
        raise InvalidParameterError("the event's body is not valid base64") from None
    request = HttpRequest(
        method=str(http.get("method") or "GET").upper(),
        path=str(http.get("path") or data.get("rawPath") or "/"),
        headers={str(k).lower(): str(v) for k, v in (data.get("headers") or {}).items()},
        query={str(k): str(v) for k, v in (data.get("queryParameters") or {}).items()},
        body=raw,
        source_ip=str(http.get("sourceIp") or ""),
        request_id=str(getattr(context, "request_id", "") or data["requestContext"].get("requestId") or ""),
        context=context,
    )
    # what is answered or logged of them must be writable: a lone surrogate is the event's mistake
    for part, text in (("path", request.path), ("method", request.method), ("sourceIp", request.source_ip),
                       ("headers", "".join(f"{k}{v}" for k, v in request.headers.items())),
                       ("queryParameters", "".join(f"{k}{v}" for k, v in request.query.items()))):
        if not is_utf8(text):
            raise InvalidParameterError(f"the event's {part} is not valid Unicode (a lone surrogate)")
    return request


def serve(event: Any, context: Any, routes: Mapping[tuple[str, str], Handler], *, function: str) -> dict[str, Any]:
    """Parse, route and answer one HTTP invocation; errors become JSON answers, never tracebacks."""
    request_id = str(getattr(context, "request_id", "") or "")
    with log.bound(requestId=request_id, function=function):
        try:
            request = parse_event(event, context)
            response = route(request, routes)
        except SmsError as error:
            response = error_response(error)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: log the cause, answer 500
            log.error("http.unhandled", **log.cause(exc))
            response = HttpResponse(500, {"error": {"code": 46003, "message": "internal error",
                                                    "possiblyDelivered": True}})
        log.info("http.response", status=response.status)
        return render(response, request_id)


def route(request: HttpRequest, routes: Mapping[tuple[str, str], Handler]) -> HttpResponse:
    """The handler of the request's method and path: an exact path first, else a route whose
    ``{name}`` segments (one each, not empty) take the path's (``request.path_params``)."""
    path = "/" + request.path.strip("/")
    handler = routes.get((request.method, path))
    if handler is not None:
        return handler(request)
    for (method, pattern), candidate in routes.items():
        params = match_path(pattern, path)
        if method == request.method and params is not None and (method, path) not in routes:
            request.path_params = params
            return candidate(request)
    allowed = sorted(method for method, route_path in routes
                     if route_path == path or match_path(route_path, path) is not None)
    if allowed:
        allow = {"Allow": ", ".join(allowed)}
        raise RequestError(f"{request.method} is not allowed on {path}", status=405, headers=allow)
    raise RequestError(f"no route for {path}", status=404)


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """``{"id": "abc"}`` for pattern ``/messages/{id}`` and path ``/messages/abc``; None when it does not match."""
    if "{" not in pattern:
        return None
    wanted, given = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(given):
        return None
    params: dict[str, str] = {}
    for part, value in zip(wanted, given, strict=True):
        if part.startswith("{") and part.endswith("}") and value:
            params[part[1:-1]] = value
        elif part != value:
            return None
    return params


def error_response(error: SmsError) -> HttpResponse:
    headers = dict(getattr(error, "headers", {}))
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    body = {"error": error.to_dict()}
    log_error(error)
    return HttpResponse(error.http_status, body, headers)


def log_error(error: SmsError) -> None:
    """A warning for the caller's mistakes; for a 5xx, an error with its internal cause."""
    fields: dict[str, Any] = {"status": error.http_status, "errorCode": error.code, "providerCode": error.provider_code}
    if error.http_status < 500:
        log.warning("http.error", **fields)
        return
    cause = error.__cause__ or error.__context__
    internal = log.cause(cause) if cause is not None else {"errorType": type(error).__name__}
    log.error("http.error", **fields, problem=log.mask_numbers(error.message), **internal)


def render(response: HttpResponse, request_id: str) -> dict[str, Any]:
    headers = {"content-type": "application/json; charset=utf-8", "x-fc-request-id": request_id, **response.headers}
    body = "" if response.body is None else json.dumps(response.body, ensure_ascii=False)
    return {"statusCode": response.status, "headers": headers, "body": body, "isBase64Encoded": False}

"""``POST /codes`` and ``POST /codes/verify``: the public verification API that browsers call.

The answers never depend on whether a number is known anywhere, and a failed check answers
``200 {"verified": false, "reason": "invalid"}`` whatever the number's state (unless the
policy sets ``revealReasons``: see ``VerifyPolicy.checkCode``). Browsers on the origins in
``SMS_CORS_ORIGINS`` may call it cross-origin (``OPTIONS`` preflights are answered here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from shared.elements.runtime import app_for
from shared.errors import SmsError
from shared.fc.http import HttpRequest, HttpResponse, error_response
from shared.settings import Settings


class IssueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: StrictStr | StrictInt
    purpose: str = Field(min_length=1, max_length=64)


class CheckBody(IssueBody):
    code: str = Field(min_length=1, max_length=32)


def post_codes(request: HttpRequest) -> HttpResponse:
    app = app_for(request.context)
    body = request.json(IssueBody, max_bytes=4096)
    policy = app.getElement(app.settings.verify_policy)
    return HttpResponse(200, policy.sendCode(body.phone, body.purpose, clientIp=client_ip(request, app.settings)))


def post_verify(request: HttpRequest) -> HttpResponse:
    app = app_for(request.context)
    body = request.json(CheckBody, max_bytes=4096)
    policy = app.getElement(app.settings.verify_policy)
    return HttpResponse(200, policy.checkCode(body.phone, body.purpose, body.code,
                                              clientIp=client_ip(request, app.settings)))


def client_ip(request: HttpRequest, settings: Settings) -> str | None:
    """The address the per-IP limits count: FC's ``sourceIp``, or, behind a proxy you run that
    sets ``SMS_CLIENT_IP_HEADER``, that header's last entry (the one the proxy itself added:
    entries to its left come from the client and can be forged)."""
    if settings.client_ip_header:
        forwarded = [part.strip() for part in (request.header(settings.client_ip_header) or "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.source_ip or None


def preflight(request: HttpRequest) -> HttpResponse:
    return HttpResponse(204)


def cors(handler: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """``handler`` with CORS headers on every answer, errors included, for an allowed ``Origin``."""

    def handle(request: HttpRequest) -> HttpResponse:
        try:
            response = handler(request)
        except SmsError as error:
            response = error_response(error)
        response.headers.update(cors_headers(request))
        return response

    return handle


def cors_headers(request: HttpRequest) -> dict[str, str]:
    origin = request.header("origin")
    allowed = app_for(request.context).settings.cors_origins
    if not origin or not ("*" in allowed or origin in allowed):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Expose-Headers": "Retry-After",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


ROUTES: dict[tuple[str, str], Any] = {
    ("POST", "/codes"): cors(post_codes),
    ("POST", "/codes/verify"): cors(post_verify),
    ("OPTIONS", "/codes"): cors(preflight),
    ("OPTIONS", "/codes/verify"): cors(preflight),
}

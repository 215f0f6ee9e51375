"""Aliyun's HTTP batch push: ``POST /report/<token>`` (SmsReport) and ``POST /up/<token>`` (SmsUp).

Aliyun signs nothing it pushes, so the URL carries a secret: the text of the KMS secret
``SMS_RECEIPTS_TOKEN_SECRET``, compared in constant time before the body is read. A wrong or
missing token is a 404 that stores nothing. ``?token=<token>`` on ``/report`` and ``/up`` works too.
Stored means answered exactly ``{"code": 0, "msg": "接收成功"}`` with HTTP 200, as Aliyun's pages ask
(https://help.aliyun.com/document_detail/101867.html); anything else makes Aliyun push the batch
again 1, 5 and 10 minutes later, so a failure that stored nothing is a 5xx.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any

from shared import log
from shared.elements.runtime import app_for
from shared.errors import ConfigError, RequestError
from shared.fc.http import HttpRequest, HttpResponse
from shared.receipts.ingest import ingest_replies, ingest_reports
from shared.receipts.items import SmsReport, SmsUp, read_batch

if TYPE_CHECKING:
    from shared.elements.app import App

ACCEPTED = {"code": 0, "msg": "接收成功"}  # Aliyun's documented answer, exactly
MIN_TOKEN_CHARS = 32
MAX_TOKEN_CHARS = 256


def token_of(request: HttpRequest) -> str:
    """The token: the path's segment after ``/report`` or ``/up``, else the ``token`` query parameter."""
    return request.path_params.get("token") or request.query.get("token", "")


def check_token(app: App, given: str) -> None:
    """A 404 unless ``given`` is the receipts token (constant time); a :class:`ConfigError` (5xx, so
    Aliyun retries) when the token is not configured, too short to be a secret, or longer than a
    token is read (``MAX_TOKEN_CHARS``: no push could ever match it)."""
    name = app.settings.receipts_token_secret
    if not name:
        raise ConfigError("SMS_RECEIPTS_TOKEN_SECRET is not set: name the KMS secret holding the token of the "
                          "receipts push URL (README: Receipts and replies)")
    expected = app.secrets.get(name).strip().encode("utf-8")
    if not MIN_TOKEN_CHARS <= len(expected) <= MAX_TOKEN_CHARS:
        raise ConfigError(f"KMS secret {name!r} (SMS_RECEIPTS_TOKEN_SECRET) must hold {MIN_TOKEN_CHARS} to "
                          f"{MAX_TOKEN_CHARS} characters")
    candidate = given.encode("utf-8", "replace")
    if len(candidate) > MAX_TOKEN_CHARS or not hmac.compare_digest(candidate, expected):
        log.warning("receipts.bad_token", tokenChars=len(given))
        raise RequestError("no such receipts URL", status=404)


def receive(request: HttpRequest, model: type[Any], store: Any) -> HttpResponse:
    app = app_for(request.context)
    check_token(app, token_of(request))
    if len(request.body) > app.settings.max_body_bytes:
        raise RequestError(f"the push is {len(request.body)} bytes; the limit is {app.settings.max_body_bytes}",
                           status=413)
    batch = read_batch(request.body, model)
    with log.bound(kind=model.__name__):
        counts = store(app, batch.items)
        log.info("receipts.push", items=len(batch.items) + batch.skipped, skipped=batch.skipped,
                 **(counts if isinstance(counts, dict) else counts._asdict()))
    return HttpResponse(200, dict(ACCEPTED))


def post_reports(request: HttpRequest) -> HttpResponse:
    return receive(request, SmsReport, ingest_reports)


def post_replies(request: HttpRequest) -> HttpResponse:
    return receive(request, SmsUp, ingest_replies)


ROUTES = {
    ("POST", "/report/{token}"): post_reports,
    ("POST", "/report"): post_reports,
    ("POST", "/up/{token}"): post_replies,
    ("POST", "/up"): post_replies,
}

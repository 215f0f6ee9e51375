"""FC's invoke API on the emulator's port, for the functions of an attached local runtime.

- ``POST /2016-08-15/services/{service}/functions/{fn}/invocations``: FC 2.0, what the ``fc2``
  SDK calls. Signed ``Authorization: FC <AccessKeyId>:<base64 HMAC-SHA256>`` over
  ``METHOD\\nContent-MD5\\nContent-Type\\nDate\\n<x-fc-* headers, sorted, "name:value\\n">`` +
  the unescaped path (``\\n`` + sorted ``k=v`` query pairs when there is a query); ``Date``
  within 15 minutes; an STS key demands ``x-fc-security-token``; a ``Content-MD5`` must be
  base64 of the body's MD5 digest or of its hex form (what Node's ``@alicloud/fc2`` sends). Errors are
  ``{"ErrorCode", "ErrorMessage"}`` (FC 2.0's shape, what fc2 parses).
- ``POST /2023-03-30/functions/{fn}/invocations``: FC 3.0 (ROA), signed ACS3-HMAC-SHA256 as every
  POP call the emulator verifies. Errors are ``{"Code", "Message", "RequestId"}``.

Any service name is accepted (FC 3.0 functions have none); a ``.qualifier`` suffix or
``?qualifier=`` is ignored (there is only LATEST). ``{fn}`` is the resource name or the
functionName. ``X-Fc-Invocation-Type: Async`` answers 202 and runs in the background with the
function's async retries. A sync answer is 200 with the function's result as the body; a
function that raised is a 200 with ``X-Fc-Error-Type: UnhandledInvocationError`` and
``{"errorMessage", "errorType", "stackTrace"}``, as FC answers. With no runtime attached
(``python -m emulator`` alone) every function is a 404 ``FunctionNotFound``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from emulator.core.credentials import AccessKey, KeyStore, TokenFault
from emulator.core.errors import PopError
from emulator.core.exchange import Request, Response
from emulator.fc.events import request_id
from emulator.fc.runtime import UnknownFunction

if TYPE_CHECKING:
    from emulator.state import Emulator

PREFIXES = ("/2016-08-15/", "/2023-03-30/")
FC2_INVOKE = re.compile(r"^/2016-08-15/services/([^/]+)/functions/([^/]+)/invocations/?$")
FC3_INVOKE = re.compile(r"^/2023-03-30/functions/([^/]+)/invocations/?$")
MAX_SKEW_SECONDS = 15 * 60
SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you provided. "
                     "Check your access key and signing method")


class FcError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def fc_string_to_sign(request: Request) -> str:
    """What the fc2 SDK's ``Auth.sign_request`` signs, rebuilt from the request as received."""
    fc_headers = sorted((name.lower(), value) for name, value in request.headers if name.lower().startswith("x-fc-"))
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in fc_headers)
    resource = unquote(request.path)
    if request.query:
        resource += "\n" + "\n".join(sorted(f"{name}={value}" for name, value in request.query))
    return "\n".join([request.method.upper(), request.headers.get("content-md5") or "",
                      request.headers.get("content-type") or "", request.headers.get("date") or "",
                      canonical_headers + resource])


def fc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_fc_signature(request: Request, keys: KeyStore, now: float) -> AccessKey:
    """The AccessKey that signed ``request`` with FC 2.0's scheme, or FcError."""
    authorization = request.headers.get("authorization")
    if not authorization:
        raise FcError(400, "MissingRequiredHeader", "required HTTP header Authorization was not specified")
    scheme, _, credential = authorization.strip().partition(" ")
    key_id, colon, signature = credential.rpartition(":")
    if scheme != "FC" or not colon or not key_id or not signature:
        raise FcError(400, "InvalidArgument", "Authorization must be 'FC <AccessKeyId>:<signature>'")
    key = keys.get(key_id)
    if key is None or not key.active:
        raise FcError(403, "InvalidAccessKeyID", f"invalid access key ID '{key_id}'")
    date = request.headers.get("date")
    if not date:
        raise FcError(400, "MissingRequiredHeader", "required HTTP header Date was not specified")
    try:
        signed_at = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        raise FcError(400, "InvalidArgument", f"the Date header {date!r} is not an HTTP date") from None
    if abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise FcError(403, "RequestTimeTooSkewed", f"the Date header {date!r} is more than 15 minutes away")
    if not hmac.compare_digest(fc_signature(key.secret, fc_string_to_sign(request)), signature):
        raise FcError(403, "SignatureNotMatch", SIGNATURE_MESSAGE)
    fault = keys.token_fault(key, request.headers.get("x-fc-security-token"))
    if fault is not None:
        code, message = TOKEN_FAULTS[fault]
        raise FcError(403, code, message)
    content_md5 = request.headers.get("content-md5")
    if content_md5 and content_md5 not in body_digests(request.body):
        raise FcError(400, "InvalidArgument", "Content-MD5 does not match the request body")
    return key


# Each token fault its own answer, as the POP gateway and OSS give (docs/fidelity.md, "FC invoke API").
# FC publishes no code per fault: InvalidSecurityToken with the reason, and an expired token as OSS
# words it, are our choice.
TOKEN_FAULTS = {
    TokenFault.MISSING: ("InvalidSecurityToken", "an STS AccessKey needs its security token (x-fc-security-token)"),
    TokenFault.EXPIRED: ("SecurityTokenExpired", "the security token has expired"),
    TokenFault.MALFORMED: ("InvalidSecurityToken", "the security token is malformed"),
    TokenFault.MISMATCH: ("InvalidSecurityToken", "the security token does not match the AccessKey"),
}


def body_digests(body: bytes) -> tuple[str, str]:
    """The two ``Content-MD5`` forms official SDKs send: base64 of the 16-byte digest (RFC 1864), and
    base64 of the lower-case hex digest (Node's ``@alicloud/fc2``, lib/client.js, on every call with
    a body)."""
    digest = hashlib.md5(body)
    return (base64.b64encode(digest.digest()).decode("ascii"),
            base64.b64encode(digest.hexdigest().encode("ascii")).decode("ascii"))


class FunctionsApi:
    """Routes ``/2016-08-15/...`` and ``/2023-03-30/...`` to ``emulator.functions``."""

    def __init__(self, emulator: Emulator, wall: Callable[[], float] = time.time) -> None:
        self.emulator = emulator
        self._wall = wall

    def __call__(self, request: Request) -> Response:
        fc2 = request.path.startswith(PREFIXES[0])
        rid = request_id()
        self.emulator.stats.count("fc", "InvokeFunction")
        try:
            if fc2:
                verify_fc_signature(request, self.emulator.keys, self._wall())
            else:
                self.emulator.verifier.verify(request)
            match = (FC2_INVOKE if fc2 else FC3_INVOKE).match(request.path)
            if match is None or request.method != "POST":
                raise FcError(400, "PathNotSupported", f"'{request.method}' against '{request.path}' is not supported")
            return self.invoke(request, unquote(match.groups()[-1]), rid)
        except FcError as failure:
            body = ({"ErrorCode": failure.code, "ErrorMessage": failure.message} if fc2 else
                    {"Code": failure.code, "Message": failure.message, "RequestId": rid})
            return Response.json(body, status=failure.status, headers={"X-Fc-Request-Id": rid})
        except PopError as failure:
            return Response.json(failure.body(rid, "fc"), status=failure.http_status,
                                 headers={"X-Fc-Request-Id": rid, **failure.headers})

    def invoke(self, request: Request, name: str, rid: str) -> Response:
        runtime = self.emulator.functions
        if runtime is None:
            raise FcError(404, "FunctionNotFound", f"function '{name}' does not exist: no local FC runtime is "
                          "attached to this emulator (`make dev` starts one)")
        try:
            spec = runtime.find(name)
        except UnknownFunction as missing:
            raise FcError(404, "FunctionNotFound", str(missing)) from None
        problem = spec.missing_code()
        if problem:
            raise FcError(404, "FunctionNotFound", f"function '{name}' has no code: {problem}")
        headers = {"X-Fc-Request-Id": rid}
        if (request.headers.get("x-fc-invocation-type") or "").lower() == "async":
            runtime.invoke_async(spec.resource, request.body, source="invoke", rid=rid)
            return Response(202, b"", headers)
        outcome = runtime.invoke(spec.resource, request.body, rid)
        if not outcome.ok:
            headers["X-Fc-Error-Type"] = "UnhandledInvocationError"
        return Response(200, outcome.body(), {"Content-Type": "application/octet-stream", **headers})

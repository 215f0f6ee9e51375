"""Dispatch: control API under ``/_emulator/``, POP calls by action and version, OSS for the rest.

A POP call is ``/`` with either ACS3 headers (``Authorization`` + ``x-acs-action`` /
``x-acs-version``, the signed source of truth) or RPC query parameters (``Action`` / ``Version``).
FC's invoke API (``/2016-08-15/...``, ``/2023-03-30/...``) goes to ``functions``.
Order for a POP call: count it in stats → verify the signature → find the service and action →
chaos → the service's handler (under the emulator lock). A browser opening ``/`` (a plain ``GET``
asking for HTML, with no query and no ``Authorization``: no SDK call looks like that) is
redirected to the outbox page. Every other request goes to ``storage`` (the OSS gateway,
:mod:`emulator.oss.gateway`), or is a 404 when there is none.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulator.core.chaos import Fault
from emulator.core.errors import (
    BusinessError,
    CustomBusinessError,
    InvalidActionNotFound,
    InvalidVersion,
    PopError,
    gateway_error,
)
from emulator.core.exchange import Request, Response

if TYPE_CHECKING:
    from emulator.state import Emulator

CONTROL_PREFIX = "/_emulator"
FUNCTION_API_PREFIXES = ("/2016-08-15/", "/2023-03-30/")  # FC's invoke API (emulator.fc.api)
HOME_PAGE = CONTROL_PREFIX + "/outbox"
GARBAGE_BODY = b"<html><head><title>502 Bad Gateway</title></head><body>Tengine</body></html>"
STATUS_CODES = {500: "InternalError", 502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout"}


@dataclass(frozen=True)
class PopCall:
    action: str
    version: str


def detect_pop_call(request: Request) -> PopCall | None:
    """The action and version of a POP call, or None when the request is not one."""
    if request.path != "/":
        return None
    header_action = request.headers.get("x-acs-action")
    if request.headers.get("authorization") and header_action:
        return PopCall(header_action, request.headers.get("x-acs-version") or "")
    params = request.params()
    if params.get("Action"):
        return PopCall(params["Action"], params.get("Version") or "")
    if header_action:
        return PopCall(header_action, request.headers.get("x-acs-version") or "")
    return None


def is_browser_visit(request: Request) -> bool:
    """A person's browser opening the emulator's root URL (never an SDK: they sign or send a query)."""
    return (request.method == "GET" and request.path == "/" and not request.raw_query
            and not request.headers.get("authorization") and "text/html" in (request.headers.get("accept") or ""))


def fault_response(fault: Fault, request_id: str, host_id: str, messages: dict[str, str],
                   error_status: int | None = None, own_errors: tuple[type[PopError], ...] = ()) -> Response:
    """The answer a chaos fault stands for; ``error_status`` is the service's
    :attr:`~emulator.core.service.ServiceSpec.error_fault_status`, ``own_errors`` its
    :attr:`~emulator.core.responses.BaseResponse.fault_errors`."""
    if fault.type == "drop":
        return Response.dropped()
    if fault.type == "garbage":
        return Response(200, GARBAGE_BODY, {"Content-Type": "text/html"})
    code = fault.code or ""
    own = next((cls for cls in own_errors if cls.code == code), None)
    if fault.type == "error" and fault.status is None and error_status is None:
        error = CustomBusinessError(code, fault.message or messages.get(code) or code)
        return business_response(error, request_id)
    status = fault.status or (own.status if own else None) or (error_status if fault.type == "error" else None) or 503
    if not code:
        own = next((cls for cls in own_errors if cls.status == status), None)
        code = own.code if own else STATUS_CODES.get(status, "InternalError")
    headers = {"x-acs-retry-after": str(fault.retry_after_ms)} if fault.retry_after_ms else None
    message = fault.message or (own.message if own and own.status == status else None)
    return error_response(gateway_error(code, status, message, headers), request_id, host_id)


def error_response(error: PopError, request_id: str, host_id: str) -> Response:
    headers = {"x-acs-request-id": request_id, **error.headers}
    return Response.json(error.body(request_id, host_id), status=error.http_status, headers=headers)


def business_response(error: BusinessError, request_id: str) -> Response:
    return Response.json(error.body(request_id), headers={"x-acs-request-id": request_id})


class Router:
    """Turns a :class:`Request` into a :class:`Response` against one :class:`Emulator`."""

    def __init__(self, emulator: Emulator, control: Callable[[Request], Response],
                 storage: Callable[[Request], Response] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 functions: Callable[[Request], Response] | None = None) -> None:
        self.emulator = emulator
        self.control = control
        self.storage = storage
        self.functions = functions
        self._sleep = sleep

    def __call__(self, request: Request) -> Response:
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            return self.control(request)
        if self.functions is not None and request.path.startswith(FUNCTION_API_PREFIXES):
            return self.functions(request)
        call = detect_pop_call(request)
        if call is not None:
            return self.pop(request, call)
        if is_browser_visit(request):
            return Response(302, b"", {"Location": HOME_PAGE, "Cache-Control": "no-store"})
        if self.storage is not None:
            return self.storage(request)
        return Response.json({"Code": "NotFound", "Message": f"Nothing is served at {request.path}."}, 404)

    def pop(self, request: Request, call: PopCall) -> Response:
        emulator = self.emulator
        spec = emulator.service_for_version(call.version)
        emulator.stats.count(spec.name if spec else "unknown", call.action)
        generation = emulator.generation
        request_id = emulator.ids.request_id()
        host_id = spec.host if spec else (request.headers.get("host") or "emulator")
        try:
            emulator.verifier.verify(request)
            if spec is None:
                raise InvalidVersion(f"Specified parameter Version is not valid: {call.version!r}.")
            api = emulator.apis[spec.name]
            if not api.has_action(call.action):
                raise InvalidActionNotFound()
            outcome = emulator.chaos.draw(spec.name, call.action)
            if outcome.delay_ms:
                self._sleep(outcome.delay_ms / 1000)
            if outcome.fault is not None:
                return fault_response(outcome.fault, request_id, host_id, dict(api.business_messages),
                                      spec.error_fault_status, api.fault_errors)
            with emulator.lock:
                if emulator.generation != generation:
                    return Response.dropped()  # the state was reset while this request waited
                body = api.call(call.action, request.params(), request_id)
            return Response.json(body, headers={"x-acs-request-id": request_id})
        except PopError as error:
            return error_response(error, request_id, host_id)
        except BusinessError as error:
            return business_response(error, request_id)

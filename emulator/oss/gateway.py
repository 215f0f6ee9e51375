"""OSS requests end to end: every request that is neither the control API nor a POP call.

Order: address the request and name its action → count it in stats → the bucket checks
(``InvalidBucketName``, ``NoSuchBucket``, ``InvalidObjectName``, before authentication as OSS
does) → the signature → chaos → the operation (under the emulator lock). Request ids are 24
upper-case hex digits from the emulator's seeded ids.

Chaos (service ``oss``): ``error`` faults answer that code as an OSS XML error (a known code keeps
its status and message, others are 400 unless ``status`` says otherwise); ``http`` faults answer
the status with ``ServiceUnavailable`` (503), ``InternalError`` (500) and so on; ``drop``,
``latency`` and ``garbage`` (an HTML 200 page instead of the object or listing) work as for POP.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.core.chaos import Fault
from emulator.core.exchange import Request, Response
from emulator.core.routing import GARBAGE_BODY
from emulator.oss.auth import OssVerifier
from emulator.oss.errors import OssError, fault_error
from emulator.oss.responses import SERVER, OssApi, action_for, locate

if TYPE_CHECKING:
    from emulator.state import Emulator

SERVICE = "oss"


def error_response(error: OssError, request: Request, request_id: str, host_id: str) -> Response:
    body = error.xml(request_id, host_id)
    headers = {"Content-Type": "application/xml", "x-oss-request-id": request_id, "Server": SERVER}
    if error.ec:
        headers["x-oss-ec"] = error.ec
    if request.method == "HEAD":
        headers["x-oss-err"] = base64.b64encode(body).decode("ascii")
    return Response(error.http_status, body, headers)


def fault_response(fault: Fault, request: Request, request_id: str, host_id: str) -> Response:
    """The answer a chaos fault stands for, OSS-style."""
    if fault.type == "drop":
        return Response.dropped()
    if fault.type == "garbage":
        return Response(200, GARBAGE_BODY, {"Content-Type": "text/html", "x-oss-request-id": request_id})
    return error_response(fault_error(fault.code, fault.status, fault.message), request, request_id, host_id)


class OssGateway:
    """Turns an OSS :class:`Request` into a :class:`Response` against one :class:`Emulator`."""

    def __init__(self, emulator: Emulator, sleep: Callable[[float], None] = time.sleep) -> None:
        self.emulator = emulator
        self.verifier = OssVerifier(emulator.keys)
        self.api = OssApi(emulator.oss)
        self._sleep = sleep

    def __call__(self, request: Request) -> Response:
        emulator = self.emulator
        resource = locate(request)
        action = action_for(request, resource)
        emulator.stats.count(SERVICE, action)
        generation = emulator.generation
        request_id = emulator.ids.hex_id(24)
        host_id = request.headers.get("host") or "oss.emulator"
        try:
            self.api.check(resource)
            self.verifier.verify(request, resource)
            outcome = emulator.chaos.draw(SERVICE, action)
            if outcome.delay_ms:
                self._sleep(outcome.delay_ms / 1000)
            if outcome.fault is not None:
                return fault_response(outcome.fault, request, request_id, host_id)
            with emulator.lock:
                if emulator.generation != generation:
                    return Response.dropped()  # the state was reset while this request waited
                return self.api.call(action, request, resource, request_id)
        except OssError as error:
            return error_response(error, request, request_id, host_id)

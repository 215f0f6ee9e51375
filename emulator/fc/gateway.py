"""The local runtime's HTTP front: FC's trigger URLs, one path prefix per function.

==========================================  ==========================================================
``ANY  /<function>/<path>``                 the function's HTTP trigger with path ``/<path>`` (the
                                            resource name or the functionName as prefix)
``POST /_fc/timer/<function>[?trigger=]``   run a timer function now, synchronously (a non-empty
                                            body replaces the trigger's payload); its result
``GET  /_fc/invocations``                   async invocations (timers, invoke API, event bus),
                                            newest first; ``?function=``, ``?source=``
``POST /_eventbus/<bus>/events``            PutEvents: one CloudEvent or an array
``GET  /_eventbus/<bus>/deliveries``        that bus's deliveries and their attempts
``GET  /_mns/queues``                       the local MNS queues, their message counts, what uses them
``POST /_mns/queues/<queue>/messages``      SendMessage: the body is the message body (UTF-8 text);
                                            201 ``{"MessageId", "MessageBodyMD5"}``
``GET  /_mns/queues/<queue>/messages``      the messages waiting, oldest first (a dead-letter queue)
``DELETE /_mns/queues/<queue>/messages[/<id>]``  delete one message or all
``POST /_mns/queues/<queue>/redrive``       invoke each dead letter again (``?messageId=`` one)
``GET  /_mns/deliveries``                   the MNS triggers' pushes, newest first; ``?trigger=``
``GET  /`` or ``/_fc``                      functions, triggers, timers, buses and queues
==========================================  ==========================================================

A trigger's answer is the handler's ``{statusCode, headers, body, isBase64Encoded}``; any other
return value is a 200 with it as the body. A handler that raises is a 502 with FC's error body
``{"errorMessage", "errorType", "stackTrace"}`` and ``X-Fc-Error-Type: UnhandledInvocationError``.
Every answer carries ``X-Fc-Request-Id``. Local errors are ``{"errorCode", "errorMessage"}``; the bus's
and the queues' are ``{"Code", "Message"}`` (``QueueNotExist``, ``MessageNotExist``, ``NotRedrivable``).
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

from emulator.core.exchange import Request, Response
from emulator.fc.bus import BusError, EventBus
from emulator.fc.events import HttpCall, canonical_header, http_event, request_id
from emulator.fc.instances import Outcome
from emulator.fc.mns import QueueError
from emulator.fc.project import FunctionSpec
from emulator.fc.runtime import Runtime, UnavailableFunction, UnknownFunction
from emulator.fc.streams import Streams
from emulator.fc.timer import TimerScheduler

TEXT = "text/plain; charset=utf-8"


def error(status: int, code: str, message: str, rid: str = "") -> Response:
    headers = {"X-Fc-Request-Id": rid} if rid else {}
    return Response.json({"errorCode": code, "errorMessage": message}, status=status, headers=headers)


def outcome_error(outcome: Outcome, rid: str, status: int) -> Response:
    return Response.json(outcome.error, status=status,
                         headers={"X-Fc-Request-Id": rid, "X-Fc-Error-Type": "UnhandledInvocationError"})


def trigger_response(outcome: Outcome, rid: str) -> Response:
    """The HTTP answer for a trigger invocation's outcome."""
    if not outcome.ok:
        return outcome_error(outcome, rid, 502)
    value = outcome.value
    if outcome.kind != "json" or not isinstance(value, dict) or "statusCode" not in value:
        return Response(200, outcome.body(), {"Content-Type": _guess_type(outcome), "X-Fc-Request-Id": rid})
    headers = {canonical_header(str(k)): str(v) for k, v in (value.get("headers") or {}).items()}
    body = value.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    elif value.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body.encode("utf-8")
    headers.setdefault("Content-Type", TEXT)
    headers["X-Fc-Request-Id"] = rid
    return Response(int(value["statusCode"]), raw, headers)


def result_response(outcome: Outcome, rid: str) -> Response:
    if not outcome.ok:
        return outcome_error(outcome, rid, 502)
    return Response(200, outcome.body(), {"Content-Type": _guess_type(outcome), "X-Fc-Request-Id": rid})


def _guess_type(outcome: Outcome) -> str:
    if outcome.kind == "json":
        return "application/json"
    if outcome.kind == "str" and str(outcome.value).lstrip()[:1] in ("{", "["):
        return "application/json"
    return TEXT if outcome.kind == "str" else "application/octet-stream"


class Gateway:
    def __init__(self, runtime: Runtime, timers: TimerScheduler, bus: EventBus, streams: Streams) -> None:
        self.runtime = runtime
        self.timers = timers
        self.bus = bus
        self.streams = streams

    def __call__(self, request: Request) -> Response:
        parts = request.path.split("/", 2)  # "", first segment, rest
        first = unquote(parts[1]) if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        try:
            if first in ("", "_fc") and rest in ("/", "/functions") and request.method == "GET":
                return Response.json(self.index())
            if first == "_fc":
                return self.control(request, rest)
            if first == "_eventbus":
                return self.eventbus(request, rest)
            if first == "_mns":
                return self.mns(request, rest)
            return self.trigger(request, first, rest)
        except BusError as failure:
            return Response.json(failure.body(), status=failure.status)
        except QueueError as failure:
            return Response.json({"Code": failure.code, "Message": failure.message}, status=failure.status)
        except UnknownFunction as missing:
            return error(404, "FunctionNotFound", str(missing))
        except UnavailableFunction as missing:
            return error(404, "FunctionNotFound", f"function code not found: {missing}")

    def trigger(self, request: Request, name: str, raw_path: str) -> Response:
        spec = self.runtime.find(name)
        if spec.http is None:
            return error(404, "TriggerNotFound", f"{spec.resource} has no HTTP trigger; "
                         f"invoke it through the FC invoke API{self._timer_hint(spec)}")
        if request.method not in spec.http.methods:
            allowed = ", ".join(spec.http.methods)
            response = error(405, "MethodNotAllowed", f"{request.method} is not among its methods: {allowed}")
            response.headers["Allow"] = allowed
            return response
        rid = request_id()
        call = HttpCall(request.method, raw_path, list(request.query), list(request.headers), request.body,
                        request.client[0])
        event = http_event(call, function_name=spec.name, region=spec.region, account_id=self.runtime.account_id,
                           request_id=rid, now=self.runtime.clock())
        return trigger_response(self.runtime.invoke(spec.resource, event, rid), rid)

    def control(self, request: Request, rest: str) -> Response:
        if rest.startswith("/timer/") and request.method == "POST":
            payload = request.body.decode("utf-8") if request.body.strip() else None
            rid, outcome = self.timers.run_now(unquote(rest[len("/timer/"):]), request.query_value("trigger"), payload)
            return result_response(outcome, rid)
        if rest == "/invocations" and request.method == "GET":
            function = request.query_value("function")
            records = self.runtime.invocations(request.query_value("source") or None,
                                               self.runtime.find(function).resource if function else None)
            return Response.json({"total": len(records), "invocations": [r.to_dict() for r in records]})
        return error(404, "PathNotSupported", f"{request.method} /_fc{rest} is not supported")

    def eventbus(self, request: Request, rest: str) -> Response:
        bus, _, action = rest.strip("/").partition("/")
        if action == "events" and request.method == "POST":
            return Response.json(self.bus.put_events(unquote(bus), request.body, request.client[0]))
        if action == "deliveries" and request.method == "GET":
            deliveries = self.bus.deliveries(unquote(bus))
            return Response.json({"total": len(deliveries), "deliveries": deliveries})
        return error(404, "PathNotSupported", f"{request.method} /_eventbus{rest} is not supported")

    def mns(self, request: Request, rest: str) -> Response:
        parts = [unquote(part) for part in rest.strip("/").split("/")]
        if parts == ["queues"] and request.method == "GET":
            return Response.json({"queues": self.streams.describe()})
        if parts == ["deliveries"] and request.method == "GET":
            deliveries = self.streams.deliveries(request.query_value("trigger") or None)
            return Response.json({"total": len(deliveries), "deliveries": deliveries})
        if len(parts) >= 3 and parts[0] == "queues":
            return self.queue(request, parts[1], parts[2:])
        return error(404, "PathNotSupported", f"{request.method} /_mns{rest} is not supported")

    def queue(self, request: Request, queue: str, action: list[str]) -> Response:
        queues = self.streams.queues
        if action == ["messages"] and request.method == "POST":
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                raise QueueError(400, "InvalidArgument", "the message body must be UTF-8 text") from None
            message = queues.send(queue, body, self.runtime.clock())
            return Response.json({"MessageId": message.id, "MessageBodyMD5": message.md5}, status=201)
        if action == ["messages"] and request.method == "GET":
            messages = [m.to_dict() for m in queues.peek(queue)]
            return Response.json({"queue": queue, "total": len(messages), "messages": messages})
        if action[0] == "messages" and len(action) <= 2 and request.method == "DELETE":
            return Response.json({"deleted": queues.delete(queue, action[1] if len(action) == 2 else None)})
        if action == ["redrive"] and request.method == "POST":
            redriven = self.streams.redrive(queue, request.query_value("messageId") or None)
            return Response.json({"total": len(redriven), "redriven": redriven})
        return error(404, "PathNotSupported", f"{request.method} /_mns/queues/{queue}/{'/'.join(action)} "
                     "is not supported")

    def index(self) -> dict[str, Any]:
        functions = []
        for spec in self.runtime.project.functions.values():
            functions.append({
                "resource": spec.resource, "functionName": spec.name, "handler": spec.handler,
                "available": spec.missing_code() is None, "problem": spec.missing_code(),
                "http": {"path": f"/{spec.resource}/", "methods": list(spec.http.methods)} if spec.http else None,
                "timers": [t.to_dict() for t in self.timers.timers if t.spec is spec],
                "asyncRetries": spec.async_retries,
                "mnsTriggers": [{"name": t.name, "queue": t.queue, "deadLetterQueue": t.dead_letter_queue}
                                for t in spec.mns_triggers],
                "onFailureQueue": spec.on_failure_queue,
                "notEmulated": list(spec.unsupported_triggers),
            })
        return {"functions": functions, "buses": self.bus.targets, "queues": self.streams.describe()}

    @staticmethod
    def _timer_hint(spec: FunctionSpec) -> str:
        return f" or POST /_fc/timer/{spec.resource}" if spec.timers else ""

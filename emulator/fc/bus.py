"""A local EventBridge custom bus: PutEvents, and delivery to FC function targets.

``POST /_eventbus/<bus>/events`` takes one event object or an array (like PutEvents' event
list). Each valid event is wrapped in the CloudEvents envelope EventBridge delivers
(:func:`emulator.fc.events.cloud_event`) and handed to every target function of the bus as an
async invocation, one event per call (``event-driven`` mode), so failures are retried as the
function's ``asyncInvokeConfig`` says. The answer has PutEvents' shape: ``{"RequestId",
"FailedEntryCount", "EntryList": [{"EventId", "ErrorCode", "ErrorMessage"}]}``; an invalid event
fails alone. Deliveries (one per event and target) list their attempts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from emulator.fc.events import EnvelopeError, cloud_event, request_id
from emulator.fc.runtime import Runtime

MAX_EVENTS = 10  # PutEvents' limit per call


class BusError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, str]:
        return {"Code": self.code, "Message": self.message}


class EventBus:
    """``targets`` maps a bus name to the functions its rule delivers to."""

    def __init__(self, runtime: Runtime, targets: Mapping[str, Sequence[str]], *, region: str = "cn-hangzhou",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.runtime = runtime
        self.targets = {bus: [runtime.find(f).resource for f in functions] for bus, functions in targets.items()}
        self.region = region
        self._clock = clock or runtime.clock

    def put_events(self, bus: str, body: bytes, publisher_ip: str) -> dict[str, Any]:
        if bus not in self.targets:
            known = ", ".join(self.targets) or "none"
            raise BusError(404, "EventBusNotExist", f"event bus {bus!r} does not exist (local buses: {known})")
        events = _events(body)
        entries = [self._publish(bus, event, publisher_ip) for event in events]
        return {"RequestId": request_id(), "FailedEntryCount": sum(1 for e in entries if e["ErrorCode"]),
                "EntryList": entries}

    def _publish(self, bus: str, event: Any, publisher_ip: str) -> dict[str, str]:
        given_id = str(event.get("id", "")) if isinstance(event, Mapping) else ""
        try:
            envelope = cloud_event(event, bus=bus, account_id=self.runtime.account_id, region=self.region,
                                   publisher_ip=publisher_ip, now=self._clock())
        except EnvelopeError as error:
            return {"EventId": given_id, "ErrorCode": "InvalidArgument", "ErrorMessage": str(error)}
        data = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        for function in self.targets[bus]:
            self.runtime.invoke_async(function, data, source=f"eventbus:{bus}", event_id=envelope["id"])
        return {"EventId": envelope["id"], "ErrorCode": "", "ErrorMessage": ""}

    def deliveries(self, bus: str) -> list[dict[str, Any]]:
        if bus not in self.targets:
            raise BusError(404, "EventBusNotExist", f"event bus {bus!r} does not exist")
        return [record.to_dict() for record in self.runtime.invocations(source=f"eventbus:{bus}")]


def _events(body: bytes) -> list[Any]:
    try:
        payload = json.loads(body.decode("utf-8")) if body.strip() else None
    except (ValueError, UnicodeDecodeError) as error:
        raise BusError(400, "InvalidArgument", f"the body is not JSON: {error}") from None
    events = payload if isinstance(payload, list) else [payload]
    if payload is None or not events:
        raise BusError(400, "InvalidArgument", "publish one event object or an array of them")
    if len(events) > MAX_EVENTS:
        raise BusError(400, "InvalidArgument", f"at most {MAX_EVENTS} events per call, got {len(events)}")
    return events

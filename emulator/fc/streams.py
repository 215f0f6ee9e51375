"""MNS queue triggers: the EventBridge event stream ``s deploy`` makes for an fc3 ``eventbridge``
trigger with an MNS source, draining a local queue (:mod:`emulator.fc.mns`) into the function.

- Batches: in ``event-streaming`` mode a batch goes when ``CountBasedWindow`` messages wait or the
  oldest has waited ``TimeBasedWindow`` seconds, whichever comes first, as one JSON array;
  ``event-driven`` mode pushes each message alone, as one object (EventBridge docs, "Simple
  Message Queue (formerly MNS)" event stream source, Batch Push).
- Each message is the CloudEvent FC's MNS queue trigger delivers (:func:`emulator.fc.events.mns_event`);
  ``eventSchema: RawData`` pushes its ``data`` only. With ``IsBase64Decode`` (the default) the body
  is base64-decoded first; a body that is not base64 of UTF-8 text goes as it is (our choice).
- The push: ``asyncInvocationType: true`` is an async invocation, which FC accepts at once (the
  function's own failures are then FC's async retries and on-failure destination);
  ``false`` is a sync invocation, whose function error fails the push.
- A failed push is retried as ``retryStrategy`` says (EventBridge docs "重试和死信"):
  ``BACKOFF_RETRY`` 3 retries 10-20 s apart at random, ``EXPONENTIAL_DECAY_RETRY`` 1, 2, 4, ... 512 s
  apart, at most ``MaximumRetryAttempts`` retries within ``MaximumEventAgeInSeconds``. Then, with
  ``errorsTolerance: ALL``, each event of the batch goes to the ``deadLetterQueue`` as it was pushed
  (no queue: dropped); with ``NONE`` the stream stops and the batch returns to the queue's head.
  A function that cannot run (no code) is an error no retry fixes: dead-lettered at once.
- Redrive (:meth:`Streams.redrive`): each dead letter is invoked again asynchronously: an FC
  destination record's ``requestPayload`` to its ``functionArn``, a trigger's dead letter to that
  trigger's function (as the trigger would push it); the message leaves the queue.

The clock, the wait between retries and the randomness are injectable, so tests drive batches with
:meth:`Streams.tick` and never sleep.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator.fc.events import mns_event
from emulator.fc.mns import LocalQueues, Message, QueueError
from emulator.fc.project import FunctionSpec, MnsTrigger
from emulator.fc.runtime import Runtime, UnknownFunction

MAX_NAP_SECONDS = 0.2  # look at the queues at least this often
MAX_DELIVERIES = 500
EXPONENTIAL_CAP_SECONDS = 512


@dataclass
class StreamDelivery:
    """One push of a batch (or of one message) and what became of it."""

    trigger: str
    function: str
    message_ids: list[str]
    status: str = "pushing"  # pushing, retrying, pushed (async, accepted), delivered (sync), dead-lettered,
    #                          dropped, stopped
    pushes: list[dict[str, Any]] = field(default_factory=list)
    invocation: str | None = None  # the async invocation's request id
    dead_letters: list[str] = field(default_factory=list)  # message ids in the dead-letter queue
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"trigger": self.trigger, "function": self.function, "messageIds": list(self.message_ids),
                "status": self.status, "pushes": list(self.pushes)}
        for key, value in (("invocationRequestId", self.invocation), ("deadLetters", self.dead_letters),
                           ("reason", self.reason)):
            if value:
                data[key] = value
        return data


class MnsStream:
    """One trigger: its queue drained into its function."""

    def __init__(self, runtime: Runtime, spec: FunctionSpec, trigger: MnsTrigger, queues: LocalQueues, *,
                 sleep: Callable[[float], Any], uniform: Callable[[float, float], float] = random.uniform,
                 stopping: threading.Event | None = None) -> None:
        self.runtime, self.spec, self.trigger, self.queues = runtime, spec, trigger, queues
        self._sleep = sleep
        self._stopping = stopping or threading.Event()
        self._uniform = uniform
        self.stopped: str | None = None  # why the stream stopped (errorsTolerance NONE)

    @property
    def batch_size(self) -> int:
        return self.trigger.batch_size if self.trigger.streaming else 1

    def due(self, now: datetime) -> bool:
        return self.seconds_until_due(now) == 0.0

    def seconds_until_due(self, now: datetime) -> float | None:
        """0 once a batch is full or its window has passed; None with nothing to push."""
        waiting = self.queues.peek(self.trigger.queue)
        if not waiting or self.stopped or not self.trigger.enabled:
            return None
        if len(waiting) >= self.batch_size:
            return 0.0
        window = self.trigger.batch_seconds if self.trigger.streaming else 0.0
        return max(0.0, window - (now - waiting[0].enqueued_at).total_seconds())

    def tick(self, now: datetime) -> list[StreamDelivery]:
        """Push every batch that is due at ``now``."""
        deliveries: list[StreamDelivery] = []
        while self.due(now):
            messages = self.queues.take(self.trigger.queue, self.batch_size)
            if not messages:
                break
            events = [self.event(message, now) for message in messages]
            deliveries.append(self.push(messages, events))
        return deliveries

    def event(self, message: Message, now: datetime) -> Any:
        body = _decoded(message.body) if self.trigger.base64_decode else message.body
        event = mns_event(message.id, body, queue=self.trigger.queue, function_name=self.spec.name,
                          trigger=self.trigger.name, account_id=self.runtime.account_id, region=self.spec.region,
                          enqueued_at=message.enqueued_at, now=now)
        return event["data"] if self.trigger.schema == "RawData" else event

    def payload(self, events: list[Any]) -> bytes:
        """What the function gets: a JSON array in event-streaming mode, else the one event."""
        value = events if self.trigger.streaming else events[0]
        return json.dumps(value, ensure_ascii=False).encode("utf-8")

    def push(self, messages: list[Message], events: list[Any]) -> StreamDelivery:
        delivery = StreamDelivery(self.trigger.name, self.spec.resource, [m.id for m in messages])
        first = self.runtime.clock()
        payload = self.payload(events)
        retries = 0
        while True:
            error, retryable = self._push_once(payload, delivery)
            if error is None:
                return delivery
            delay = self._delay(retries + 1)
            elapsed = (self.runtime.clock() - first).total_seconds()
            spent = retries >= self.trigger.retry.max_attempts or elapsed + delay > self.trigger.retry.max_age
            if not retryable or spent:
                break
            retries += 1
            delivery.status = "retrying"
            self._sleep(delay)
            if self._stopping.is_set():
                error = "the runtime stopped"
                break
        self._give_up(messages, events, delivery, error)
        return delivery

    def _push_once(self, payload: bytes, delivery: StreamDelivery) -> tuple[str | None, bool]:
        """None when the push succeeded, else the error and whether a retry may help."""
        at = self.runtime.clock()
        problem = self.spec.missing_code()
        if problem:
            delivery.pushes.append({"at": at.isoformat(), "ok": False, "error": problem})
            return problem, False
        if self.trigger.asynchronous:
            record = self.runtime.invoke_async(self.spec.resource, payload, source=f"mns:{self.trigger.name}")
            delivery.pushes.append({"at": at.isoformat(), "ok": True})
            delivery.status, delivery.invocation = "pushed", record.request_id
            return None, False
        outcome = self.runtime.invoke(self.spec.resource, payload)
        failure = outcome.error or {}
        error = None if outcome.ok else f"{failure.get('errorType')}: {failure.get('errorMessage')}"
        delivery.pushes.append({"at": at.isoformat(), "ok": outcome.ok, **({"error": error} if error else {})})
        if outcome.ok:
            delivery.status = "delivered"
        return error, True

    def _delay(self, retry: int) -> float:
        if self.trigger.retry.strategy == "EXPONENTIAL_DECAY_RETRY":
            return float(min(2 ** (retry - 1), EXPONENTIAL_CAP_SECONDS))
        return self._uniform(10.0, 20.0)  # BACKOFF_RETRY

    def _give_up(self, messages: list[Message], events: list[Any], delivery: StreamDelivery, error: str) -> None:
        delivery.reason = error
        if not self.trigger.tolerate_errors:
            self.queues.put_back(self.trigger.queue, messages)
            self.stopped = f"a push failed after its retries and errorsTolerance is NONE: {error}"
            delivery.status = "stopped"
            return
        queue = self.trigger.dead_letter_queue
        if queue is None or queue not in self.queues.names:
            delivery.status = "dropped"
            return
        now = self.runtime.clock()
        delivery.dead_letters = [self.queues.send(queue, json.dumps(event, ensure_ascii=False), now).id
                                 for event in events]
        delivery.status = "dead-lettered"


class Streams:
    """Every MNS trigger of the project, their deliveries, a background drainer and the redrive."""

    def __init__(self, runtime: Runtime, queues: LocalQueues, *, sleep: Callable[[float], Any] | None = None,
                 uniform: Callable[[float, float], float] | None = None) -> None:
        self.runtime, self.queues = runtime, queues
        self._stopping = threading.Event()
        self._wake = threading.Event()
        nap = sleep if sleep is not None else self._stopping.wait
        self.streams = [MnsStream(runtime, spec, trigger, queues, sleep=nap, uniform=uniform or random.uniform,
                                  stopping=self._stopping)
                        for spec in runtime.project.functions.values() for trigger in spec.mns_triggers]
        self._deliveries: list[StreamDelivery] = []
        self._draining = threading.Lock()  # one drain at a time: the thread's and a test's tick
        self._lock = threading.Lock()  # the deliveries list: never held while a push waits out its retries
        self._thread: threading.Thread | None = None
        queues.subscribe(lambda _name: self._wake.set())

    def tick(self, now: datetime | None = None) -> list[StreamDelivery]:
        """Push whatever is due at ``now`` (default: the runtime's clock) on every trigger."""
        moment = now or self.runtime.clock()
        with self._draining:
            done = [delivery for stream in self.streams for delivery in stream.tick(moment)]
        with self._lock:
            self._deliveries += done
            del self._deliveries[:-MAX_DELIVERIES]
        return done

    def deliveries(self, trigger: str | None = None) -> list[dict[str, Any]]:
        """Pushes, newest first."""
        with self._lock:
            chosen = [d for d in reversed(self._deliveries) if trigger is None or d.trigger == trigger]
        return [delivery.to_dict() for delivery in chosen]

    def describe(self) -> list[dict[str, Any]]:
        """Each queue: its messages and which trigger drains it or dead-letters into it."""
        return [{"name": name, "messages": len(self.queues.peek(name)),
                 "drainedBy": [f"{s.spec.resource}/{s.trigger.name}" for s in self.streams if s.trigger.queue == name],
                 "deadLetterQueueOf": [f"{s.spec.resource}/{s.trigger.name}" for s in self.streams
                                       if s.trigger.dead_letter_queue == name]
                 + [spec.resource for spec in self.runtime.project.functions.values()
                    if spec.on_failure_queue == name]}
                for name in self.queues.names]

    def redrive(self, queue: str, message_id: str | None = None) -> list[dict[str, str]]:
        """Invoke each dead letter of ``queue`` (or the one ``message_id``) again, asynchronously."""
        messages = [m for m in self.queues.peek(queue) if message_id is None or m.id == message_id]
        if message_id is not None and not messages:
            raise QueueError(404, "MessageNotExist", f"no message {message_id!r} in the queue {queue!r}")
        redriven = []
        for message in messages:
            function, payload = self._target(queue, message)
            record = self.runtime.invoke_async(function, payload, source=f"redrive:{queue}")
            self.queues.delete(queue, message.id)
            redriven.append({"messageId": message.id, "function": function, "requestId": record.request_id})
        return redriven

    def _target(self, queue: str, message: Message) -> tuple[str, bytes]:
        try:
            body = json.loads(message.body)
        except ValueError:
            body = None
        context = body.get("requestContext") if isinstance(body, dict) else None
        if isinstance(context, dict) and isinstance(context.get("functionArn"), str):  # FC's destination record
            try:
                spec = self.runtime.find(context["functionArn"].rsplit("/", 1)[-1])
            except UnknownFunction as missing:
                raise QueueError(409, "NotRedrivable", str(missing)) from None
            return spec.resource, str(body.get("requestPayload") or "").encode("utf-8")
        stream = next((s for s in self.streams if s.trigger.dead_letter_queue == queue), None)
        if stream is None or body is None:
            raise QueueError(409, "NotRedrivable", f"message {message.id} is neither an FC destination record nor "
                             f"a dead letter of an MNS trigger")
        return stream.spec.resource, stream.payload([body])

    def start(self) -> Streams:
        if self._thread is None and self.streams:
            self._thread = threading.Thread(target=self._loop, name="fc-mns-streams", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.tick()
            now = self.runtime.clock()
            waits = [w for w in (s.seconds_until_due(now) for s in self.streams) if w is not None]
            self._wake.wait(min([MAX_NAP_SECONDS, *waits]))
            self._wake.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _decoded(body: str) -> str:
    """What EventBridge delivers for ``IsBase64Decode``: the body's base64 decoded as UTF-8 text."""
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # not base64 of text: as it is
        return body

"""The local FC runtime: every ``s.yaml`` function, invoked synchronously or asynchronously.

Sync invocations answer with the handler's :class:`~emulator.fc.instances.Outcome`; FC never
retries them. Async invocations (the invoke API with ``X-Fc-Invocation-Type: Async``, timer
firings, event-bus and MNS-trigger deliveries, redrives) run in the background and are retried
as FC 3.0 retries them (docs "重试机制", help.aliyun.com/zh/functioncompute/user-guide/error-handling):

- a function error (the handler raised, timed out, or its instance exited: FC's
  ``UnhandledInvocationError``) is retried up to ``asyncInvokeConfig.maxAsyncRetryAttempts``
  times (so ``1 + retries`` attempts), after a bounded exponential backoff (:class:`RetryPolicy`);
- a failure of the platform (FC's 500/503; locally ``InstanceFailed``, the runtime lost the
  instance) is retried with binary exponential backoff (0.5 s, 1 s, 2 s, ...) for up to 5 hours
  and does not count against ``maxAsyncRetryAttempts``;
- an event older than ``maxAsyncEventAgeInSeconds`` when taken for a retry is given up.

What is given up goes to the on-failure destination when it is an MNS queue of the project
(:class:`~emulator.fc.mns.LocalQueues`), as FC's destination record
(:func:`~emulator.fc.events.failure_record`). Each invocation is kept as an
:class:`AsyncInvocation` with its attempts. A function whose code does not exist yet is
reported, never retried nor sent to the destination (FC's ``Invalid``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emulator.fc.events import RoleCredentials, context_fields, failure_record, iso_utc_millis, request_id
from emulator.fc.instances import InstancePool, Outcome
from emulator.fc.mns import LocalQueues
from emulator.fc.project import LOCAL_ACCOUNT_ID, FunctionSpec, Project

STRIPPED_PREFIXES = ("SMS_", "FC_", "ALIBABA_CLOUD_")  # the developer's shell settings: FC never sees them
MAX_RECORDS = 500
SYSTEM_ERRORS = frozenset({"InstanceFailed"})  # the platform failed, not the function: FC's 500/503
SYSTEM_RETRY_SECONDS = 5 * 3600  # FC retries those for 5 hours
EXHAUSTED = "UnhandledInvocationError"  # the destination record's condition when the retries are spent
EXPIRED = "MaxEventAgeExceeded"  # ... when the event got too old (our name: FC publishes none)


class UnknownFunction(LookupError):
    """No such function in s.yaml."""


class UnavailableFunction(LookupError):
    """The function is declared in s.yaml but its code is not there (yet)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before retry ``n`` (1-based): ``base * 2**(n-1)``, at most ``cap`` seconds."""

    base: float = 0.5
    cap: float = 4.0

    def delay(self, retry: int) -> float:
        return float(min(self.base * 2 ** (retry - 1), self.cap))

    @staticmethod
    def system_delay(retry: int) -> float:
        """FC's binary exponential backoff after a platform error: 0.5 s, 1 s, 2 s, 4 s, ... (no cap)."""
        return 0.5 * 2.0 ** (retry - 1)


@dataclass
class AsyncInvocation:
    """One async invocation (a delivery) and its attempts."""

    request_id: str
    function: str
    source: str  # "invoke", "timer:<trigger>", "eventbus:<bus>", "mns:<trigger>" or "redrive:<queue>"
    max_attempts: int
    created: datetime
    event_id: str | None = None
    status: str = "pending"  # pending, running, retrying, succeeded, failed
    attempts: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None
    on_failure: str | None = None
    dead_letter: dict[str, str] | None = None  # {"queue", "messageId"} once sent to the on-failure queue
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"requestId": self.request_id, "function": self.function, "source": self.source,
                "eventId": self.event_id, "status": self.status, "maxAttempts": self.max_attempts,
                "attempts": list(self.attempts), "createdAt": iso_utc_millis(self.created)}
        if self.reason:
            data["reason"] = self.reason
        if self.status == "failed" and self.on_failure:
            data["onFailureDestination"] = self.on_failure
        if self.dead_letter:
            data["deadLetter"] = dict(self.dead_letter)
        return data


class Runtime:
    """Runs the functions of one :class:`Project` against local settings."""

    def __init__(self, project: Project, root: Path, *, overrides: Mapping[str, str] | None = None,
                 credentials: RoleCredentials | None = None, account_id: str = LOCAL_ACCOUNT_ID,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], Any] | None = None,
                 clock: Callable[[], datetime] | None = None, max_instances: int = 4,
                 python: str = sys.executable, base_environ: Mapping[str, str] | None = None,
                 queues: LocalQueues | None = None) -> None:
        self.project = project
        self.queues = queues
        self.root = root
        self.overrides = dict(overrides or {})
        self.credentials = credentials or RoleCredentials()
        self.account_id = account_id
        self.retry = retry or RetryPolicy()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._stopping = threading.Event()
        self._sleep = sleep if sleep is not None else self._stopping.wait
        self._base = dict(os.environ if base_environ is None else base_environ)
        self._pools = {name: InstancePool(spec, self._environment_for(spec), root, max_instances, python)
                       for name, spec in project.functions.items()}
        self._records: list[AsyncInvocation] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fc-async")

    def find(self, name: str) -> FunctionSpec:
        """The function named ``name`` (resource name or functionName), or UnknownFunction."""
        spec = self.project.find(name)
        if spec is None:
            known = ", ".join(self.project.functions)
            raise UnknownFunction(f"function {name!r} does not exist (s.yaml declares: {known})")
        return spec

    def environment(self, spec: FunctionSpec, instance: int = 1) -> dict[str, str]:
        """An instance's environment: s.yaml's variables, then the local overrides, then FC's own."""
        env = {key: value for key, value in self._base.items() if not key.startswith(STRIPPED_PREFIXES)}
        env.update(spec.environment)
        env.update(self.overrides)
        env["PYTHONPATH"] = str(self.root)  # s.yaml says /code/python: locally shared/ is at the root
        env.update({
            "FC_FUNCTION_NAME": spec.name, "FC_FUNCTION_HANDLER": spec.handler,
            "FC_FUNCTION_MEMORY_SIZE": str(spec.memory), "FC_REGION": spec.region,
            "FC_ACCOUNT_ID": self.account_id, "FC_RUNTIME": spec.runtime,
            "FC_INSTANCE_ID": f"c-local-{spec.resource}-{instance}",
        })
        return env

    def _environment_for(self, spec: FunctionSpec) -> Callable[[int], dict[str, str]]:
        return lambda instance: self.environment(spec, instance)

    def context(self, spec: FunctionSpec, rid: str) -> dict[str, Any]:
        return context_fields(request_id=rid, credentials=self.credentials, function_name=spec.name,
                              handler=spec.handler, memory=spec.memory, timeout=spec.timeout,
                              service=self.project.name, region=spec.region, account_id=self.account_id)

    def invoke(self, name: str, event: bytes, rid: str | None = None) -> Outcome:
        """Run the function once and wait for it; UnknownFunction / UnavailableFunction when it cannot run."""
        spec = self.find(name)
        reason = spec.missing_code()
        if reason:
            raise UnavailableFunction(reason)
        return self._pools[spec.resource].invoke(event, self.context(spec, rid or request_id()))

    def invoke_async(self, name: str, event: bytes, *, source: str = "invoke", rid: str | None = None,
                     event_id: str | None = None) -> AsyncInvocation:
        """Queue an async invocation (UnknownFunction at once when there is no such function)."""
        spec = self.find(name)
        record = AsyncInvocation(rid or request_id(), spec.resource, source, 1 + max(0, spec.async_retries),
                                 self.clock(), event_id, on_failure=spec.on_failure)
        with self._lock:
            self._records.append(record)
            del self._records[:-MAX_RECORDS]
        self._executor.submit(self._run_async, spec, event, record)
        return record

    def invocations(self, source: str | None = None, function: str | None = None) -> list[AsyncInvocation]:
        """Async invocations, newest first, optionally only those from ``source`` / of ``function``."""
        with self._lock:
            records = list(reversed(self._records))
        return [r for r in records if (source is None or r.source == source)
                and (function is None or r.function == function)]

    def _run_async(self, spec: FunctionSpec, event: bytes, record: AsyncInvocation) -> None:
        try:
            self._attempts(spec, event, record)
        except Exception as error:  # noqa: BLE001 - a runtime bug must not leave the record pending
            record.status, record.reason = "failed", f"the local runtime failed: {error!r}"
        finally:
            record.done.set()

    def _attempts(self, spec: FunctionSpec, event: bytes, record: AsyncInvocation) -> None:
        failures = 0  # function errors: they count against maxAsyncRetryAttempts
        platform = 0  # the platform's errors: retried for hours, not counted
        outcome: Outcome | None = None
        while True:
            if outcome is not None:  # a retry: wait, then look at the event's age as FC does when it dequeues
                system = _error_type(outcome) in SYSTEM_ERRORS
                record.status = "retrying"
                self._sleep(self.retry.system_delay(platform) if system else self.retry.delay(failures))
                if self._stopping.is_set():
                    record.status, record.reason = "failed", "the runtime stopped"
                    return
                age = (self.clock() - record.created).total_seconds()
                if age > spec.max_event_age or (system and age > SYSTEM_RETRY_SECONDS):
                    self._give_up(spec, event, record, outcome, EXPIRED,
                                  "the event is older than maxAsyncEventAgeInSeconds")
                    return
            record.status = "running"
            started = self.clock()
            try:
                outcome = self.invoke(spec.resource, event, record.request_id)
            except UnavailableFunction as missing:
                record.attempts.append(_attempt(len(record.attempts) + 1, started,
                                                Outcome.failure("FunctionUnavailable", str(missing))))
                record.status, record.reason = "failed", str(missing)
                return
            record.attempts.append(_attempt(len(record.attempts) + 1, started, outcome))
            if outcome.ok:
                record.status = "succeeded"
                return
            if _error_type(outcome) in SYSTEM_ERRORS:
                platform += 1
                continue
            failures += 1
            if failures >= record.max_attempts:
                self._give_up(spec, event, record, outcome, EXHAUSTED, f"all {record.max_attempts} attempts failed")
                return

    def _give_up(self, spec: FunctionSpec, event: bytes, record: AsyncInvocation, outcome: Outcome,
                 condition: str, reason: str) -> None:
        """Mark the invocation failed and hand it to the on-failure destination when that is a local queue."""
        record.status, record.reason = "failed", reason
        queue = spec.on_failure_queue
        if queue is None or self.queues is None or queue not in self.queues.names:
            return
        system = _error_type(outcome) in SYSTEM_ERRORS
        body = failure_record(request_id=record.request_id, function_arn=self.function_arn(spec),
                              condition=condition, invoke_count=len(record.attempts), payload=event,
                              status=500 if system else 200, function_error="" if system else EXHAUSTED,
                              response=outcome.body(), now=self.clock())
        message = self.queues.send(queue, json.dumps(body, ensure_ascii=False), self.clock())
        record.dead_letter = {"queue": queue, "messageId": message.id}

    def function_arn(self, spec: FunctionSpec) -> str:
        """FC 3.0's function ARN: ``acs:fc:<region>:<account>:functions/<functionName>``."""
        return f"acs:fc:{spec.region}:{self.account_id}:functions/{spec.name}"

    def close(self) -> None:
        """Stop retrying, stop every instance."""
        self._stopping.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        for pool in self._pools.values():
            pool.close()

    def cold_starts(self, name: str) -> int:
        return self._pools[self.find(name).resource].started


def _error_type(outcome: Outcome) -> str:
    return str((outcome.error or {}).get("errorType") or "")


def _attempt(number: int, started: datetime, outcome: Outcome) -> dict[str, Any]:
    attempt: dict[str, Any] = {"attempt": number, "startedAt": iso_utc_millis(started), "ok": outcome.ok,
                               "durationMs": outcome.duration_ms}
    if not outcome.ok and outcome.error:
        attempt["error"] = {"errorType": outcome.error.get("errorType"),
                            "errorMessage": outcome.error.get("errorMessage")}
    return attempt

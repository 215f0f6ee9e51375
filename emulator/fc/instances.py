"""Function instances as processes (``worker.py``), pooled per function.

Why processes and not imports into the runtime's own process: the four functions have
different environments (``s.yaml`` gives each its own ``SMS_*``), ``os.environ`` is one per
process, and ``shared`` keeps one App per process (``shared.elements.runtime``) built from the
environment of the first call. In one process the second function would run with the first
one's settings. A process per instance is what FC does: its own environment, module globals
that stay warm between requests, one request at a time (FC 3.0 built-in runtimes), more
instances when requests overlap, a kill when the function's ``timeout`` passes.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from emulator.fc.project import FunctionSpec

WORKER = Path(__file__).with_name("worker.py")
STOP_GRACE_SECONDS = 2.0


@dataclass
class Outcome:
    """What one invocation gave: the handler's value, or FC's error body."""

    ok: bool
    kind: str = "json"  # how the value came back: "json", "str" or "bytes"
    value: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @classmethod
    def failure(cls, error_type: str, message: str, duration_ms: float = 0.0) -> Outcome:
        return cls(False, error={"errorMessage": message, "errorType": error_type}, duration_ms=duration_ms)

    def body(self) -> bytes:
        """The bytes FC answers with: bytes as they are, text as UTF-8, anything else as JSON."""
        if not self.ok:
            return json.dumps(self.error, ensure_ascii=False).encode("utf-8")
        if self.kind == "bytes":
            return bytes(self.value)
        if self.kind == "str":
            return str(self.value).encode("utf-8")
        return json.dumps(self.value, ensure_ascii=False).encode("utf-8")


def decode_answer(answer: dict[str, Any], duration_ms: float) -> Outcome:
    if not answer.get("ok"):
        return Outcome(False, error=answer.get("error") or {}, duration_ms=duration_ms)
    result = answer.get("result") or {}
    kind, data = result.get("kind", "json"), result.get("data")
    value = base64.b64decode(str(data)) if kind == "bytes" else data
    return Outcome(True, kind, value, duration_ms=duration_ms)


class FunctionInstance:
    """One worker process; the pool guarantees one request at a time."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], root: Path,
                 python: str = sys.executable) -> None:
        self.spec = spec
        self._buffer = b""
        self.process = subprocess.Popen(
            [python, str(WORKER), str(spec.code_dir), spec.handler, str(root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, cwd=str(root),
            start_new_session=True,  # Ctrl-C in make dev's terminal is for make dev: it stops the instances
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def invoke(self, event: bytes, context: dict[str, Any], timeout: float) -> Outcome:
        """One request and its answer. Anything but an answer (the instance exited, timed out, or
        its pipe broke or gave something that is not an answer) stops the instance: it is never used
        again. The handler may have run, so the outcome says so."""
        started = time.monotonic()
        request = {"event": base64.b64encode(event).decode("ascii"), "context": context}
        try:
            stdin = self._pipe(self.process.stdin)
            stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            stdin.flush()
            line = self._read_line(started + timeout)
            if line is not None:
                return decode_answer(json.loads(line), _ms(started))
        except (BrokenPipeError, EOFError, OSError):
            self.stop()
            return Outcome.failure("InstanceExited", f"the function instance exited (code {self.process.poll()})",
                                   _ms(started))
        except Exception as error:  # noqa: BLE001 - a failure of the runtime, not of the handler
            self.stop()
            return Outcome.failure("InstanceFailed", f"the local runtime lost the function instance "
                                   f"({type(error).__name__}: {error}); the handler may have run", _ms(started))
        self.stop()
        return Outcome.failure("FunctionTimeout", f"Function timed out after {timeout:g} seconds", _ms(started))

    def _read_line(self, deadline: float) -> bytes | None:
        """The next line of the answer pipe, or None at the deadline. A selector, not ``select()``,
        which refuses file descriptors past 1023 (a busy gateway with many open connections)."""
        stdout = self._pipe(self.process.stdout)
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if selector.select(remaining):
                    chunk = os.read(stdout.fileno(), 1 << 16)
                    if not chunk:
                        raise EOFError
                    self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    @staticmethod
    def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
        if stream is None:
            raise OSError("no pipe to the instance")
        return stream

    def stop(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        try:
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class InstancePool:
    """The instances of one function: idle ones are reused (warm); busy ones make the next
    request start another, up to ``max_instances`` (then it waits)."""

    def __init__(self, spec: FunctionSpec, environment: Callable[[int], dict[str, str]], root: Path,
                 max_instances: int = 4, python: str = sys.executable) -> None:
        self.spec = spec
        self._environment = environment
        self._root = root
        self._python = python
        self._max = max_instances
        self._idle: list[FunctionInstance] = []
        self._count = 0
        self._started = 0
        self._closed = False
        self._condition = threading.Condition()

    @property
    def started(self) -> int:
        """Instances started so far (cold starts)."""
        return self._started

    def invoke(self, event: bytes, context: dict[str, Any]) -> Outcome:
        instance = self._acquire()
        reusable = False
        try:
            outcome = instance.invoke(event, context, float(self.spec.timeout))
            reusable = True
            return outcome
        finally:
            self._release(instance, reusable)

    def _acquire(self) -> FunctionInstance:
        with self._condition:
            while True:
                if self._closed:
                    raise RuntimeError("the runtime is stopped")
                while self._idle:
                    instance = self._idle.pop()
                    if instance.alive:
                        return instance
                    self._count -= 1
                if self._count < self._max:
                    self._count += 1
                    self._started += 1
                    number = self._started
                    break
                self._condition.wait()
        try:
            return FunctionInstance(self.spec, self._environment(number), self._root, self._python)
        except OSError:
            with self._condition:
                self._count -= 1
                self._condition.notify()
            raise

    def _release(self, instance: FunctionInstance, reusable: bool) -> None:
        """Back to the idle list if it answered and lives; otherwise it is stopped and forgotten."""
        with self._condition:
            if reusable and instance.alive and not self._closed:
                self._idle.append(instance)
            else:
                self._count -= 1
                if instance.alive:
                    instance.stop()
            self._condition.notify()

    def close(self) -> None:
        with self._condition:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._condition.notify_all()
        for instance in idle:
            instance.stop()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)

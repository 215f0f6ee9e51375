"""The local FC side assembled: runtime, timers, event bus, MNS queues and triggers, and their HTTP
front on 127.0.0.1.

``local_overrides`` is what turns ``s.yaml``'s production settings into local ones: every SDK
endpoint at the emulator, the SQLite store in the state directory, the elements from a local
directory. Everything else in ``s.yaml`` (API key secret name, report URL, log level...) is
kept, its ``${vars.*}`` resolved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from emulator.core.server import EmulatorHTTPServer
from emulator.fc.bus import EventBus
from emulator.fc.events import RoleCredentials
from emulator.fc.gateway import Gateway
from emulator.fc.mns import LocalQueues
from emulator.fc.project import LOCAL_ACCOUNT_ID, load_project
from emulator.fc.runtime import RetryPolicy, Runtime
from emulator.fc.streams import Streams
from emulator.fc.timer import TimerScheduler

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BUSES: dict[str, list[str]] = {"sms-fc-workflow": ["approval_notify"]}


def local_overrides(emulator_endpoint: str, state_dir: Path, elements: Path) -> dict[str, str]:
    return {
        "SMS_DYSMS_ENDPOINT": emulator_endpoint,
        "SMS_KMS_ENDPOINT": emulator_endpoint,
        "SMS_OSS_ENDPOINT": emulator_endpoint,
        "SMS_ELEMENTS_SOURCE": str(elements),
        "SMS_STORE_URL": f"sqlite:///{state_dir / 'sms-fc.db'}",
    }


@dataclass
class StackOptions:
    s_yaml: Path = ROOT / "s.yaml"
    root: Path = ROOT
    elements: Path = ROOT / "examples" / "elements"
    state_dir: Path = ROOT / ".dev"
    host: str = "127.0.0.1"
    port: int = 0
    buses: Mapping[str, Sequence[str]] = field(default_factory=lambda: dict(DEFAULT_BUSES))
    credentials: RoleCredentials = field(default_factory=RoleCredentials)
    account_id: str = LOCAL_ACCOUNT_ID
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Any] | None = None
    clock: Callable[[], datetime] | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    timers: bool = True
    streams: bool = True  # drain the MNS queues in a thread (off: call ``stack.streams.tick()``)
    uniform: Callable[[float, float], float] | None = None  # BACKOFF_RETRY's random delay


class LocalStack:
    """Build with the emulator's endpoint, ``start()``, then ``endpoint`` serves the functions."""

    def __init__(self, emulator_endpoint: str, options: StackOptions | None = None) -> None:
        self.options = opts = options or StackOptions()
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        project = load_project(opts.s_yaml, account_id=opts.account_id)
        overrides = {**local_overrides(emulator_endpoint, opts.state_dir, opts.elements), **opts.extra_env}
        self.queues = LocalQueues(project.queues())
        self.runtime = Runtime(project, opts.root, overrides=overrides, credentials=opts.credentials,
                               account_id=opts.account_id, retry=opts.retry, sleep=opts.sleep, clock=opts.clock,
                               queues=self.queues)
        try:
            self.timers = TimerScheduler(self.runtime)
            self.bus = EventBus(self.runtime, opts.buses)
            self.streams = Streams(self.runtime, self.queues, sleep=opts.sleep, uniform=opts.uniform)
        except Exception:
            self.runtime.close()
            raise
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def create_server(self) -> EmulatorHTTPServer:
        """The gateway's HTTP server, bound to the options' host and port and not yet serving."""
        gateway = Gateway(self.runtime, self.timers, self.bus, self.streams)
        return EmulatorHTTPServer((self.options.host, self.options.port), gateway)

    def start(self) -> LocalStack:
        if self._server is None:
            server = self.create_server()
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="fc-gateway", daemon=True)
            self._thread.start()
            if self.options.timers:
                self.timers.start()
            if self.options.streams:
                self.streams.start()
        return self

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the local stack is not started")
        return f"http://{self.options.host}:{self._server.server_address[1]}"

    def stop(self) -> None:
        self.timers.stop()
        self.streams.stop()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.runtime.close()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

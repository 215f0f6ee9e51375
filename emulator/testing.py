"""Run the emulator in-process on a background thread (tests, benchmarks, notebooks)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol

from emulator.app import create_server
from emulator.core.server import EmulatorHTTPServer
from emulator.sms.pusher import Pusher
from emulator.state import Emulator


class EmulatorServer:
    """A threaded emulator server on ``host``:``port`` (``0`` = a free port).

    Example
    -------
    >>> with EmulatorServer(seed={"accessKeys": {"AK": "secret"}}) as server:
    ...     server.endpoint.startswith("http://127.0.0.1:")
    True
    """

    def __init__(self, seed: Mapping[str, Any] | None = None, host: str = "127.0.0.1", port: int = 0,
                 random_seed: int = 0, emulator: Emulator | None = None) -> None:
        self.state = emulator if emulator is not None else Emulator(seed, random_seed)
        self.host = host
        self._requested_port = port
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pusher: Pusher | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator server is not started")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``, for ``SMS_*_ENDPOINT`` style settings."""
        return f"http://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        """``127.0.0.1:PORT``, for the OpenAPI SDK's ``Config.endpoint`` (with ``protocol='http'``)."""
        return f"{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        """Serve on a background thread; a second thread POSTs receipt and reply pushes (emulator.sms.pusher)."""
        if self._server is not None:
            return self
        self._server = create_server(self.state, self.host, self._requested_port)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"emulator-{self.port}", daemon=True)
        self._thread.start()
        self._pusher = Pusher(self.state.sms.pushes).start()
        return self

    def stop(self) -> None:
        """Stop pushing and serving and cut every open connection (keep-alive clients included)."""
        server, thread, pusher = self._server, self._thread, self._pusher
        if server is None:
            return
        if pusher is not None:
            pusher.stop()
            self._pusher = None
        server.shutdown()
        server.server_close()
        server.close_connections()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class Stoppable(Protocol):
    def stop(self) -> None: ...


def serve_until_signalled(server: Stoppable, banner: str) -> None:
    """Print ``banner`` once serving, then serve until SIGINT or SIGTERM and stop ``server`` cleanly."""
    import signal

    stopping = threading.Event()

    def request_stop(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(banner, flush=True)
    while not stopping.wait(0.5):
        pass
    server.stop()

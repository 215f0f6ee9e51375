"""A tiny HTTP receiver on 127.0.0.1 (port 0) for the emulator's receipt and reply pushes.

It records every request and answers each from a script (``answer_with``), then with Aliyun's
documented answer ``{"code": 0, "msg": "接收成功"}``. ``hold()`` makes it hold answers until
``release()`` (to time a push out, or to show requests are not blocked behind one).
"""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DOCUMENTED_ANSWER = json.dumps({"code": 0, "msg": "接收成功"}, ensure_ascii=False)
WAIT_SECONDS = 30.0  # only bounds a hang


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The emulator hung up (a push timed out): nothing to report."""


class PushReceiver:
    def __init__(self) -> None:
        self.requests: queue.Queue[Received] = queue.Queue()
        self._answers: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.put(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                receiver._released.wait(WAIT_SECONDS)
                status, text = receiver._next_answer()
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = QuietServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="push-receiver", daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer_with(self, *answers: tuple[int, str]) -> None:
        """Answer the next requests with these ``(status, body)`` pairs, in order; then the documented answer."""
        with self._lock:
            self._answers.extend(answers)

    def _next_answer(self) -> tuple[int, str]:
        with self._lock:
            return self._answers.pop(0) if self._answers else (200, DOCUMENTED_ANSWER)

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def next(self) -> Received:
        """The next request received (waits for it)."""
        return self.requests.get(timeout=WAIT_SECONDS)

    def received_now(self) -> list[Received]:
        """Every request received so far and not yet taken."""
        taken = []
        while True:
            try:
                taken.append(self.requests.get_nowait())
            except queue.Empty:
                return taken

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

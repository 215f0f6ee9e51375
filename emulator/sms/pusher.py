"""The background thread that POSTs due pushes, one at a time, and records how each attempt went.

It sleeps until the next push falls due on the emulator's clock, or until something changes (a
send settles into receipts, a reply is added, a test moves the clock); requests never wait for it.
Each POST is bounded by the push timeout (``timeoutMs``) and its answer by 64 KiB; the thread is
a daemon and stops with the server (:class:`emulator.testing.EmulatorServer`).
"""

from __future__ import annotations

import http.client
import logging
import threading
from urllib.parse import urlsplit

from emulator.sms.push_queue import PushQueue
from emulator.sms.pushes import Attempt

logger = logging.getLogger("emulator")
MAX_ANSWER_BYTES = 64 * 1024
MAX_IDLE_SECONDS = 1.0  # look again at least this often, whatever happens
USER_AGENT = "sms-fc-emulator-push/1"


def post(url: str, body: bytes, timeout: float) -> tuple[int | None, str, str | None]:
    """POST ``body`` as JSON to ``url``: ``(status, answer text, error)``; status None when no answer came."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    headers = {"Content-Type": "application/json;charset=utf-8", "User-Agent": USER_AGENT}
    try:
        connection.request("POST", target, body, headers)
        response = connection.getresponse()
        answer = response.read(MAX_ANSWER_BYTES).decode("utf-8", "replace")
        return response.status, answer, None
    except TimeoutError:
        return None, "", f"no answer within {round(timeout * 1000)} ms"
    except (OSError, http.client.HTTPException) as error:
        return None, "", f"{type(error).__name__}: {error}"
    finally:
        connection.close()


class Pusher:
    """One daemon thread over one :class:`PushQueue`."""

    def __init__(self, queue: PushQueue) -> None:
        self.queue = queue
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Pusher:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="emulator-pusher", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the POST in flight, if any (bounded by its timeout)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        self.queue.poke()
        thread.join(timeout=5 + self.queue.settings.timeout_ms / 1000)
        self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:  # never let a bug end the thread
                logger.exception("emulator pusher failed")
                self._stopping.wait(MAX_IDLE_SECONDS)

    def _step(self) -> None:
        push, changes, wait = self.queue.take_due()
        if push is None:
            self.queue.wait_for_change(changes, MAX_IDLE_SECONDS if wait is None else min(wait, MAX_IDLE_SECONDS))
            return
        started = self.queue.clock.now()
        status: int | None = None
        error: str | None
        answer, error = "", "the emulator failed to push (see its log)"  # unless post() returns
        try:
            status, answer, error = post(push.url, push.body(), self.queue.settings.timeout_ms / 1000)
        finally:
            self.queue.record(push, Attempt(started, status, answer, error))

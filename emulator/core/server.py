"""A threaded HTTP/1.1 server that turns each request into a :class:`Request` and dispatches it."""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emulator.core.exchange import JSON_CONTENT_TYPE, Headers, Request, Response

Dispatch = Callable[[Request], Response]
logger = logging.getLogger("emulator")

IDLE_TIMEOUT_SECONDS = 120
MAX_BODY_BYTES = 64 * 1024 * 1024


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer on daemon threads that remembers open connections so ``stop`` can cut them.

    Without that, a client's pooled keep-alive connection would keep being served after the
    listening socket is closed. The emulator and the local FC gateway (``emulator.fc.stack``) both
    serve on it.
    """

    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog: connections the kernel queues while the accept loop is busy. socketserver's
    # default of 5 dropped the SYNs of a burst of 32 clients (1 s+ stalls, then resets on timeouts);
    # Linux caps it at net.core.somaxconn (4096 by default).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        self.dispatch = dispatch
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (timeouts, resets) are normal here; anything else is logged."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        logger.exception("emulator connection from %s failed", client_address)

    def close_connections(self) -> None:
        """Shut down every open client connection (their handler threads then exit)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RequestHandler(BaseHTTPRequestHandler):
    """Reads one request (Content-Length or chunked body), dispatches it, writes the response."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    wbufsize = 1 << 16  # headers and body leave in one write (flushed per response)
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        logger.debug("%s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError as error:
            self._write(Response.json({"Code": "InvalidRequest", "Message": str(error)}, status=400))
            self.close_connection = True
            return
        request = Request.from_target(self.command, self.path, Headers(self.headers.items()), body,
                                      client=(str(self.client_address[0]), int(self.client_address[1])))
        response = self._dispatch(request)
        if response.drop:
            self._drop()
            return
        self._write(response)

    def _dispatch(self, request: Request) -> Response:
        try:
            return self.server.dispatch(request)
        except Exception:  # never let a bug become a traceback on the wire
            logger.exception("emulator failed on %s %s", request.method, request.path)
            body = {"Code": "InternalError", "Message": "The emulator failed on this request.",
                    "RequestId": "", "HostId": "emulator", "Recommend": ""}
            return Response.json(body, status=500)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length") or "0"
        try:
            length = int(length_text)
        except ValueError:
            raise ValueError(f"bad Content-Length {length_text!r}") from None
        if length < 0 or length > MAX_BODY_BYTES:
            raise ValueError(f"Content-Length {length} out of range")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            size = int(size_line or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise ValueError("chunked body too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _write(self, response: Response) -> None:
        """Status, headers (a JSON content type unless the response names one or has no body; the
        response's own ``Server`` replaces http.server's), one write."""
        headers = {"Content-Type": JSON_CONTENT_TYPE, **response.headers} if response.body else dict(response.headers)
        try:
            self.log_request(response.status)
            self.send_response_only(response.status)
            self.send_header("Server", headers.pop("Server", "") or self.version_string())
            self.send_header("Date", self.date_time_string())
            for name, value in headers.items():
                if name.lower() not in ("content-length", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and response.body:
                self.wfile.write(response.body)
            self.wfile.flush()
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self) -> None:
        """Close the socket without a single byte of response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

"""A burst of clients that arrive faster than a server accepts them: what its listen backlog is for."""

from __future__ import annotations

import socket
import threading

from race_support import race

from emulator.core.server import EmulatorHTTPServer

CONNECT_GUARD = 20.0  # seconds: guards against a hang, never measurements
ANSWER_GUARD = 60.0


def burst(server: EmulatorHTTPServer, request: bytes, clients: int) -> list[bytes]:
    """Connect ``clients`` sockets to a bound server whose accept loop is not running yet, then
    serve and send ``request`` on every socket at once; returns each client's whole answer.

    Until ``serve_forever`` runs, nothing accepts: every connection must wait in the kernel's
    listen queue. A connection beyond the backlog gets no SYN-ACK (its SYN is dropped), so its
    ``connect`` does not return and fails after ``CONNECT_GUARD`` seconds: the burst is refused.
    ``request`` should say ``Connection: close`` so that an answer ends at EOF.
    """
    address = server.server_address[:2]
    sockets: list[socket.socket] = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    try:
        for number in range(1, clients + 1):
            try:
                sockets.append(socket.create_connection(address, timeout=CONNECT_GUARD))
            except TimeoutError:
                message = f"connection {number} of {clients} was not queued: the backlog is too small"
                raise AssertionError(message) from None
        thread.start()
        return race(lambda index: _exchange(sockets[index], request), clients, timeout=ANSWER_GUARD * 2)
    finally:
        for client in sockets:
            client.close()
        if thread.is_alive():
            server.shutdown()
            thread.join(ANSWER_GUARD)
        server.server_close()
        server.close_connections()


def _exchange(client: socket.socket, request: bytes) -> bytes:
    client.settimeout(ANSWER_GUARD)
    client.sendall(request)
    chunks = []
    while chunk := client.recv(1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def status(answer: bytes) -> int:
    """The status code of a raw HTTP/1.1 answer."""
    return int(answer.split(b" ", 2)[1])

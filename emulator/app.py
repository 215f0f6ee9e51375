"""Wiring: an :class:`Emulator` behind the router, control API, FC invoke API and threaded HTTP server."""

from __future__ import annotations

from emulator.control import Control
from emulator.core.routing import Router
from emulator.core.server import EmulatorHTTPServer
from emulator.fc.api import FunctionsApi
from emulator.oss.gateway import OssGateway
from emulator.state import Emulator


def create_router(emulator: Emulator) -> Router:
    return Router(emulator, Control(emulator), OssGateway(emulator), functions=FunctionsApi(emulator))


def create_server(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> EmulatorHTTPServer:
    """A bound (not yet serving) server; ``port=0`` picks a free port."""
    return EmulatorHTTPServer((host, port), create_router(emulator))

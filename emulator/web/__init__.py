"""The outbox page: plain HTML, CSS and JavaScript files beside this module, served as they are.

``GET /_emulator/outbox`` is the page, ``GET /_emulator/outbox/<file>`` its script and style sheet,
``GET /_emulator`` (and a browser's ``GET /``) redirect to it. The page reads the control API
(``/_emulator/sms/messages``, ``/_emulator/chaos``, ``/_emulator/sms/pushes``, ``/_emulator/sms/push``)
with ``fetch`` and posts replies to ``/_emulator/sms/replies``; nothing is built or rendered on the
server. Every answer carries a Content-Security-Policy that only allows the emulator's own files,
so message text can never run as script even if the page had a bug.
"""

from __future__ import annotations

from pathlib import Path

from emulator.core.exchange import Response

PAGE_PATH = "/_emulator/outbox"
ASSET_PREFIX = PAGE_PATH + "/"
FOLDER = Path(__file__).resolve().parent
PAGE_FILE = "outbox.html"
ASSETS = {
    "outbox.js": "text/javascript; charset=utf-8",
    "outbox.css": "text/css; charset=utf-8",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _file(name: str, content_type: str) -> Response:
    body = (FOLDER / name).read_bytes()
    return Response(200, body, {"Content-Type": content_type, **SECURITY_HEADERS})


def page() -> Response:
    """The outbox page itself."""
    return _file(PAGE_FILE, "text/html; charset=utf-8")


def asset(name: str) -> Response | None:
    """One of the page's files by name, or None for any other name (no paths, no other files)."""
    content_type = ASSETS.get(name)
    return None if content_type is None else _file(name, content_type)


def redirect_to_page() -> Response:
    return Response(302, b"", {"Location": PAGE_PATH, "Cache-Control": "no-store"})

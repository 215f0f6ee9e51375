"""One JSON object per log line, with the request's context bound once per invocation.

A lean writer rather than the ``logging`` machinery: it runs on every send, and costs a
third as much. Lines go to whatever ``sys.stdout`` is at the time (FC collects stdout).
``SMS_LOG_LEVEL`` (DEBUG, INFO, WARNING, ERROR; default INFO) sets the threshold.

Callers pass only safe fields: masked phones, counts, codes. Values of template parameters,
verification codes and secrets never reach a log call (see ``shared.sms.phones.mask_phone``).
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
MAX_TEXT_CHARS = 200  # a string field longer than this (a caller's 300 KB templateCode) is cut
CAUSE_FRAMES = 8  # stack frames of an internal error's cause, innermost last
_NUMBER = re.compile(r"(?<![0-9])(?:\+?86)?(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")  # in every match of _NUMBER: a quick "none here" (5x faster)
# a URL's query string: an SDK's transport errors quote the request URL, and a SendSms URL carries
# TemplateParam (a verification code) and PhoneNumbers
_URL_QUERY = re.compile(r"\?[\w.~%-]+=[^\s'\"]*")

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("sms_log_context", default={})  # noqa: B039
_write_lock = threading.Lock()
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # json.dumps(..., options) builds one a call
_stream: TextIO | None = None
_threshold: int | None = None


def set_stream(stream: TextIO | None) -> None:
    """Send log lines to ``stream`` (None: the current ``sys.stdout``)."""
    global _stream
    _stream = stream


def set_level(level: str | None) -> None:
    """Set the threshold by name; None re-reads ``SMS_LOG_LEVEL`` on the next line."""
    global _threshold
    _threshold = None if level is None else LEVELS.get(level.upper(), LEVELS["INFO"])


def log(level: str, message: str, **fields: Any) -> None:
    """Write one JSON line with ``fields`` beside the bound context."""
    if LEVELS[level] < _level():
        return
    now = time.time()
    line = {
        "level": level,
        "message": message,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z",
        **_context.get(),
        **{name: _cut(value) for name, value in fields.items()},
    }
    text = _encode(line) + "\n"
    with _write_lock:
        (_stream or sys.stdout).write(text)


def cause(exc: BaseException) -> dict[str, Any]:
    """An internal error's cause for a log line: its type, its message without URL query strings
    and with phone numbers masked, and where it was raised (the innermost frames)."""
    import traceback

    # walk_tb, not extract_tb: the frames' names and lines, without reading each source file for
    # its text (linecache stats every file, ~100 µs an error)
    frames = list(traceback.walk_tb(exc.__traceback__))[-CAUSE_FRAMES:]
    return {
        "errorType": type(exc).__name__,
        "errorMessage": _cut(mask_numbers(_URL_QUERY.sub("?<query>", str(exc)))),
        "frames": [f"{os.path.basename(frame.f_code.co_filename)}:{lineno} in {frame.f_code.co_name}"
                   for frame, lineno in frames],
    }


def mask_numbers(text: str) -> str:
    """Every mainland mobile number in ``text`` masked: ``13800138000`` → ``138****8000``."""
    if _ELEVEN_DIGITS.search(text) is None:
        return text
    return _NUMBER.sub(r"\1****\2", text)


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        return f"{value[:MAX_TEXT_CHARS]}…(+{len(value) - MAX_TEXT_CHARS} chars)"
    return value


def debug(message: str, **fields: Any) -> None:
    log("DEBUG", message, **fields)


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Bind fields (requestId, function, …) to every log line inside the block."""
    token = _context.set({**_context.get(), **{name: _cut(value) for name, value in fields.items()}})
    try:
        yield
    finally:
        _context.reset(token)


def _level() -> int:
    global _threshold
    if _threshold is None:
        _threshold = LEVELS.get(os.environ.get("SMS_LOG_LEVEL", "INFO").upper(), LEVELS["INFO"])
    return _threshold

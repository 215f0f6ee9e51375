"""One JSON object per log line, with the request's context bound once per invocation.

Callers pass only safe fields: masked phones, counts, codes. Values of template parameters,
verification codes and secrets never reach a log call (see ``shared.phones.mask_phone``).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("sms_log_context", default={})  # noqa: B039
_LOGGER_NAME = "sms"


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object: level, message, time, bound context, extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "level": record.levelname,
            "message": record.getMessage(),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
        }
        line.update(_context.get())
        line.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, default=str)


class StdoutHandler(logging.Handler):
    """Writes to whatever ``sys.stdout`` is at the time (FC collects stdout), or to ``stream``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            (self.stream or sys.stdout).write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break a request
            self.handleError(record)


def get_logger() -> logging.Logger:
    """The service logger; a JSON handler on stdout is attached on first use."""
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def log(level: int, message: str, **fields: Any) -> None:
    """Log one JSON line with ``fields`` beside the bound context."""
    logger = get_logger()
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"fields": fields})


def info(message: str, **fields: Any) -> None:
    log(logging.INFO, message, **fields)


def warning(message: str, **fields: Any) -> None:
    log(logging.WARNING, message, **fields)


def error(message: str, **fields: Any) -> None:
    log(logging.ERROR, message, **fields)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Bind fields (requestId, function, …) to every log line inside the block."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)

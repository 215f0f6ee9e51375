"""Who asked for the message being sent: the send log's ``requested_by``.

Callers above ``shared.sms`` set it around a send (``with asked_by("api_key:orders"): ...``):
the send_sms route ``api_key:<key id>``, an approval ``approval:<source>:<event id>``, a
verification code ``verify:<policy full name>``. A send nobody named is ``app`` (a direct
``sendMessage`` call). It is a context variable, so it follows a send into the worker threads
that copy the context (``contextvars.copy_context``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

DIRECT = "app"
_REQUESTED_BY: ContextVar[str] = ContextVar("sms_requested_by", default=DIRECT)


@contextmanager
def asked_by(who: str) -> Iterator[None]:
    """Name ``who`` as the requester of every send inside the block."""
    token = _REQUESTED_BY.set(who)
    try:
        yield
    finally:
        _REQUESTED_BY.reset(token)


def requested_by() -> str:
    """The requester named by the innermost :func:`asked_by`, else ``app``."""
    return _REQUESTED_BY.get()

"""Shared state behind one port: ``open_store(url)`` gives SQLite or Redis.

- ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db`` or ``sqlite:///:memory:``:
  the embedded store (one machine; ``:memory:`` is private to one store object).
- ``redis://[[user]:password@]host:port/db`` or ``rediss://…`` (TLS): shared by every instance.

Importing this package loads neither ``sqlite3`` nor ``redis``; ``open_store`` imports the
backend it needs, and neither connects before its first operation.

Example::

    with open_store(settings.store_url) as store:
        claim = store.claim("send_sms:key-1:abc", fingerprint, ttl=86400, lease=60)
        if claim.status == "claimed":
            store.complete("send_sms:key-1:abc", claim.token, {"status": 200}, ttl=86400)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from shared.errors import ConfigError
from shared.store.base import CLAIMED, DONE, IN_PROGRESS, MISMATCH, Claim, Store, StoreUnavailableError

__all__ = [
    "CLAIMED",
    "DONE",
    "IN_PROGRESS",
    "MISMATCH",
    "Claim",
    "Store",
    "StoreUnavailableError",
    "open_store",
]

VARIABLE = "SMS_STORE_URL"
_FORMS = "sqlite:///path.db, sqlite:///:memory:, redis://[:password@]host:port/db or rediss://…"


def open_store(url: str, *, clock: Callable[[], float] = time.time, prefix: str = "sms-fc:") -> Store:
    """The store at ``url``; ``clock`` (epoch seconds) decides every expiry.

    ``prefix`` starts every Redis key. Raises :class:`~shared.errors.ConfigError` naming
    ``SMS_STORE_URL`` when the URL is not one of the forms above.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        from shared.store.sqlite import SqliteStore

        return SqliteStore(sqlite_path(url), clock=clock)
    if scheme in ("redis", "rediss"):
        from shared.store.redis import RedisStore

        try:
            return RedisStore(url, clock=clock, prefix=prefix)
        except (ValueError, TypeError) as error:
            raise ConfigError(f"{VARIABLE} is not a usable Redis URL ({redact(url)}): {error}") from None
    raise ConfigError(f"{VARIABLE} must be one of {_FORMS}; got {redact(url)!r}")


def sqlite_path(url: str) -> str:
    """The file path of a ``sqlite:///`` URL, made absolute (``:memory:`` stays as it is)."""
    head, _, path = url.partition(":///")
    if head.lower() != "sqlite" or not path or "?" in path or "#" in path:
        raise ConfigError(f"{VARIABLE} must look like sqlite:///relative/path.db or sqlite:////absolute/path.db; "
                          f"got {redact(url)!r}")
    return path if path == ":memory:" else os.path.abspath(path)


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if parts.password is None:
        return url
    userinfo = f"{parts.username or ''}:***"
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{userinfo}@{host}").geturl()

"""Everything a store holds, as text, for tests that look for what must not be there."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

# A mainland mobile number standing alone (a JSON string, a column value), not a run of digits
# inside a hex or base64 token, where 11 digits in a row happen by chance.
LONE_NUMBER = re.compile(r"(?<![0-9A-Za-z+/])1[3-9][0-9]{9}(?![0-9A-Za-z+/=])")


def store_text(url: str | None = None) -> str:
    """Every row of the SQLite file (and its raw bytes), or every Redis key with its value."""
    url = url or os.environ["SMS_STORE_URL"]
    if url.startswith("sqlite:///"):
        return _sqlite_text(Path(url[len("sqlite:///"):]))
    return _redis_text(url)


def _sqlite_text(path: Path) -> str:
    parts = []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert tables, "the store has no tables: nothing was stored"
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - table names from sqlite_master
                parts.extend(_text(value) for value in row)
    finally:
        db.close()
    for suffix in ("", "-wal", "-journal"):  # free pages and the journal too: what was ever written
        raw = path.with_name(path.name + suffix)
        if raw.exists():
            parts.append(raw.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def _redis_text(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url)
    parts = []
    try:
        for key in client.scan_iter(count=1000):
            kind = client.type(key).decode()
            if kind == "string":
                values = [client.get(key)]
            elif kind == "hash":
                values = [item for pair in client.hgetall(key).items() for item in pair]
            elif kind == "zset":
                values = [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
            elif kind == "list":
                values = client.lrange(key, 0, -1)
            elif kind == "set":
                values = list(client.smembers(key))
            else:
                raise AssertionError(f"unexpected Redis type {kind} at {key!r}")
            parts.append(_text(key))
            parts.extend(_text(value) for value in values)
    finally:
        client.close()
    assert parts, "Redis holds no key: nothing was stored"
    return "\n".join(parts)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def numbers_in(text: str, numbers: list[str] | set[str]) -> list[str]:
    """Which of ``numbers`` appear in ``text``, and any other number standing alone."""
    return sorted({n for n in numbers if n in text} | set(LONE_NUMBER.findall(text)))

"""The request and response objects that routing, services and the control API exchange."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class Headers:
    """Case-insensitive, multi-valued HTTP headers that keep their order."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = [(str(name), str(value)) for name, value in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self._items:
            if key.lower() == lowered:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self._items if key.lower() == lowered]

    def names(self) -> set[str]:
        """Lower-cased names of every header present."""
        return {key.lower() for key, _ in self._items}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class Request:
    """One HTTP request as read off the wire.

    ``path`` is the raw (still percent-encoded) path, ``raw_query`` the raw query string and
    ``query`` its decoded ``(name, value)`` pairs in order, blank values kept.
    """

    method: str
    path: str
    raw_query: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client: tuple[str, int] = ("127.0.0.1", 0)
    query: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.query and self.raw_query:
            self.query = parse_qsl(self.raw_query, keep_blank_values=True)

    @classmethod
    def from_target(cls, method: str, target: str, headers: Headers, body: bytes,
                    client: tuple[str, int] = ("127.0.0.1", 0)) -> Request:
        """Build from a request line target such as ``/?Action=SendSms``."""
        path, _, raw_query = target.partition("?")
        return cls(method=method.upper(), path=path or "/", raw_query=raw_query, headers=headers,
                   body=body, client=client)

    def query_value(self, name: str) -> str | None:
        """The last value of a query parameter, or None."""
        found = None
        for key, value in self.query:
            if key == name:
                found = value
        return found

    def form(self) -> list[tuple[str, str]]:
        """Decoded pairs of an ``x-www-form-urlencoded`` body (empty for other bodies)."""
        content_type = (self.headers.get("content-type") or "").lower()
        if not content_type.startswith(FORM_CONTENT_TYPE) or not self.body:
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def params(self) -> dict[str, str]:
        """Query and form parameters merged (form wins), as RPC-style APIs read them."""
        merged = dict(self.query)
        merged.update(self.form())
        return merged

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body); raises ValueError if malformed."""
        if not self.body.strip():
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """What the server writes back. ``drop`` closes the connection without writing anything."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return cls(status=status, body=body, headers={"Content-Type": JSON_CONTENT_TYPE, **(headers or {})})

    @classmethod
    def dropped(cls) -> Response:
        return cls(status=0, drop=True)

"""Conditional GetObject / HeadObject: ``If-Match``, ``If-Unmodified-Since``, ``If-None-Match``,
``If-Modified-Since``, as OSS's GetObject page documents them:

- ``If-Match``: the object only when the ETag matches, else ``412 PreconditionFailed``;
- ``If-Unmodified-Since``: only when the time is at or after Last-Modified, else 412;
- ``If-None-Match``: only when the ETag differs, else ``304 Not Modified`` (no body);
- ``If-Modified-Since``: only when the time is before Last-Modified, else 304.

OSS says the pairs may be combined but not which wins; the emulator evaluates them in RFC 7232's
order (§6): ``If-Match``, else ``If-Unmodified-Since``; then ``If-None-Match``, else
``If-Modified-Since``. An unreadable date is ignored (RFC 7232 §3.3, §3.4); ``*`` matches any ETag.
"""

from __future__ import annotations

from emulator.core.exchange import Request
from emulator.oss.auth import parse_date
from emulator.oss.errors import PreconditionFailed
from emulator.oss.models import OssObject


def _matches(header: str, stored: OssObject) -> bool:
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or any(tag.removeprefix("W/").strip('"') == stored.etag for tag in tags)


def _time(request: Request, name: str) -> float | None:
    moment = parse_date(request.headers.get(name))
    return moment.timestamp() if moment is not None else None


def not_modified(request: Request, stored: OssObject) -> bool:
    """True when the answer is ``304 Not Modified``; raises PreconditionFailed for a 412."""
    last_modified = int(stored.last_modified)  # Last-Modified is sent in whole seconds
    if_match = request.headers.get("if-match")
    if if_match is not None:
        if not _matches(if_match, stored):
            raise PreconditionFailed(Condition="If-Match")
    else:
        since = _time(request, "if-unmodified-since")
        if since is not None and since < last_modified:
            raise PreconditionFailed(Condition="If-Unmodified-Since")
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return _matches(if_none_match, stored)
    since = _time(request, "if-modified-since")
    return since is not None and since >= last_modified

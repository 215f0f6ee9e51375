"""XML documents and dates as OSS writes them: ``ListBucketResult`` for ListObjects (V1 and V2).

With ``encoding-type=url`` every key, prefix, delimiter, marker and token in the answer is
percent-encoded (the SDK decodes them). ``LastModified`` is ISO 8601 in whole seconds with a
``.000Z`` tail, as OSS writes it (oss2 parses exactly that shape); ``ETag`` is the quoted
upper-case MD5, ``StorageClass`` is ``Standard``. ``Owner`` appears in V1 always and in V2 with
``fetch-owner=true``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote
from xml.sax.saxutils import escape

from emulator.core.exchange import Request
from emulator.oss.errors import XML_DECLARATION, InvalidArgument
from emulator.oss.listing import Page, encode_token, parse_max_keys
from emulator.oss.models import OssObject

OWNER_ID = "1000000000000001"
Element = tuple[str, "str | list[Element]"]


def http_date(epoch: float) -> str:
    """RFC 1123 in GMT (``Last-Modified``)."""
    return formatdate(epoch, usegmt=True)


def iso_seconds(epoch: float) -> str:
    """``2024-01-02T03:04:05.000Z``: OSS keeps whole seconds (as ``Last-Modified`` does) in a millisecond field."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(int(epoch)))


@dataclass(frozen=True)
class ListQuery:
    version: int
    prefix: str = ""
    delimiter: str = ""
    max_keys: int = 100
    start_after: str | None = None
    marker: str | None = None
    encoding_type: str | None = None
    fetch_owner: bool = False

    @classmethod
    def from_request(cls, request: Request, version: int) -> ListQuery:
        encoding = request.query_value("encoding-type") or None
        if encoding not in (None, "url"):
            raise InvalidArgument("Argument encoding-type must be url.", ArgumentName="encoding-type",
                                  ArgumentValue=encoding or "")
        return cls(version=version, prefix=request.query_value("prefix") or "",
                   delimiter=request.query_value("delimiter") or "",
                   max_keys=parse_max_keys(request.query_value("max-keys")),
                   start_after=request.query_value("start-after"), marker=request.query_value("marker"),
                   encoding_type=encoding, fetch_owner=(request.query_value("fetch-owner") or "") == "true")

    def encode(self, text: str) -> str:
        return quote(text, safe="/") if self.encoding_type == "url" else text


def render(elements: Iterable[Element], indent: str = "  ") -> str:
    lines = []
    for name, value in elements:
        if isinstance(value, list):
            lines.append(f"{indent}<{name}>\n{render(value, indent + '  ')}{indent}</{name}>\n")
        else:
            lines.append(f"{indent}<{name}>{escape(value)}</{name}>\n")
    return "".join(lines)


def owner() -> list[Element]:
    return [("ID", OWNER_ID), ("DisplayName", OWNER_ID)]


def contents(stored: OssObject, query: ListQuery) -> Element:
    fields: list[Element] = [
        ("Key", query.encode(stored.key)), ("LastModified", iso_seconds(stored.last_modified)),
        ("ETag", stored.quoted_etag), ("Type", "Normal"), ("Size", str(len(stored.data))),
        ("StorageClass", "Standard"),
    ]
    if query.version == 1 or query.fetch_owner:
        fields.append(("Owner", owner()))
    return "Contents", fields


def _header(bucket: str, query: ListQuery, page: Page, continuation_token: str | None) -> list[Element]:
    elements: list[Element] = [("Name", bucket), ("Prefix", query.encode(query.prefix))]
    if query.version == 1:
        elements.append(("Marker", query.encode(query.marker or "")))
    else:
        if continuation_token:
            elements.append(("ContinuationToken", query.encode(continuation_token)))
        if query.start_after is not None:
            elements.append(("StartAfter", query.encode(query.start_after)))
    elements += [("MaxKeys", str(query.max_keys)), ("Delimiter", query.encode(query.delimiter))]
    if query.encoding_type:
        elements.append(("EncodingType", query.encoding_type))
    elements.append(("IsTruncated", "true" if page.truncated else "false"))
    if page.truncated and page.last is not None:
        next_name, next_value = ("NextMarker", page.last) if query.version == 1 else \
            ("NextContinuationToken", encode_token(page.last))
        elements.append((next_name, query.encode(next_value)))
    return elements


def list_result(bucket: str, query: ListQuery, page: Page, continuation_token: str | None = None) -> bytes:
    """The ``ListBucketResult`` of one page (V1 when ``query.version == 1``, else V2 with ``KeyCount``)."""
    elements = _header(bucket, query, page, continuation_token)
    elements += [contents(stored, query) for stored in page.contents]
    elements += [("CommonPrefixes", [("Prefix", query.encode(prefix))]) for prefix in page.prefixes]
    if query.version == 2:
        elements.append(("KeyCount", str(page.count)))
    return f"{XML_DECLARATION}<ListBucketResult>\n{render(elements)}</ListBucketResult>\n".encode()

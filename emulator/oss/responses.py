"""OSS operations on the wire: address a request, name its action, and answer it.

Implemented: GetObject (``Range`` → 206), HeadObject, GetObjectMeta (``HEAD /key?objectMeta``),
PutObject, DeleteObject, ListObjectsV2 (``list-type=2``) and ListObjects. Any other operation is
``501 NotImplemented`` after the checks.

Ranges: one ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n``. Without ``x-oss-range-behavior: standard``
a range that is malformed or reaches past the object answers the whole object with 200 (Aliyun's
legacy rule); with it, the end is clamped and a start past the end is ``416 InvalidRange``.

Conditions (GetObject, HeadObject): 304 / 412 as :mod:`emulator.oss.conditions` decides.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
from collections.abc import Callable
from urllib.parse import unquote

from emulator.core.exchange import Request, Response
from emulator.oss.auth import V1_SUBRESOURCES, Resource, raw_pairs
from emulator.oss.conditions import not_modified
from emulator.oss.documents import ListQuery, http_date, list_result
from emulator.oss.errors import (
    BadDigest,
    FileAlreadyExists,
    InvalidBucketName,
    InvalidDigest,
    InvalidObjectName,
    InvalidRange,
    NoSuchBucket,
    NoSuchKey,
    NotImplementedByEmulator,
)
from emulator.oss.listing import decode_token, list_page
from emulator.oss.models import DEFAULT_CONTENT_TYPE, Bucket, OssBackend, OssObject, key_problem, valid_bucket_name

SERVER = "AliyunOSS"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
PARAMETERS = frozenset(["continuation-token", "response-content-type", "response-content-language",
                        "response-expires", "response-cache-control", "response-content-disposition",
                        "response-content-encoding"])
OBJECT_ACTIONS = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
NAMED_ACTIONS = {("HEAD", "objectMeta"): "GetObjectMeta"}  # Aliyun's names where the rule below misses them
Handler = Callable[[Request, Resource, str], Response]


def locate(request: Request) -> Resource:
    """The bucket and key: from the path, or the bucket from a ``<bucket>.<host>`` Host header.

    IP hosts, ``localhost``, dot-less names and ``oss-*`` service endpoints mean path style.
    """
    host = (request.headers.get("host") or "").strip()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    path = unquote(request.path)[1:]
    if "." in name and not name.startswith("oss-") and not _is_ip(name):
        bucket, key = name.split(".", 1)[0], path
    else:
        bucket, _, key = path.partition("/")
    return Resource(bucket or None, key or None if bucket else None)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def action_for(request: Request, resource: Resource) -> str:
    """The operation's name for stats and chaos (``GetObject``, ``ListObjectsV2``, ``GetObjectAcl``...)."""
    names = sorted({unquote(k) for k, _ in raw_pairs(request.raw_query)} & V1_SUBRESOURCES - PARAMETERS)
    method = request.method.title()
    level = "Object" if resource.key else "Bucket" if resource.bucket else "Service"
    if names:
        named = NAMED_ACTIONS.get((request.method, names[0])) if level == "Object" else None
        return named or f"{method}{level}{names[0][:1].upper()}{names[0][1:]}"
    if level == "Object":
        if request.method == "PUT" and "x-oss-copy-source" in request.headers:
            return "CopyObject"
        return OBJECT_ACTIONS.get(request.method, f"{method}Object")
    if level == "Bucket" and request.method == "GET":
        return "ListObjectsV2" if request.query_value("list-type") == "2" else "ListObjects"
    return "ListBuckets" if level == "Service" and request.method == "GET" else f"{method}{level}"


def byte_range(request: Request, size: int) -> tuple[int, int] | None:
    """The inclusive range to answer, or None for the whole object; raises InvalidRange (see module doc)."""
    match = RANGE.match((request.headers.get("range") or "").strip())
    standard = (request.headers.get("x-oss-range-behavior") or "").lower() == "standard"
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start, end = int(match[1]), int(match[2]) if match[2] else size - 1
    else:
        start, end = max(size - int(match[2]), 0), size - 1
        if int(match[2]) == 0:
            start = size
    if end < start and match[1] and match[2]:
        return None
    if start >= size or (end >= size and not standard):
        if standard:
            raise InvalidRange(f"The requested range cannot be satisfied: {match[0]} (size {size}).")
        return None
    return start, min(end, size - 1)


def object_headers(stored: OssObject, request: Request, request_id: str) -> dict[str, str]:
    headers = {
        "Content-Type": stored.content_type, "ETag": stored.quoted_etag,
        "Last-Modified": http_date(stored.last_modified), "Accept-Ranges": "bytes",
        "Content-MD5": stored.content_md5, "x-oss-object-type": "Normal",
        "x-oss-storage-class": "Standard", "x-oss-hash-crc64ecma": str(stored.crc64),
        **{f"x-oss-meta-{name}": value for name, value in stored.metadata.items()},
    }
    for name in PARAMETERS - {"continuation-token"}:
        override = request.query_value(name)
        if override:
            headers[name[len("response-"):].title()] = override
    return {**headers, "x-oss-request-id": request_id, "Server": SERVER}


class OssApi:
    """Answers OSS operations over one :class:`OssBackend` (called under the emulator lock)."""

    def __init__(self, backend: OssBackend) -> None:
        self.backend = backend
        self._actions: dict[str, Handler] = {
            "GetObject": self.get_object, "HeadObject": self.head_object, "GetObjectMeta": self.get_object_meta,
            "PutObject": self.put_object, "DeleteObject": self.delete_object,
            "ListObjectsV2": self.list_objects_v2, "ListObjects": self.list_objects,
        }

    def check(self, resource: Resource) -> None:
        """Before authentication, as OSS does: the bucket's name, its existence, then the key's name."""
        if resource.bucket is None:
            return
        if not valid_bucket_name(resource.bucket):
            raise InvalidBucketName(BucketName=resource.bucket)
        if self.backend.bucket(resource.bucket) is None:
            raise NoSuchBucket(BucketName=resource.bucket)
        problem = key_problem(resource.key) if resource.key is not None else None
        if problem:
            raise InvalidObjectName(problem)

    def call(self, action: str, request: Request, resource: Resource, request_id: str) -> Response:
        handler = self._actions.get(action)
        if handler is None:
            raise NotImplementedByEmulator(f"The emulator does not implement {action}.")
        return handler(request, resource, request_id)

    def _bucket(self, resource: Resource) -> Bucket:
        bucket = self.backend.bucket(resource.bucket or "")
        if bucket is None:
            raise NoSuchBucket(BucketName=resource.bucket or "")
        return bucket

    def _object(self, resource: Resource) -> OssObject:
        stored = self._bucket(resource).objects.get(resource.key or "")
        if stored is None:
            raise NoSuchKey(Key=resource.key or "")
        return stored

    def get_object(self, request: Request, resource: Resource, request_id: str) -> Response:
        stored = self._object(resource)
        if not_modified(request, stored):
            return not_modified_response(stored, request_id)
        headers = object_headers(stored, request, request_id)
        span = byte_range(request, len(stored.data))
        if span is None:
            return Response(200, stored.data, headers)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(stored.data)}"
        return Response(206, stored.data[start:end + 1], headers)

    def head_object(self, request: Request, resource: Resource, request_id: str) -> Response:
        stored = self._object(resource)
        if not_modified(request, stored):
            return not_modified_response(stored, request_id)
        return Response(200, stored.data, object_headers(stored, request, request_id))  # HEAD: no body is sent

    def get_object_meta(self, request: Request, resource: Resource, request_id: str) -> Response:
        """Only ETag, size and Last-Modified (https://www.alibabacloud.com/help/doc-detail/31985.html)."""
        stored = self._object(resource)
        return Response(200, stored.data, validator_headers(stored, request_id))  # HEAD: only the size is sent

    def put_object(self, request: Request, resource: Resource, request_id: str) -> Response:
        bucket, key = self._bucket(resource), resource.key or ""
        check_content_md5(request)
        if (request.headers.get("x-oss-forbid-overwrite") or "").lower() == "true" and key in bucket.objects:
            raise FileAlreadyExists()
        metadata = {name.lower()[len("x-oss-meta-"):]: value for name, value in request.headers
                    if name.lower().startswith("x-oss-meta-")}
        content_type = request.headers.get("content-type") or DEFAULT_CONTENT_TYPE
        stored = self.backend.put(bucket, key, request.body, content_type, metadata)
        headers = {"ETag": stored.quoted_etag, "Content-MD5": stored.content_md5,
                   "x-oss-hash-crc64ecma": str(stored.crc64), "x-oss-request-id": request_id, "Server": SERVER}
        return Response(200, b"", headers)

    def delete_object(self, request: Request, resource: Resource, request_id: str) -> Response:
        self._bucket(resource).objects.pop(resource.key or "", None)  # a missing key is not an error
        return Response(204, b"", {"x-oss-request-id": request_id, "Server": SERVER})

    def list_objects_v2(self, request: Request, resource: Resource, request_id: str) -> Response:
        query = ListQuery.from_request(request, version=2)
        token = request.query_value("continuation-token")
        marker = decode_token(token) if token else (query.start_after or "")
        page = list_page(self._bucket(resource), query.prefix, query.delimiter, marker, query.max_keys)
        body = list_result(resource.bucket or "", query, page, continuation_token=token)
        return xml_response(body, request_id)

    def list_objects(self, request: Request, resource: Resource, request_id: str) -> Response:
        query = ListQuery.from_request(request, version=1)
        page = list_page(self._bucket(resource), query.prefix, query.delimiter, query.marker or "", query.max_keys)
        return xml_response(list_result(resource.bucket or "", query, page), request_id)


def check_content_md5(request: Request) -> None:
    """A ``Content-MD5`` header must be base64 of 16 bytes (InvalidDigest) and match the body (BadDigest)."""
    declared = request.headers.get("content-md5")
    if declared is None:
        return
    try:
        valid = len(base64.b64decode(declared, validate=True)) == 16
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise InvalidDigest()
    if declared != base64.b64encode(hashlib.md5(request.body, usedforsecurity=False).digest()).decode("ascii"):
        raise BadDigest()


def not_modified_response(stored: OssObject, request_id: str) -> Response:
    """``304 Not Modified``: the validators, no body (:mod:`emulator.oss.conditions`)."""
    return Response(304, b"", validator_headers(stored, request_id))


def validator_headers(stored: OssObject, request_id: str) -> dict[str, str]:
    """An object's ETag and Last-Modified, without the rest of its headers."""
    return {"ETag": stored.quoted_etag, "Last-Modified": http_date(stored.last_modified),
            "x-oss-request-id": request_id, "Server": SERVER}


def xml_response(body: bytes, request_id: str) -> Response:
    return Response(200, body, {"Content-Type": "application/xml", "x-oss-request-id": request_id, "Server": SERVER})

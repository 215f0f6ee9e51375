"""The OSS backend: buckets of objects, with the metadata OSS answers (ETag, CRC-64, Last-Modified).

Seed section ``oss``: ``{"<bucket>": {"<key>": <value>}}``. Only seeded buckets exist (``{}`` seeds an
empty one); PutObject adds keys to them. A string value is stored as UTF-8 with a content type
guessed from the key (``text/plain`` when there is none); any other JSON value is stored
serialised with ``indent=2`` (non-ASCII kept) as ``application/json``; a ``bytes`` value
(directory seeds, Python callers) is stored as is. Seeding a bucket again merges its keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.core.clock import Clock
from emulator.core.ids import Ids
from emulator.oss.crc64 import crc64

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_KEY_BYTES = 1023
DEFAULT_CONTENT_TYPE = "application/octet-stream"
JSON_CONTENT_TYPE = "application/json"
TEXT_CONTENT_TYPE = "text/plain"


@dataclass(frozen=True)
class OssObject:
    key: str
    data: bytes
    content_type: str
    last_modified: float
    etag: str
    crc64: int
    content_md5: str
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


@dataclass
class Bucket:
    name: str
    created: float
    objects: dict[str, OssObject] = field(default_factory=dict)


def valid_bucket_name(name: str) -> bool:
    return bool(BUCKET_NAME.match(name))


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a valid object name, or None."""
    if not key:
        return "The Object name can not be empty."
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"The Length of Object name must be less than {MAX_KEY_BYTES + 1}."
    if key.startswith(("/", "\\")):
        return "The specified object is not valid: it starts with a slash."
    return None


def make_object(key: str, data: bytes, content_type: str, now: float,
                metadata: Mapping[str, str] | None = None) -> OssObject:
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    return OssObject(key=key, data=data, content_type=content_type, last_modified=now,
                     etag=digest.hex().upper(), crc64=crc64(data),
                     content_md5=base64.b64encode(digest).decode("ascii"), metadata=dict(metadata or {}))


def encode_value(key: str, value: Any) -> tuple[bytes, str]:
    """A seed or fixture value → (bytes, content type); see the module doc."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value), mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE
    if isinstance(value, str):
        return value.encode("utf-8"), mimetypes.guess_type(key)[0] or TEXT_CONTENT_TYPE
    try:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: a value must be text, bytes or JSON") from None
    return text.encode("utf-8"), JSON_CONTENT_TYPE


def parse_bucket(name: Any, entries: Any) -> tuple[str, list[tuple[str, bytes, str]]]:
    where = f"oss.{name}"
    if not isinstance(name, str) or not valid_bucket_name(name):
        raise ValueError(f"{where}: a bucket name is 3-63 of [a-z0-9-], starting and ending with a letter or digit")
    if not isinstance(entries, Mapping):
        raise ValueError(f"{where} must be an object of key → value")
    parsed = []
    for key, value in entries.items():
        problem = key_problem(key) if isinstance(key, str) else "keys must be strings"
        if problem:
            raise ValueError(f"{where}.{key}: {problem}")
        data, content_type = encode_value(f"{where}.{key}", value)
        parsed.append((key, data, content_type))
    return name, parsed


class OssBackend:
    """The buckets and objects of one emulated account."""

    def __init__(self, clock: Clock, ids: Ids) -> None:
        self.clock = clock
        self.ids = ids
        self.reset()

    def reset(self) -> None:
        self.buckets: dict[str, Bucket] = {}

    def prepare_seed(self, section: Any) -> Callable[[], None]:
        """Validate seed section ``oss`` completely; return the function that applies it."""
        if not isinstance(section, Mapping):
            raise ValueError("oss must be an object of bucket → {key: value}")
        buckets = [parse_bucket(name, entries) for name, entries in section.items()]

        def apply() -> None:
            for name, objects in buckets:
                bucket = self.bucket_or_create(name)
                now = self.clock.now()
                for key, data, content_type in objects:
                    bucket.objects[key] = make_object(key, data, content_type, now)

        return apply

    def bucket(self, name: str) -> Bucket | None:
        return self.buckets.get(name)

    def bucket_or_create(self, name: str) -> Bucket:
        if not valid_bucket_name(name):
            raise ValueError(f"{name!r} is not a valid bucket name")
        return self.buckets.setdefault(name, Bucket(name, self.clock.now()))

    def put(self, bucket: Bucket, key: str, data: bytes, content_type: str,
            metadata: Mapping[str, str] | None = None) -> OssObject:
        stored = make_object(key, data, content_type, self.clock.now(), metadata)
        bucket.objects[key] = stored
        return stored

    def put_value(self, bucket_name: str, key: str, value: Any) -> OssObject:
        """The fixture's ``oss_put``: any seed value, creating the bucket when needed."""
        problem = key_problem(key)
        if problem:
            raise ValueError(f"{key!r}: {problem}")
        data, content_type = encode_value(key, value)
        return self.put(self.bucket_or_create(bucket_name), key, data, content_type)

    def get(self, bucket_name: str, key: str) -> OssObject | None:
        bucket = self.buckets.get(bucket_name)
        return bucket.objects.get(key) if bucket else None

    def describe(self) -> dict[str, list[str]]:
        """The control API's view: bucket → sorted keys."""
        return {name: sorted(bucket.objects) for name, bucket in sorted(self.buckets.items())}

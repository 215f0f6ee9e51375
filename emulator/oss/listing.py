"""ListObjects / ListObjectsV2 paging: prefix, delimiter, a marker to start after, and a page size.

A page holds at most ``max_keys`` entries, keys and common prefixes together, in key order. Keys
that roll up into a common prefix appear once as that prefix; a common prefix that ended the
previous page (the marker) is not repeated. A V2 continuation token is the URL-safe base64 of the
last entry returned (the emulator's choice: Aliyun's tokens are opaque).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from emulator.oss.errors import InvalidArgument
from emulator.oss.models import Bucket, OssObject

DEFAULT_MAX_KEYS = 100
MAX_KEYS_LIMIT = 1000


@dataclass
class Page:
    contents: list[OssObject] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str | None = None

    @property
    def count(self) -> int:
        return len(self.contents) + len(self.prefixes)


def list_page(bucket: Bucket, prefix: str = "", delimiter: str = "", marker: str = "",
              max_keys: int = DEFAULT_MAX_KEYS) -> Page:
    page = Page()
    for key in sorted(bucket.objects):
        if key <= marker or not key.startswith(prefix):
            continue
        cut = key.find(delimiter, len(prefix)) if delimiter else -1
        entry = key[:cut + len(delimiter)] if cut >= 0 else key
        if cut >= 0 and (entry == marker or entry == page.last):
            continue
        if page.count >= max_keys:
            page.truncated = True
            break
        if cut >= 0:
            page.prefixes.append(entry)
        else:
            page.contents.append(bucket.objects[key])
        page.last = entry
    return page


def parse_max_keys(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_MAX_KEYS
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= MAX_KEYS_LIMIT:
        raise InvalidArgument(f"Argument max-keys must be an integer from 1 to {MAX_KEYS_LIMIT}.",
                              ArgumentName="max-keys", ArgumentValue=text)
    return value


def encode_token(marker: str) -> str:
    """URL-safe base64 without padding, so the token needs no escaping anywhere."""
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii").rstrip("=")


def decode_token(token: str) -> str:
    padded = token.translate(str.maketrans("-_", "+/")) + "=" * (-len(token) % 4)
    try:
        return base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument("The continuation token provided is incorrect.",
                              ArgumentName="continuation-token", ArgumentValue=token) from None

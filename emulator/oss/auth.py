"""Verification of OSS request signatures in the ``Authorization`` header: V4 and V1.

V4 (``OSS4-HMAC-SHA256 Credential=AK/DATE/REGION/oss/aliyun_v4_request[,AdditionalHeaders=a;b],
Signature=hex``), as ``alibabacloud_oss_v2.signer.v4`` signs (docs/aliyun-wire.md §4):

- canonical URI: ``/bucket/key`` (decoded key) percent-encoded with ``/`` kept; ``/bucket/`` for a
  bucket request, ``/`` without a bucket — whatever the address style;
- canonical query: every parameter decoded (``+`` is a space), then name and value percent-encoded
  again keeping only ``A-Za-z0-9-_.~`` (so a client may send ``+``, ``%20``, raw ``!'()*`` or
  ``%21``…: the same parameters sign the same), sorted, ``k`` alone when the value is empty, as
  oss2's ``ProviderAuthV4.__get_canonical_query`` builds it;
- canonical headers: every ``x-oss-*``, ``content-type``, ``content-md5`` and additional header,
  lower-cased, sorted, ``k:v\\n``; then the additional header names; then ``x-oss-content-sha256``
  (``UNSIGNED-PAYLOAD``, or the body's SHA-256, which is then checked);
- the key is the HMAC-SHA256 chain ``"aliyun_v4" + secret`` → DATE → REGION → ``oss`` →
  ``aliyun_v4_request``. Any region is accepted (the scope's region signs the request).

V1 (``OSS AK:base64 HMAC-SHA1``): ``METHOD\\nContent-MD5\\nContent-Type\\nDate\\n`` + sorted
``x-oss-*:v\\n`` + ``/bucket/key`` + ``?sub&res`` for the sub-resources the SDKs sign, decoded
(``+`` a space) and not encoded again. The date line is ``x-oss-date`` when present, else ``Date``.

Both: ``x-oss-date`` / ``Date`` within 15 minutes of *real* time (``RequestTimeTooSkewed``), and a
key seeded with a security token demands exactly that token in ``x-oss-security-token`` (V1 via
alibabacloud-oss-v2 sends it as ``security-token``): past its expiry ``SecurityTokenExpired``, any
other fault ``InvalidSecurityToken``. Requests without ``Authorization`` are
anonymous, which the emulator's private buckets refuse (``AccessDenied``), presigned URLs included.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from emulator.core.credentials import AccessKey, KeyStore, TokenFault
from emulator.core.exchange import Request
from emulator.oss.errors import (
    AccessDenied,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidSecurityToken,
    RequestTimeTooSkewed,
    SecurityTokenExpired,
    SignatureDoesNotMatch,
)

V4_ALGORITHM = "OSS4-HMAC-SHA256"
V4_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
V4_TERMINATOR = "aliyun_v4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW_SECONDS = 15 * 60
V1_SUBRESOURCES = frozenset([
    "acl", "bucketInfo", "location", "stat", "delete", "append", "tagging", "objectMeta", "uploads", "uploadId",
    "partNumber", "security-token", "position", "response-content-type", "response-content-language",
    "response-expires", "response-cache-control", "response-content-disposition", "response-content-encoding",
    "restore", "callback", "callback-var", "versions", "versioning", "versionId", "sequential",
    "continuation-token", "regionList", "cloudboxes", "symlink", "resourceGroup", "x-oss-process",
])
PRESIGN_PARAMETERS = ("x-oss-signature", "Signature", "OSSAccessKeyId", "x-oss-credential")


@dataclass(frozen=True)
class Resource:
    """What a request addresses: no bucket (the service), a bucket, or an object."""

    bucket: str | None = None
    key: str | None = None

    def path(self) -> str:
        """``/bucket/key`` unencoded (V1's canonical resource)."""
        return "/" + (f"{self.bucket}/" if self.bucket else "") + (self.key or "")


def raw_pairs(raw_query: str) -> list[tuple[str, str]]:
    """The query's ``(name, value)`` pairs still percent-encoded."""
    return [(name, value) for name, _, value in (part.partition("=") for part in raw_query.split("&") if part)]


def v4_canonical_query(pairs: list[tuple[str, str]]) -> str:
    """Decoded ``pairs`` → the V4 canonical query (``quote(safe="")`` keeps exactly ``A-Za-z0-9-_.~``)."""
    encoded = sorted((quote(name, safe=""), quote(value, safe="")) for name, value in pairs)
    return "&".join(f"{name}={value}" if value else name for name, value in encoded)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def v4_canonical_request(request: Request, resource: Resource, additional: list[str], payload: str) -> str:
    query = v4_canonical_query(request.query)
    signed = sorted(n for n in request.headers.names()
                    if n.startswith("x-oss-") or n in ("content-type", "content-md5") or n in additional)
    headers = "".join(f"{n}:{','.join(v.strip() for v in request.headers.get_all(n))}\n" for n in signed)
    uri = quote(resource.path(), safe="/")
    return f"{request.method}\n{uri}\n{query}\n{headers}\n{';'.join(additional)}\n{payload}"


def v4_signature(secret: str, day: str, region: str, string_to_sign: str) -> str:
    key = ("aliyun_v4" + secret).encode("utf-8")
    for part in (day, region, "oss", V4_TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def v1_string_to_sign(request: Request, resource: Resource, date: str) -> str:
    oss_headers = sorted(n for n in request.headers.names() if n.startswith("x-oss-"))
    headers = "".join(f"{n}:{','.join(v.strip() for v in request.headers.get_all(n))}\n" for n in oss_headers)
    pairs = sorted((k, v) for k, v in request.query if k in V1_SUBRESOURCES)
    sub = "&".join(f"{k}={v}" if v else k for k, v in pairs)
    md5, content_type = request.headers.get("content-md5", ""), request.headers.get("content-type", "")
    return f"{request.method}\n{md5}\n{content_type}\n{date}\n{headers}{resource.path()}{'?' + sub if sub else ''}"


def v1_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_fields(text: str) -> dict[str, str]:
    """``Credential=..,AdditionalHeaders=..,Signature=..`` (``, `` separators too) → fields."""
    fields = {}
    for part in text.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def parse_date(text: str | None) -> datetime | None:
    """An RFC 1123 ``Date`` or an ISO ``20240102T030405Z`` stamp, in UTC; None when unreadable."""
    if not text:
        return None
    try:
        return datetime.strptime(text, V4_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso_millis(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class OssVerifier:
    """Checks an OSS request's signature and returns the AccessKey that signed it, or raises an OssError."""

    def __init__(self, keys: KeyStore, wall: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self._wall = wall

    def verify(self, request: Request, resource: Resource) -> AccessKey:
        authorization = (request.headers.get("authorization") or "").strip()
        if not authorization:
            names = {name for name, _ in raw_pairs(request.raw_query)}
            if names.intersection(PRESIGN_PARAMETERS):
                raise AccessDenied("Query-string (presigned URL) signatures are not supported by the emulator.")
            raise AccessDenied()
        algorithm, _, rest = authorization.partition(" ")
        if algorithm == V4_ALGORITHM:
            return self._verify_v4(request, resource, parse_fields(rest))
        if algorithm == "OSS":
            return self._verify_v1(request, resource, rest.strip())
        raise InvalidArgument(f"Authorization header is invalid: unsupported algorithm {algorithm!r}.")

    def _verify_v4(self, request: Request, resource: Resource, fields: dict[str, str]) -> AccessKey:
        credential, provided = fields.get("Credential", ""), fields.get("Signature", "")
        scope = credential.split("/")
        if not provided or len(scope) != 5 or scope[3] != "oss" or scope[4] != V4_TERMINATOR:
            raise InvalidArgument(f"Authorization header is invalid: Credential={credential!r}, Signature required.")
        key = self._key(scope[0], request.headers.get("x-oss-security-token"))
        stamp = request.headers.get("x-oss-date") or ""
        moment = parse_date(stamp) if len(stamp) == 16 else None
        if moment is None:
            raise InvalidArgument("The x-oss-date header is missing or not yyyyMMddTHHmmssZ.")
        if stamp[:8] != scope[1]:
            raise InvalidArgument("Invalid signing date in Authorization header.")
        self._check_skew(moment)
        payload = request.headers.get("x-oss-content-sha256") or ""
        if payload != UNSIGNED_PAYLOAD and payload != sha256_hex(request.body):
            raise InvalidArgument("x-oss-content-sha256 must be UNSIGNED-PAYLOAD or the body's SHA-256.")
        additional = [name.strip().lower() for name in fields.get("AdditionalHeaders", "").split(";") if name.strip()]
        canonical = v4_canonical_request(request, resource, additional, payload)
        string_to_sign = f"{V4_ALGORITHM}\n{stamp}\n{'/'.join(scope[1:])}\n{sha256_hex(canonical.encode('utf-8'))}"
        if not hmac.compare_digest(v4_signature(key.secret, scope[1], scope[2], string_to_sign), provided.lower()):
            raise SignatureDoesNotMatch(StringToSign=string_to_sign, CanonicalRequest=canonical,
                                        SignatureProvided=provided, OSSAccessKeyId=key.id)
        return key

    def _verify_v1(self, request: Request, resource: Resource, credential: str) -> AccessKey:
        key_id, sep, provided = credential.rpartition(":")
        if not sep or not key_id or not provided:
            raise InvalidArgument("Authorization header is invalid: expected OSS AccessKeyId:Signature.")
        token = request.headers.get("x-oss-security-token") or request.headers.get("security-token")
        key = self._key(key_id, token)
        date = request.headers.get("x-oss-date") or request.headers.get("date") or ""
        moment = parse_date(date)
        if moment is None:
            raise AccessDenied("OSS authentication requires a valid Date.")
        self._check_skew(moment)
        string_to_sign = v1_string_to_sign(request, resource, date)
        if not hmac.compare_digest(v1_signature(key.secret, string_to_sign), provided):
            raise SignatureDoesNotMatch(StringToSign=string_to_sign, SignatureProvided=provided, OSSAccessKeyId=key.id)
        return key

    def _key(self, key_id: str, token: str | None) -> AccessKey:
        key = self.keys.get(key_id)
        if key is None:
            raise InvalidAccessKeyId(OSSAccessKeyId=key_id)
        if not key.active:
            raise InvalidAccessKeyId("The OSS Access Key Id you provided is disabled.", OSSAccessKeyId=key_id)
        fault = self.keys.token_fault(key, token)
        if fault is TokenFault.EXPIRED:
            raise SecurityTokenExpired()
        if fault is not None:
            raise InvalidSecurityToken()
        return key

    def _check_skew(self, moment: datetime) -> None:
        now = self._wall()
        if abs(now - moment.timestamp()) > MAX_SKEW_SECONDS:
            server = datetime.fromtimestamp(now, timezone.utc)
            raise RequestTimeTooSkewed(RequestTime=iso_millis(moment), ServerTime=iso_millis(server),
                                       MaxAllowedSkewMilliseconds=str(MAX_SKEW_SECONDS * 1000))

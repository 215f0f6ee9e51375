"""Verification of POP request signatures: ACS3-HMAC-SHA256 and legacy RPC v2 (HMAC-SHA1).

Both follow what ``alibabacloud_tea_openapi.utils`` produces (see docs/aliyun-wire.md §1.2, §1.3):
timestamps must be within 15 minutes of *real* wall time, a nonce may be used once per AccessKey
within that window, and a key seeded with a security token demands exactly that token (checked
before the signature, as the gateway must read the token to know an STS key at all): none is
``MissingSecurityToken``, its own past its expiry ``InvalidSecurityToken.Expired``, another key's
``InvalidSecurityToken.MismatchWithAccessKey``, anything else ``InvalidSecurityToken.Malformed``.
A wrong signature answers the gateway's own wording with what the server signed: ACS3
``Specified signature does not match our calculation. server StringToSign is [...] server
CanonicalRequest is [...]``, RPC ``Specified signature is not matched with our calculation. server
string to sign is:...``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from urllib.parse import quote

from emulator.core.credentials import AccessKey, KeyStore, TokenFault
from emulator.core.errors import (
    ACS3_SIGNATURE_MISMATCH,
    IncompleteSignature,
    InvalidAccessKeyIdInactive,
    InvalidAccessKeyIdNotFound,
    InvalidSecurityTokenExpired,
    InvalidSecurityTokenMalformed,
    InvalidSecurityTokenMismatch,
    InvalidTimeStampExpired,
    InvalidTimeStampFormat,
    MissingParameter,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
)
from emulator.core.exchange import Request

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
RPC_METHOD = "HMAC-SHA1"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MAX_SKEW_SECONDS = 15 * 60
# a nonce is remembered as long as a request carrying it can pass the time check: its timestamp may
# be up to MAX_SKEW ahead of the first use, and is accepted until MAX_SKEW after itself
NONCE_TTL_SECONDS = 2 * MAX_SKEW_SECONDS


def percent_encode(text: str) -> str:
    """RFC 3986 encoding of UTF-8 text: only unreserved characters stay as they are."""
    return quote(text, safe="~", encoding="utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class NonceCache:
    """Remembers (AccessKey, nonce) pairs for ``ttl`` seconds of real time."""

    def __init__(self, ttl: float = NONCE_TTL_SECONDS) -> None:
        self._ttl = ttl
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def use(self, key_id: str, nonce: str, now: float) -> bool:
        """Record the nonce; False when it was already used within the TTL."""
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now - self._ttl:
                self._seen.popitem(last=False)
            if (key_id, nonce) in self._seen:
                return False
            self._seen[(key_id, nonce)] = now
            return True

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


def parse_authorization(value: str) -> tuple[str, dict[str, str]]:
    """``ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`` → (algorithm, fields)."""
    algorithm, _, rest = value.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, field_value = part.strip().partition("=")
        if sep:
            fields[name.strip()] = field_value.strip()
    return algorithm, fields


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Sorted ``key=value`` pairs, both percent-encoded, joined with ``&`` (blank values kept)."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(pairs))


def canonical_headers(request: Request, signed: list[str]) -> str:
    lines = []
    for name in signed:
        values = sorted(value.strip() for value in request.headers.get_all(name))
        lines.append(f"{name}:{','.join(values)}\n")
    return "".join(lines)


def acs3_string_to_sign(request: Request, signed: list[str], payload_hash: str) -> tuple[str, str]:
    """(StringToSign, CanonicalRequest) of an ACS3 request."""
    canonical_request = "\n".join([
        request.method,
        request.path or "/",
        canonical_query(request.query),
        canonical_headers(request, signed),
        ";".join(signed),
        payload_hash,
    ])
    return f"{ACS3_ALGORITHM}\n{sha256_hex(canonical_request.encode('utf-8'))}", canonical_request


def acs3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def rpc_string_to_sign(method: str, params: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)
    return f"{method}&%2F&{percent_encode(query)}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_timestamp(text: str | None) -> float:
    if not text:
        raise InvalidTimeStampFormat("The timestamp (x-acs-date / Timestamp) is missing.")
    try:
        moment = datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise InvalidTimeStampFormat(f"Specified time stamp or date value is not well formatted: {text}") from None
    return moment.timestamp()


class SignatureVerifier:
    """Checks a POP request's signature and returns the AccessKey that signed it, or raises a PopError."""

    def __init__(self, keys: KeyStore, nonces: NonceCache | None = None,
                 wall: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.nonces = nonces or NonceCache()
        self._wall = wall

    def verify(self, request: Request) -> AccessKey:
        authorization = request.headers.get("authorization")
        if authorization:
            return self._verify_acs3(request, authorization)
        params = request.params()
        if "Signature" in params or "AccessKeyId" in params:
            return self._verify_rpc(request, params)
        raise MissingParameter("AccessKeyId")

    def _verify_acs3(self, request: Request, authorization: str) -> AccessKey:
        algorithm, fields = parse_authorization(authorization)
        if algorithm != ACS3_ALGORITHM:
            raise IncompleteSignature(f"The signature algorithm {algorithm!r} is not supported; use {ACS3_ALGORITHM}.")
        missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not fields.get(name)]
        if missing:
            raise IncompleteSignature(f"The Authorization header lacks {', '.join(missing)}.")
        key = self._key(fields["Credential"])
        self._check_time(request.headers.get("x-acs-date"))
        nonce = request.headers.get("x-acs-signature-nonce")
        if not nonce:
            raise MissingParameter("SignatureNonce")
        signed = fields["SignedHeaders"].lower().split(";")
        unsigned = sorted(n for n in request.headers.names() if (n == "host" or n.startswith("x-acs-"))
                          and n not in signed)
        if unsigned:
            raise IncompleteSignature(f"SignedHeaders must include host and every x-acs-* header; missing {unsigned}.")
        payload_hash = sha256_hex(request.body)
        if request.headers.get("x-acs-content-sha256", payload_hash) != payload_hash:
            raise SignatureDoesNotMatch("The x-acs-content-sha256 header does not match the request body.")
        self._check_token(key, request.headers.get("x-acs-security-token"))
        string_to_sign, canonical_request = acs3_string_to_sign(request, signed, payload_hash)
        if not hmac.compare_digest(acs3_signature(key.secret, string_to_sign), fields["Signature"].lower()):
            raise SignatureDoesNotMatch(f"{ACS3_SIGNATURE_MISMATCH} server StringToSign is [{string_to_sign}] "
                                        f"server CanonicalRequest is [{canonical_request}]")
        self._use_nonce(key, nonce)
        return key

    def _verify_rpc(self, request: Request, params: dict[str, str]) -> AccessKey:
        for name in ("AccessKeyId", "Signature", "SignatureNonce"):
            if not params.get(name):
                raise MissingParameter(name)
        if params.get("SignatureMethod", RPC_METHOD) != RPC_METHOD:
            raise IncompleteSignature(f"SignatureMethod {params['SignatureMethod']!r} is not supported.")
        key = self._key(params["AccessKeyId"])
        if not params.get("Timestamp"):
            raise MissingParameter("Timestamp")
        self._check_time(params["Timestamp"])
        self._check_token(key, params.get("SecurityToken"))
        string_to_sign = rpc_string_to_sign(request.method, params)
        if not hmac.compare_digest(rpc_signature(key.secret, string_to_sign), params["Signature"]):
            raise SignatureDoesNotMatch(f"{SignatureDoesNotMatch.message} server string to sign is:{string_to_sign}")
        self._use_nonce(key, params["SignatureNonce"])
        return key

    def _key(self, key_id: str) -> AccessKey:
        key = self.keys.get(key_id)
        if key is None:
            raise InvalidAccessKeyIdNotFound()
        if not key.active:
            raise InvalidAccessKeyIdInactive()
        return key

    def _check_time(self, text: str | None) -> None:
        if abs(self._wall() - parse_timestamp(text)) > MAX_SKEW_SECONDS:
            raise InvalidTimeStampExpired(f"Specified time stamp or date value is expired: {text}")

    def _check_token(self, key: AccessKey, token: str | None) -> None:
        fault = self.keys.token_fault(key, token)
        if fault is TokenFault.MISSING:
            raise MissingParameter("SecurityToken")
        if fault is TokenFault.EXPIRED:
            raise InvalidSecurityTokenExpired()
        if fault is TokenFault.MALFORMED:
            raise InvalidSecurityTokenMalformed()
        if fault is TokenFault.MISMATCH:
            raise InvalidSecurityTokenMismatch()

    def _use_nonce(self, key: AccessKey, nonce: str) -> None:
        if not self.nonces.use(key.id, nonce, self._wall()):
            raise SignatureNonceUsed()

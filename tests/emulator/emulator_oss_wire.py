"""An OSS request signer of the tests' own, for raw requests sent with http.client.

Written from docs/aliyun-wire.md §4 (V4 steps 1-8, V1), not imported from the emulator, so a
verifier bug cannot hide behind a shared helper.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import formatdate
from urllib.parse import quote, quote_plus
from xml.etree import ElementTree

BUCKET = "sms-fc-elements"
E_JSON = "elements/SMS/Default/e.json"
V1_SUBRESOURCES = ("acl", "uploadId", "continuation-token", "objectMeta", "response-content-disposition")


def rfc3986(text: str) -> str:
    """Every byte but ``A-Za-z0-9-_.~`` as ``%XX``: how V4 encodes query names and values for signing."""
    return quote(text, safe="")


# How clients put a query on the wire: alibabacloud-oss-v2 as V4 signs it; oss2 through requests (a space
# as ``+``); ali-oss with encodeURIComponent (``!'()*`` left as they are).
QUERY_ENCODERS = {
    "rfc3986": rfc3986,
    "form": lambda text: quote_plus(text, safe=""),
    "raw": lambda text: quote(text, safe="!'()*"),
}


@dataclass
class OssReply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def xml(self) -> ElementTree.Element:
        return ElementTree.fromstring(self.raw)

    @property
    def code(self) -> str | None:
        return self.xml.findtext("Code")

    def field(self, name: str) -> str | None:
        return self.xml.findtext(name)


@dataclass
class OssCall:
    """One OSS request: sign it with :meth:`v4` or :meth:`v1`, then send it."""

    host: str
    key_id: str
    secret: str
    method: str = "GET"
    bucket: str | None = BUCKET
    key: str | None = E_JSON
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    token: str | None = None
    region: str = "cn-hangzhou"
    skew: float = 0
    virtual_host: str | None = None
    query_style: str = "rfc3986"  # how the query is sent: see QUERY_ENCODERS (the signature never changes)

    def moment(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.skew)

    def raw_query(self, pairs: list[tuple[str, str]]) -> str:
        encode = QUERY_ENCODERS[self.query_style]
        return "&".join(f"{encode(k)}={encode(v)}" if v else encode(k) for k, v in pairs)

    def target(self, key: str | None, pairs: list[tuple[str, str]]) -> str:
        if self.virtual_host:
            path = "/" + quote(key or "")
        else:
            path = "/" + (f"{self.bucket}/" if self.bucket else "") + quote(key or "")
        query = self.raw_query(pairs)
        return path + (f"?{query}" if query else "")

    def v4_parts(self) -> tuple[dict[str, str], str, str, str]:
        """(headers, string to sign, scope, signature) for V4."""
        stamp = self.moment().strftime("%Y%m%dT%H%M%SZ")
        scope = f"{stamp[:8]}/{self.region}/oss/aliyun_v4_request"
        headers = {"x-oss-date": stamp, "x-oss-content-sha256": "UNSIGNED-PAYLOAD", **self.headers}
        if self.token:
            headers["x-oss-security-token"] = self.token
        uri = quote("/" + (f"{self.bucket}/" if self.bucket else "") + (self.key or ""), safe="/")
        pairs = sorted((rfc3986(k), rfc3986(v)) for k, v in self.query)  # V4 step 2: the decoded values, re-encoded
        query = "&".join(f"{k}={v}" if v else k for k, v in pairs)
        signed = sorted((k.lower(), v) for k, v in headers.items()
                        if k.lower().startswith("x-oss-") or k.lower() in ("content-type", "content-md5"))
        canonical = "\n".join([self.method, uri, query, "".join(f"{k}:{v}\n" for k, v in signed), "",
                               headers["x-oss-content-sha256"]])
        string_to_sign = f"OSS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("aliyun_v4" + self.secret).encode()
        for part in scope.split("/"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return headers, string_to_sign, scope, hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def v4(self, separator: str = ",", **after_signing: object) -> OssReply:
        headers, _, scope, signature = self.v4_parts()
        headers["Authorization"] = f"OSS4-HMAC-SHA256 Credential={self.key_id}/{scope}{separator}Signature={signature}"
        return self.send(headers, **after_signing)

    def v1_parts(self) -> tuple[dict[str, str], str, str]:
        """(headers, string to sign, signature) for V1."""
        headers = {"Date": formatdate(self.moment().timestamp(), usegmt=True), **self.headers}
        if self.token:
            headers["x-oss-security-token"] = self.token
        lower = {k.lower(): v for k, v in headers.items()}
        oss_headers = "".join(f"{k}:{v}\n" for k, v in sorted(lower.items()) if k.startswith("x-oss-"))
        resource = "/" + (f"{self.bucket}/" if self.bucket else "") + (self.key or "")
        subresources = sorted((k, v) for k, v in self.query if k in V1_SUBRESOURCES)
        if subresources:
            resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subresources)
        string_to_sign = (f"{self.method}\n{lower.get('content-md5', '')}\n{lower.get('content-type', '')}\n"
                          f"{headers['Date']}\n{oss_headers}{resource}")
        digest = hmac.new(self.secret.encode(), string_to_sign.encode(), hashlib.sha1).digest()
        return headers, string_to_sign, base64.b64encode(digest).decode()

    def v1(self, **after_signing: object) -> OssReply:
        headers, _, signature = self.v1_parts()
        headers["Authorization"] = f"OSS {self.key_id}:{signature}"
        return self.send(headers, **after_signing)

    def send(self, signed_headers: dict[str, str], **after_signing: object) -> OssReply:
        """Send as signed; ``key``, ``query`` or ``headers`` in ``after_signing`` change the request afterwards."""
        headers = {**signed_headers, **after_signing.get("headers", {})}  # type: ignore[dict-item]
        if self.virtual_host:
            headers["Host"] = self.virtual_host
        key = after_signing.get("key", self.key)
        query = after_signing.get("query", self.query)
        return send(self.host, self.method, self.target(key, query), self.body, headers)  # type: ignore[arg-type]


def send(host: str, method: str, target: str, body: bytes, headers: dict[str, str]) -> OssReply:
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return OssReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()

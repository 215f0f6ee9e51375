"""Test helpers for the emulator's own tests: seed constants and an independent request signer.

The signer is written from the wire description (docs/aliyun-wire.md §1.2 and §1.3), not
imported from the emulator, so a verifier bug cannot hide behind a shared helper.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

SIGN = "阿里云短信测试"
VERIFY = "SMS_100000001"
NOTIFY = "SMS_100000002"
APPROVAL = "SMS_100000003"
REVIEWING_TEMPLATE = "SMS_100000004"
REJECTED_TEMPLATE = "SMS_100000005"
REVIEWING_SIGN = "审核中签名"
REJECTED_SIGN = "驳回签名"
PHONE = "13800138000"
STS_KEY = "STS.TestKeyId00000000000000001"
STS_SECRET = "TestStsSecret00000000000000000001"
STS_TOKEN = "TestSecurityToken000000000000000000000001"
SMS_VERSION = "2017-05-25"


def pe(text: str) -> str:
    return quote(text, safe="~")


def utc_stamp(offset_seconds: float = 0) -> str:
    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> dict:
        return json.loads(self.raw)

    @property
    def code(self) -> str:
        return self.body["Code"]


@dataclass
class WireCall:
    """One POP request, signed by this file's own signer and sent with http.client."""

    host: str
    key_id: str
    secret: str
    action: str = "QuerySmsSign"
    version: str = SMS_VERSION
    query: dict[str, str] = field(default_factory=lambda: {"SignName": SIGN})
    form: dict[str, str] | None = None
    token: str | None = None
    timestamp: str = field(default_factory=utc_stamp)
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex)

    def body(self) -> bytes:
        return urlencode(self.form).encode() if self.form is not None else b""

    def acs3(self, **after_signing: object) -> Reply:
        """Sign with ACS3-HMAC-SHA256, then send; ``after_signing`` may replace query/body/headers."""
        body = self.body()
        headers = {
            "host": self.host, "x-acs-action": self.action, "x-acs-version": self.version,
            "x-acs-date": self.timestamp, "x-acs-signature-nonce": self.nonce,
            "x-acs-content-sha256": hashlib.sha256(body).hexdigest(), "accept": "application/json",
        }
        if self.form is not None:
            headers["content-type"] = "application/x-www-form-urlencoded"
        if self.token:
            headers["x-acs-security-token"] = self.token
        signed = sorted(headers)
        canonical = "\n".join([
            "POST", "/", "&".join(f"{pe(k)}={pe(v)}" for k, v in sorted(self.query.items())),
            "".join(f"{name}:{headers[name].strip()}\n" for name in signed), ";".join(signed),
            headers["x-acs-content-sha256"],
        ])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        signature = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={self.key_id},"
                                    f"SignedHeaders={';'.join(signed)},Signature={signature}")
        headers.update(after_signing.get("headers", {}))  # type: ignore[arg-type]
        query = after_signing.get("query", self.query)
        return send(self.host, "/?" + urlencode(query), after_signing.get("body", body), headers)  # type: ignore

    def rpc(self, **after_signing: object) -> Reply:
        """Sign with RPC v2 HMAC-SHA1 (parameters in the query), then send."""
        params = {
            "Action": self.action, "Version": self.version, "Format": "json", "AccessKeyId": self.key_id,
            "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": self.nonce,
            "Timestamp": self.timestamp, **self.query, **(self.form or {}),
        }
        if self.token:
            params["SecurityToken"] = self.token
        joined = "&".join(f"{pe(k)}={pe(v)}" for k, v in sorted(params.items()))
        digest = hmac.new(f"{self.secret}&".encode(), f"POST&%2F&{pe(joined)}".encode(), hashlib.sha1).digest()
        query = {k: v for k, v in params.items() if self.form is None or k not in self.form}
        query["Signature"] = base64.b64encode(digest).decode()
        query.update(after_signing.get("query", {}))  # type: ignore[arg-type]
        headers = {"host": self.host, "content-type": "application/x-www-form-urlencoded"}
        body = after_signing.get("body", self.body())
        return send(self.host, "/?" + urlencode(query), body, headers)  # type: ignore[arg-type]


def send(host: str, target: str, body: bytes, headers: dict[str, str], method: str = "POST") -> Reply:
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()

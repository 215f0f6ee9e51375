"""Set-up for the verification tests: elements, one controllable clock for store and emulator."""

from __future__ import annotations

import json
from pathlib import Path

from clock_support import FakeClock
from fc_support import fc_context, http_event, invoke, write

from shared.elements import runtime
from shared.store import open_store

CODE_TEMPLATE = "SMS_100000001"  # the emulator's default seed: 您的验证码为${code}，5分钟内有效。
HMAC_KEY = "test-hmac-key-0123456789abcdef0123456789"
TOKEN_KEY = "test-token-key-0123456789abcdef012345678"
PHONE = "13800138000"
OTHER_PHONE = "13900139000"


def write_elements(root: Path, access_key: str, **policy: object) -> None:
    write(root, "SMS/Default/e.json", {"title": "d", "type": "SMS.Aliyun", "backendBundleEntry": "."})
    write(root, "SMS/Default/sms.json", {"accessKey": access_key, "accessSecret": {"kms": "sms/default-secret"},
                                         "verifySign": "阿里云短信测试"})
    write(root, "Verify/Default/e.json", {"title": "codes", "type": "Verify.SmsCode", "backendBundleEntry": "."})
    config = {"sms": "SMS.Default", "templateCode": CODE_TEMPLATE, "hmacKey": {"kms": "verify/keys", "key": "hmac"},
              "tokenKey": {"kms": "verify/keys", "key": "token"}, **policy}
    write(root, "Verify/Default/verify.json", config)


class Clocks:
    """Moves the store's clock and the emulator's together (Aliyun's flow control lives there)."""

    def __init__(self, emulator) -> None:
        self.store = FakeClock(emulator.clock.now())  # one time: the send log's dates are Aliyun's
        self.emulator = emulator

    def advance(self, seconds: float) -> None:
        self.store.advance(seconds)
        self.emulator.clock.advance(seconds)


class Verification:
    """The verification function wired to the emulator and a store; call it as FC does."""

    def __init__(self, emulator, store_url: str, clocks: Clocks, prefix: str) -> None:
        from functions.verification.index import handler

        self.emulator = emulator
        self.clocks = clocks
        self.handler = handler
        self.app = runtime.app_for(fc_context(function="verification"))
        self.app.store = open_store(store_url, clock=clocks.store, prefix=prefix)

    @property
    def store(self):
        return self.app.store

    @property
    def policy(self):
        return self.app.getElement("Verify.Default")

    def post(self, path: str, body: object, *, ip: str = "198.51.100.7", headers: dict | None = None,
             method: str = "POST") -> dict:
        event = http_event(body, path=path, method=method,
                           headers={"content-type": "application/json", **(headers or {})})
        event["requestContext"]["http"]["sourceIp"] = ip
        return invoke(self.handler, event, fc_context(function="verification"))

    def issue(self, phone: str = PHONE, purpose: str = "login", **kwargs) -> dict:
        return self.post("/codes", {"phone": phone, "purpose": purpose}, **kwargs)

    def verify(self, code: str, phone: str = PHONE, purpose: str = "login", **kwargs) -> dict:
        return self.post("/codes/verify", {"phone": phone, "purpose": purpose, "code": code}, **kwargs)

    def last_code(self, phone: str = PHONE) -> str:
        messages = self.emulator.messages(phone=phone)
        assert messages, f"no SMS reached {phone}"
        return messages[0]["params"]["code"]


def secrets_json() -> str:
    return json.dumps({"hmac": HMAC_KEY, "token": TOKEN_KEY})

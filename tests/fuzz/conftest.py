"""The fuzz suite's set-up: hypothesis profiles, the two HTTP functions wired to the emulator, counts.

``SMS_FUZZ_PROFILE`` picks how many inputs each route gets: ``ci`` (the default, what ``make
test`` runs) or ``soak`` (``make soak``: at least :data:`SOAK_MINIMUM` per route, checked at the
end). Neither has a deadline: a slow example on a busy machine is not a failure.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from fuzz_support import COUNTS, FULL_KEY, READ_KEY
from hypothesis import HealthCheck, settings

from shared.elements import runtime
from shared.fc.api_keys import hash_key

ROUTES = ("POST /messages (API key)", "POST /messages (no key)", "GET /messages/{id}", "GET /messages?phone",
          "POST /codes", "POST /codes/verify", "POST /receipts/report", "POST /receipts/up")
SOAK_MINIMUM = 10_000

_COMMON = {
    "deadline": None,
    "database": None,  # nothing written beside the code; a failure prints its example and a reproduction blob
    "print_blob": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                              HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=1_000, **_COMMON)
settings.register_profile("soak", max_examples=SOAK_MINIMUM + 500, **_COMMON)
PROFILE = os.environ.get("SMS_FUZZ_PROFILE", "ci")
settings.load_profile(PROFILE)


def write(root, path, data):
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, ensure_ascii=False))


@pytest.fixture
def elements(emulator, tmp_path, monkeypatch):
    """Both functions' elements and secrets, on a fresh instance; the settings are production's defaults."""
    root = tmp_path / "elements"
    write(root, "SMS/Default/e.json", {"title": "d", "type": "SMS.Aliyun", "backendBundleEntry": "."})
    write(root, "SMS/Default/sms.json", {"accessKey": emulator.access_key_id,
                                         "accessSecret": {"kms": "sms/default-secret"}, "verifySign": "阿里云短信测试"})
    write(root, "Directory/Default/e.json", {"title": "dir", "type": "Directory.Static", "backendBundleEntry": "."})
    write(root, "Directory/Default/directory.json", {
        "members": [{"id": "u1", "name": "张三", "phone": "13800138001", "departments": ["sales"],
                     "roles": ["approver"]}],
        "departments": [{"id": "sales"}], "roles": [{"id": "approver"}]})
    write(root, "Verify/Default/e.json", {"title": "codes", "type": "Verify.SmsCode", "backendBundleEntry": "."})
    write(root, "Verify/Default/verify.json", {
        "sms": "SMS.Default", "templateCode": "SMS_100000001",
        "hmacKey": {"kms": "verify/keys", "key": "hmac"}, "tokenKey": {"kms": "verify/keys", "key": "token"}})
    emulator.kms_put_secret("sms-fc/api-keys", json.dumps({"keys": [
        {"id": "full", "sha256": hash_key(FULL_KEY)},
        {"id": "reader", "sha256": hash_key(READ_KEY), "scopes": ["read"]}]}))
    emulator.kms_put_secret("verify/keys", json.dumps({"hmac": "fuzz-hmac-key-0123456789abcdef0123456789",
                                                       "token": "fuzz-token-key-0123456789abcdef012345678"}))
    env = {"SMS_ELEMENTS_SOURCE": str(root), "SMS_DYSMS_ENDPOINT": emulator.endpoint,
           "SMS_KMS_ENDPOINT": emulator.endpoint, "SMS_API_KEYS_SECRET": "sms-fc/api-keys",
           "SMS_STORE_URL": f"sqlite:///{tmp_path / f'store-{uuid.uuid4().hex[:6]}.db'}",
           "SMS_CORS_ORIGINS": "https://app.example.com",
           "SMS_DATA_KEY_ID": "alias/sms-fc-store", "SMS_HMAC_KEY_SECRET": "sms-fc/hmac-key"}  # in the default seed
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    yield emulator
    runtime.reset()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    terminalreporter.section(f"fuzz inputs per route (profile {PROFILE})")
    for route in ROUTES:
        if route in COUNTS:
            terminalreporter.write_line(f"{route:<28} {COUNTS[route]:>7,}")
    terminalreporter.write_line(f"{'total':<28} {sum(COUNTS.values()):>7,}")


def pytest_sessionfinish(session, exitstatus):
    """A soak that ran fewer than :data:`SOAK_MINIMUM` inputs on a route it ran at all has failed."""
    short = {route: n for route, n in COUNTS.items() if n < SOAK_MINIMUM}
    if PROFILE == "soak" and short and exitstatus == 0:
        print(f"\nsoak: fewer than {SOAK_MINIMUM:,} inputs on {short}")
        session.exitstatus = 1

"""End to end: the verification function texts a code, the code is read off the outbox page, and
the function accepts it.

The stack is the local one ``make dev`` runs: the elements in ``examples/elements`` (``SMS.Default``,
``Verify.Default``), the verification function's FC handler called with FC 3.0 HTTP events, a SQLite
store, and the emulator as Aliyun. The test knows the code only from what the page shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from outbox_page import newest_code
from playwright.sync_api import expect

from shared import runtime

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13800138000"


def http_event(path: str, body: dict) -> bytes:
    event = json.loads((ROOT / "events" / "http_send_sms.json").read_text(encoding="utf-8"))
    event["headers"] = {"Content-Type": "application/json", "User-Agent": "browser-test"}
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["body"] = json.dumps(body)
    return json.dumps(event).encode("utf-8")


def context(request_id: str) -> SimpleNamespace:
    return SimpleNamespace(request_id=request_id, credentials=None, region="cn-hangzhou", account_id="1234567890123456",
                           function=SimpleNamespace(name="verification", handler="index.handler", memory=256,
                                                    timeout=30))


@pytest.fixture
def verification(emulator, tmp_path, monkeypatch):
    """Call the verification function as FC does: ``verification(path, body)`` → (status, JSON body)."""
    from functions.verification.index import handler

    settings = {"SMS_ELEMENTS_SOURCE": str(ROOT / "examples" / "elements"), "SMS_DYSMS_ENDPOINT": emulator.endpoint,
                "SMS_KMS_ENDPOINT": emulator.endpoint, "SMS_OSS_ENDPOINT": emulator.endpoint,
                "SMS_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    calls = iter(range(1, 1000))

    def call(path: str, body: dict) -> tuple[int, dict]:
        answer = handler(http_event(path, body), context(f"req-browser-{next(calls)}"))
        return answer["statusCode"], json.loads(answer["body"])

    yield call
    runtime.reset()


def test_a_code_read_off_the_outbox_page_verifies(verification, outbox):
    outbox.open()
    expect(outbox.empty).to_be_visible()
    status, issued = verification("/codes", {"phone": PHONE, "purpose": "login"})
    assert status == 200, issued
    code = newest_code(outbox.page, phone=PHONE, count=1)
    expect(outbox.detail_field("templateCode")).to_contain_text("(verification code)")
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert verification("/codes/verify", {"phone": PHONE, "purpose": "login", "code": wrong})[1]["verified"] is False
    status, verified = verification("/codes/verify", {"phone": PHONE, "purpose": "login", "code": code})
    assert (status, verified["verified"]) == (200, True)
    assert verified["token"]

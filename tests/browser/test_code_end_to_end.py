"""End to end on the local stack ``make dev`` runs: the verification function texts a code, the
code is read off the outbox page, and the function accepts it.

``emulator.dev.DevStack`` is that stack: the emulator seeded from ``examples/`` and the local FC
runtime serving ``s.yaml``'s functions (instances as processes) on FC 3.0 HTTP triggers. The test
talks to it only over HTTP, and knows the code only from what the page shows.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from outbox_page import OutboxPage, newest_code
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = "13800138002"


@pytest.fixture
def stack(tmp_path):
    from emulator.dev import DevStack

    stack = DevStack("127.0.0.1", 0, 0, tmp_path / "state")
    try:
        yield stack
    finally:
        stack.stop()


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_code_read_off_the_outbox_page_verifies(stack, page):
    functions = stack.functions.endpoint + "/verification"
    outbox = OutboxPage(page, stack.emulator.endpoint).open()
    expect(outbox.empty).to_be_visible()
    status, issued = post(f"{functions}/codes", {"phone": PHONE, "purpose": "login"})
    assert status == 200, issued
    code = newest_code(page, phone=PHONE, count=1)
    expect(outbox.detail_field("templateCode")).to_contain_text("(verification code)")
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    refused = post(f"{functions}/codes/verify", {"phone": PHONE, "purpose": "login", "code": wrong})
    assert refused[1]["verified"] is False
    status, verified = post(f"{functions}/codes/verify", {"phone": PHONE, "purpose": "login", "code": code})
    assert (status, verified["verified"]) == (200, True)
    assert verified["token"]

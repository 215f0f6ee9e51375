"""The outbox page's files over HTTP, the redirects to it, and the listing filters it searches with.

What the page does in a browser is tested in ``tests/browser``.
"""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path

import pytest
from alibabacloud_dysmsapi20170525 import models
from emulator_wire import NOTIFY, PHONE, SIGN, VERIFY

WEB = Path(__file__).resolve().parents[2] / "emulator" / "web"


def get(emulator, path, headers=None):
    connection = http.client.HTTPConnection(emulator.server.host, emulator.server.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def send(client, phone=PHONE, template=NOTIFY, params=None):
    request = models.SendSmsRequest(phone_numbers=phone, sign_name=SIGN, template_code=template,
                                    template_param=json.dumps(params or {"name": "a", "order": "1"}))
    return client.send_sms(request).body


def test_page_is_html_that_loads_only_its_own_script_and_styles(emulator):
    status, headers, body = get(emulator, "/_emulator/outbox")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    html = body.decode()
    assert re.findall(r'<script src="([^"]+)"', html) == ["/_emulator/outbox/outbox.js"]
    assert "<script>" not in html and "style=" not in html  # nothing inline: the CSP would block it
    assets = (("/_emulator/outbox/outbox.js", "text/javascript"), ("/_emulator/outbox/outbox.css", "text/css"))
    for path, kind in assets:
        assert path in html
        status, headers, body = get(emulator, path)
        assert (status, headers["content-type"].split(";")[0]) == (200, kind)
        assert body == (WEB / path.rsplit("/", 1)[1]).read_bytes()


@pytest.mark.parametrize("name", ["__init__.py", "outbox.html", "..%2F__init__.py", "..%2F..%2Fcontrol.py", "x.js"])
def test_only_the_pages_files_are_served(emulator, name):
    status, _, body = get(emulator, f"/_emulator/outbox/{name}")
    assert status == 404
    assert "error" in json.loads(body)


def test_control_root_redirects_to_the_page(emulator):
    for path in ("/_emulator", "/_emulator/"):
        status, headers, _ = get(emulator, path)
        assert (status, headers["location"]) == (302, "/_emulator/outbox")


def test_a_browser_opening_the_root_is_sent_to_the_page(emulator):
    status, headers, _ = get(emulator, "/", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert (status, headers["location"]) == (302, "/_emulator/outbox")


@pytest.mark.parametrize(("path", "headers"), [
    ("/", {}),  # no Accept: text/html (what SDKs send)
    ("/", {"Accept": "text/html", "Authorization": "OSS4-HMAC-SHA256 Credential=x"}),  # signed: an SDK call
    ("/?Action=SendSms", {"Accept": "text/html"}),  # a POP call
])
def test_sdk_requests_to_the_root_are_never_redirected(emulator, path, headers):
    status, _, _ = get(emulator, path, headers)
    assert status not in (301, 302, 303, 307, 308)
    assert status >= 400


@pytest.mark.parametrize(("query", "phones"), [
    ("phoneContains=0013", ["13900139000", "13800138000"]),
    ("phoneContains=139", ["13900139000"]),
    ("phoneContains=5678", ["15012345678"]),
    ("templateContains=sms_100000001", ["13900139000"]),
    ("templateContains=00002", ["15012345678", "13800138000"]),
    ("templateContains=00002&phoneContains=150", ["15012345678"]),
    ("templateContains=SMS_9", []),
])
def test_messages_can_be_searched_by_part_of_the_phone_and_template(sms, emulator, query, phones):
    send(sms)
    send(sms, phone="13900139000", template=VERIFY, params={"code": "8888"})
    send(sms, phone="15012345678")
    status, _, body = get(emulator, f"/_emulator/sms/messages?{query}")
    assert status == 200
    listing = json.loads(body)
    assert [m["phone"] for m in listing["messages"]] == phones
    assert listing["total"] == len(phones)


def test_fixture_messages_take_the_search_filters(sms, emulator):
    send(sms)
    send(sms, phone="13900139000", template=VERIFY, params={"code": "8888"})
    assert [m["phone"] for m in emulator.messages(phoneContains="139")] == ["13900139000"]
    assert [m["phone"] for m in emulator.messages(templateContains="00002")] == [PHONE]


def test_the_script_never_turns_text_into_markup():
    script = (WEB / "outbox.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script

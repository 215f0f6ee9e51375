"""The outbox page's pushes: receipts with their attempts and next retry, and replies sent from the page.

The pushes go to a real receiver on 127.0.0.1; the test moves the emulator's clock and waits for the
pusher thread with ``drain_pushes``, then for the page with Playwright's ``expect``.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIGN = "阿里云短信测试"
PHONE = "13800138000"
UNDELIVERABLE = "17000000000"  # the default seed's MOBILE_NOT_ON_SERVICE number
NOTIFY = "SMS_100000002"
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def send(app, phones):
    return app.getElement("SMS.Default").sendMessage(phones, {"name": "a", "order": "1"}, NOTIFY)


def test_receipt_pushes_show_their_status_attempts_and_next_retry(app, outbox, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url("/receipts?token=secret-token"), timeoutMs=10_000)
    receiver.answer_with((500, "busy"))
    send(app, [PHONE, UNDELIVERABLE])
    outbox.open()
    expect(outbox.page.get_by_test_id("push-empty")).to_be_visible()
    expect(outbox.page.get_by_test_id("push-config")).to_contain_text(f"Receipts → {receiver.url('/receipts')}?…")
    emulator.clock.advance(3)
    emulator.drain_pushes()
    expect(outbox.push_rows).to_have_count(1)
    expect(outbox.push_cell("kind")).to_have_text("receipts")
    expect(outbox.push_cell("items")).to_contain_text("138****8000 DELIVERED")
    expect(outbox.push_cell("items")).to_contain_text("170****0000 MOBILE_NOT_ON_SERVICE")
    expect(outbox.push_cell("status").locator(".push")).to_have_text("retrying")
    expect(outbox.push_cell("status")).to_contain_text("HTTP 500 busy")
    expect(outbox.push_cell("attempts")).to_have_text("1")
    expect(outbox.push_cell("next")).to_have_text(TIME)
    html = outbox.page.content()
    assert "secret-token" not in html and PHONE not in html and UNDELIVERABLE not in html
    emulator.clock.advance(60)
    [push] = emulator.drain_pushes()
    assert push["status"] == "accepted"
    expect(outbox.push_cell("status")).to_have_text("accepted")
    expect(outbox.push_cell("attempts")).to_have_text("2")
    expect(outbox.push_cell("next")).to_have_text("—")
    outbox.show_full_numbers()
    expect(outbox.push_cell("items")).to_contain_text(f"{PHONE} DELIVERED")


def test_a_reply_sent_from_the_page_is_pushed_as_smsup_and_listed(app, outbox, emulator, receiver):
    send(app, [PHONE])
    outbox.open()
    result = outbox.reply(PHONE, "TD")
    expect(result).to_have_text("Not pushed: no reply URL is set (PUT /_emulator/sms/push with upUrl).")
    assert emulator.pushes() == []
    emulator.set_push(upUrl=receiver.url("/up"), timeoutMs=10_000)
    result = outbox.reply(PHONE, "TD")
    expect(result).to_have_text(re.compile(rf"^Pushed as SmsUp #\d+ \({SIGN}\)\.$"))
    [item] = receiver.next().json()
    assert (item["phone_number"], item["content"], item["sign_name"]) == (PHONE, "TD", SIGN)
    emulator.drain_pushes()
    expect(outbox.push_rows).to_have_count(1)
    expect(outbox.push_cell("kind")).to_have_text("reply")
    expect(outbox.push_cell("items")).to_have_text(f"138****8000: TD ({SIGN})")
    expect(outbox.push_cell("status")).to_have_text("accepted")
    expect(outbox.page.get_by_test_id("reply-content")).to_have_value("")

"""The outbox page in headless Chromium, against messages sent through the real Dysmsapi SDK."""

import re

import pytest
from outbox_page import newest_code
from playwright.sync_api import expect

from shared import App, ConfigUnavailableError, SmsError
from shared.aliyun.credentials import Credentials
from shared.settings import Endpoint, Settings

pytestmark = pytest.mark.browser

SIGN = "阿里云短信测试"  # the sign of the app fixture's SMS.Default
PHONE = "13800138000"
OTHER = "13900139000"
UNDELIVERABLE = "17000000000"  # the default seed's MOBILE_NOT_ON_SERVICE number
VERIFY = "SMS_100000001"  # 您的验证码为${code}，5分钟内有效。
NOTIFY = "SMS_100000002"  # 您好，${name}，您的订单${order}已发货。


def send(app, phone, params, template=NOTIFY):
    return app.getElement("SMS.Default").sendMessage([phone], params, template)


def test_lists_messages_newest_first_with_numbers_masked_and_text_escaped(app, outbox):
    send(app, PHONE, {"name": "<b id=pwn>x</b>", "order": "1024"})
    send(app, OTHER, {"code": "4821"}, VERIFY)
    outbox.open()
    expect(outbox.rows).to_have_count(2)
    expect(outbox.cell("phone", 0)).to_have_text("139****9000")
    expect(outbox.cell("sign", 0)).to_have_text(SIGN)
    expect(outbox.cell("template", 0)).to_have_text(VERIFY)
    expect(outbox.cell("content", 0)).to_have_text(f"【{SIGN}】您的验证码为4821，5分钟内有效。")
    expect(outbox.cell("status", 0)).to_have_text("waiting")
    expect(outbox.cell("time", 0)).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))
    expect(outbox.cell("phone", 1)).to_have_text("138****8000")
    expect(outbox.cell("content", 1)).to_have_text(f"【{SIGN}】您好，<b id=pwn>x</b>，您的订单1024已发货。")
    expect(outbox.page.locator("#pwn")).to_have_count(0)
    html = outbox.page.content()
    assert PHONE not in html and OTHER not in html
    outbox.show_full_numbers()
    expect(outbox.cell("phone", 0)).to_have_text(OTHER)
    expect(outbox.cell("phone", 1)).to_have_text(PHONE)


def test_searches_by_phone_template_and_status(app, outbox, emulator):
    send(app, PHONE, {"name": "a", "order": "1"})
    send(app, OTHER, {"code": "4821"}, VERIFY)
    send(app, UNDELIVERABLE, {"name": "b", "order": "2"})
    emulator.clock.advance(3)  # past the 2 s delivery delay: two delivered, one failed
    outbox.open()
    expect(outbox.rows).to_have_count(3)
    outbox.search(phone="0013")
    expect(outbox.rows).to_have_count(2)
    expect(outbox.cell("phone", 0)).to_have_text("139****9000")
    outbox.search(phone="", template="00001")
    expect(outbox.rows).to_have_count(1)
    expect(outbox.cell("template", 0)).to_have_text(VERIFY)
    outbox.search(template="", status="failed")
    expect(outbox.rows).to_have_count(1)
    expect(outbox.cell("status", 0).locator(".status")).to_have_text("failed")
    expect(outbox.cell("status", 0)).to_contain_text("MOBILE_NOT_ON_SERVICE")
    outbox.search(status="delivered", template="sms_100000002")
    expect(outbox.rows).to_have_count(1)
    expect(outbox.cell("phone", 0)).to_have_text("138****8000")
    outbox.search(phone="999")
    expect(outbox.rows).to_have_count(0)
    expect(outbox.empty).to_be_visible()


def test_detail_shows_the_rendered_text_parameters_and_ids(app, outbox):
    answer = send(app, PHONE, {"name": "张三", "order": "1024"})
    send(app, OTHER, {"code": "4821"}, VERIFY)
    outbox.open()
    outbox.open_detail(1)
    expect(outbox.detail_field("content")).to_have_text(f"【{SIGN}】您好，张三，您的订单1024已发货。")
    expect(outbox.detail_param("name")).to_have_text("张三")
    expect(outbox.detail_param("order")).to_have_text("1024")
    expect(outbox.detail_field("templateCode")).to_have_text(f"{NOTIFY} (notification)")
    expect(outbox.detail_field("bizId")).to_have_text(answer["BizId"])
    expect(outbox.detail_field("phone")).to_have_text("138****8000")
    expect(outbox.row(1)).to_have_class("selected")
    outbox.page.get_by_test_id("detail-close").click()
    expect(outbox.page.get_by_test_id("detail")).to_be_hidden()


def test_clear_all_empties_the_outbox(app, outbox, emulator):
    send(app, PHONE, {"name": "a", "order": "1"})
    send(app, OTHER, {"name": "b", "order": "2"})
    outbox.open()
    expect(outbox.rows).to_have_count(2)
    outbox.clear_all()
    expect(outbox.rows).to_have_count(0)
    expect(outbox.empty).to_be_visible()
    expect(outbox.page.get_by_test_id("count")).to_have_text("0 messages")
    assert emulator.messages() == []


def test_new_messages_and_receipts_show_up_without_a_reload(app, outbox, emulator):
    outbox.open()
    expect(outbox.empty).to_be_visible()
    outbox.page.evaluate("window.sameDocument = true")
    send(app, PHONE, {"name": "a", "order": "1"})
    expect(outbox.rows).to_have_count(1)
    send(app, OTHER, {"code": "4821"}, VERIFY)
    expect(outbox.rows).to_have_count(2)
    expect(outbox.cell("template", 0)).to_have_text(VERIFY)
    emulator.clock.advance(3)
    expect(outbox.cell("status", 0)).to_have_text("delivered")
    assert outbox.page.evaluate("window.sameDocument") is True


def test_chaos_switches_round_trip_through_the_control_api(app, outbox, emulator):
    outbox.open()
    expect(outbox.chaos_switch("sms-flow-control")).not_to_be_checked()
    outbox.set_chaos_switch("sms-flow-control", True)
    assert emulator.chaos() == [{"service": "sms", "action": "SendSms", "probability": 1.0, "count": None,
                                 "fault": {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}, "fired": 0}]
    with pytest.raises(SmsError) as info:
        send(app, PHONE, {"name": "a", "order": "1"})
    assert info.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL"
    other = {"service": "kms", "action": "*", "probability": 0.5, "fault": {"type": "drop"}}
    emulator.set_chaos([{"service": "sms", "fault": {"type": "http", "status": 503}}, other])
    expect(outbox.chaos_switch("sms-unavailable")).to_be_checked()
    expect(outbox.chaos_switch("sms-flow-control")).not_to_be_checked()
    expect(outbox.page.get_by_test_id("chaos-other")).to_contain_text("kms/* drop")
    outbox.set_chaos_switch("sms-unavailable", False)
    assert emulator.chaos() == [{**other, "count": None, "fired": 0}]
    outbox.page.get_by_test_id("chaos-off").click()
    expect(outbox.page.get_by_test_id("chaos-other")).to_be_hidden()
    assert emulator.chaos() == []


def test_newest_code_reads_a_texted_code_off_the_page(app, outbox):
    send(app, PHONE, {"code": "3141"}, VERIFY)
    outbox.open()
    send(app, OTHER, {"code": "2718"}, VERIFY)
    send(app, PHONE, {"name": "a", "order": "1"})  # newer, but to another number... and not a code
    assert newest_code(outbox.page, phone=OTHER) == "2718"


@pytest.mark.parametrize(("switch", "code"), [("kms-throttled", "Rejected.Throttling"),
                                              ("kms-unavailable", "ServiceUnavailableTemporary"),
                                              ("kms-internal-failure", "InternalFailure")])
def test_kms_switches_make_shared_retry_then_give_up_until_switched_off(outbox, emulator, tmp_path, switch, code):
    settings = Settings(elements_source=str(tmp_path), kms_endpoint=Endpoint.parse(emulator.endpoint, "test"),
                        send_max_attempts=3, retry_base_delay_ms=0, retry_max_delay_ms=0)
    secrets = App(settings, credentials=Credentials(emulator.access_key_id, emulator.access_key_secret)).secrets
    outbox.open()
    outbox.set_chaos_switch(switch, True)
    with pytest.raises(ConfigUnavailableError) as info:
        secrets.get("sms/default-secret")
    assert info.value.provider_code == code
    assert emulator.stats()["kms"]["GetSecretValue"] == 3  # tried SMS_SEND_MAX_ATTEMPTS times
    outbox.set_chaos_switch(switch, False)
    assert secrets.get("sms/default-secret") == emulator.access_key_secret

"""Flow control through the SDK, on the controllable clock (no sleeping)."""

from __future__ import annotations

import json

import pytest
from alibabacloud_dysmsapi20170525 import models
from emulator_wire import NOTIFY, PHONE, SIGN, VERIFY

OTHER_PHONE = "13900139000"
HOUR_START = 1767225600  # 2026-01-01 00:00:00 UTC (08:00 in China): a whole minute and a whole hour


@pytest.fixture(autouse=True)
def whole_hour(emulator):
    """Pin the clock to the start of an hour so the clock-aligned windows are predictable."""
    emulator.clock.set(HOUR_START)


def send(client, phones=PHONE, template=VERIFY, sign=SIGN, params=None):
    values = params or ({"code": "1234"} if template == VERIFY else {"name": "a", "order": "1"})
    request = models.SendSmsRequest(phone_numbers=phones, sign_name=sign, template_code=template,
                                    template_param=json.dumps(values))
    return client.send_sms(request).body


def test_verification_codes_are_limited_to_one_per_minute(sms, emulator):
    assert send(sms).code == "OK"
    emulator.clock.advance(59)
    body = send(sms)
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
    emulator.clock.advance(1)  # the next whole minute starts
    assert send(sms).code == "OK"


def test_the_minute_window_resets_at_the_whole_minute_not_60_seconds_after_a_send(sms, emulator):
    emulator.clock.advance(59.5)
    assert send(sms).code == "OK"
    emulator.clock.advance(1)  # one second later, but in the next minute (整点)
    assert send(sms).code == "OK"


def test_the_limit_is_per_number_and_per_sign(sms, emulator):
    emulator.seed({"sms": {"signs": [{"name": "第二签名", "status": 1}]}})
    assert send(sms).code == "OK"
    assert send(sms, phones=OTHER_PHONE).code == "OK"
    assert send(sms, sign="第二签名").code == "OK"
    assert send(sms).code == "isv.BUSINESS_LIMIT_CONTROL"


def test_verification_codes_are_limited_to_five_per_hour(sms, emulator):
    for _ in range(5):
        assert send(sms).code == "OK"
        emulator.clock.advance(61)
    body = send(sms)
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5")
    emulator.clock.set(HOUR_START + 3600)  # the next whole hour: the five sends no longer count
    assert send(sms).code == "OK"


def test_the_hour_window_resets_at_the_whole_hour_not_3600_seconds_after_a_send(sms, emulator):
    emulator.clock.advance(3600 - 5 * 61)
    for _ in range(5):
        assert send(sms).code == "OK"
        emulator.clock.advance(60)
    assert send(sms).code == "isv.BUSINESS_LIMIT_CONTROL"  # still the same hour
    emulator.clock.set(HOUR_START + 3600)
    assert send(sms).code == "OK"  # a rolling hour would still hold five sends


def test_the_day_window_rolls_24_hours_from_each_send(sms, emulator):
    first = HOUR_START + 3600  # 01:00 UTC: both midnights (China's, 16:00 UTC; UTC's) fall in the next 24 h
    emulator.clock.set(first)
    for _ in range(10):
        assert send(sms).code == "OK"
        emulator.clock.advance(721)
    emulator.clock.set(first + 86400 - 1)  # past midnight in China and in UTC, within 24 h of the first send
    assert send(sms).message == "触发天级流控Permits:10"
    emulator.clock.set(first + 86401)  # the first send is more than 24 h old
    assert send(sms).code == "OK"


def test_verification_codes_are_limited_to_ten_per_day(sms, emulator):
    for _ in range(10):
        assert send(sms).code == "OK"
        emulator.clock.advance(721)  # 5 per hour stays satisfied
    body = send(sms)
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10")
    emulator.clock.advance(86400 - 10 * 721 + 1)
    assert send(sms).code == "OK"


def test_a_number_gets_at_most_40_verification_codes_a_day_over_all_signs(sms, emulator):
    signs = [f"签名{i}" for i in range(5)]
    emulator.seed({"sms": {"signs": [{"name": name, "status": 1} for name in signs]}})
    for _ in range(10):
        for sign in signs[:4]:
            assert send(sms, sign=sign).code == "OK"
        emulator.clock.advance(721)
    body = send(sms, sign=signs[4])
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:40")


def test_notifications_are_limited_to_50_a_day_per_sign_template_and_number(sms, emulator):
    for _ in range(50):
        assert send(sms, template=NOTIFY).code == "OK"
    body = send(sms, template=NOTIFY)
    assert (body.code, body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:50")
    assert send(sms, template="SMS_100000003", params={"userNick": "a", "processTitle": "b"}).code == "OK"
    assert send(sms, template=VERIFY).code == "OK"
    emulator.clock.advance(86400)
    assert send(sms, template=NOTIFY).code == "OK"


def test_one_limited_number_refuses_the_whole_request(sms, emulator):
    assert send(sms, phones=OTHER_PHONE).code == "OK"
    body = send(sms, phones=f"{PHONE},{OTHER_PHONE}")
    assert body.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert [m["phone"] for m in emulator.messages()] == [OTHER_PHONE]
    assert send(sms, phones=PHONE).code == "OK"  # the refused request did not use PHONE's permit


def test_a_number_repeated_in_one_request_counts_twice(sms, emulator):
    assert send(sms, phones=f"{PHONE},{PHONE}").code == "isv.BUSINESS_LIMIT_CONTROL"
    assert emulator.messages() == []


def test_refused_sends_do_not_use_permits(sms):
    assert send(sms, params={"code": "x"}).code == "isv.TEMPLATE_PARAMS_ILLEGAL"
    assert send(sms).code == "OK"


def test_batch_sends_are_flow_controlled_too(sms, emulator):
    request = models.SendBatchSmsRequest(phone_number_json=json.dumps([PHONE]), sign_name_json=json.dumps([SIGN]),
                                         template_code=VERIFY, template_param_json=json.dumps([{"code": "1234"}]))
    assert sms.send_batch_sms(request).body.code == "OK"
    assert sms.send_batch_sms(request).body.code == "isv.BUSINESS_LIMIT_CONTROL"
    assert send(sms).code == "isv.BUSINESS_LIMIT_CONTROL"


@pytest.mark.parametrize(("flow", "sends_ok"), [
    ({"enabled": False}, 3),
    ({"verificationPerMinute": 2}, 2),
])
def test_limits_can_be_seeded(sms, emulator, flow, sends_ok):
    emulator.seed({"sms": {"flowControl": flow}})
    codes = [send(sms).code for _ in range(3)]
    assert codes.count("OK") == sends_ok


def test_reset_clears_the_counters(sms, emulator):
    assert send(sms).code == "OK"
    emulator.reset()
    assert send(sms).code == "OK"

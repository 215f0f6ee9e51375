"""Account and signature states as seedable account state, through the SDK (answers with Aliyun's messages)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_dysmsapi20170525 import models
from control_support import control
from emulator_wire import NOTIFY, PHONE, SIGN, VERIFY

CHINA = timezone(timedelta(hours=8))
OTHER_PHONE = "13900139000"
TEST_SIGN = "测试签名"
TEST_TEMPLATE = "SMS_400000001"
CODE_SIGN = "验证码签名"
TEST_SEED = {"signs": [{"name": TEST_SIGN, "test": True}, {"name": CODE_SIGN, "scene": "verification"}],
             "templates": [{"code": TEST_TEMPLATE, "type": 0, "test": True, "content": "验证码${code}"}]}




def send(client, phones=PHONE, template=NOTIFY, sign=SIGN, params=None):
    values = params or ({"code": "1234"} if template in (VERIFY, TEST_TEMPLATE) else {"name": "张三", "order": "1"})
    request = models.SendSmsRequest(phone_numbers=phones, sign_name=sign, template_code=template,
                                    template_param=json.dumps(values, ensure_ascii=False))
    return client.send_sms(request).body


def send_batch(client, phones, sign=SIGN):
    request = models.SendBatchSmsRequest(
        phone_number_json=json.dumps(phones), sign_name_json=json.dumps([sign] * len(phones)), template_code=NOTIFY,
        template_param_json=json.dumps([{"name": "张三", "order": "1"}] * len(phones), ensure_ascii=False))
    return client.send_batch_sms(request).body


def test_a_suspended_account_answers_out_of_service_for_every_send(sms, emulator):
    emulator.seed({"sms": {"account": {"suspended": True}}})
    assert (send(sms).code, send(sms).message) == ("isv.OUT_OF_SERVICE", "业务停机")
    assert send_batch(sms, [PHONE]).code == "isv.OUT_OF_SERVICE"
    assert send(sms, phones="not a number").code == "isv.OUT_OF_SERVICE"  # checked before anything else
    assert emulator.messages() == []


def test_the_balance_pays_for_billed_parts_and_then_amount_not_enough(sms, emulator):
    emulator.seed({"sms": {"account": {"balance": 2}}})
    assert send(sms).code == "OK"
    body = send(sms, phones=f"{PHONE},{OTHER_PHONE}")
    assert (body.code, body.message) == ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足")
    assert send(sms, phones=OTHER_PHONE).code == "OK"
    assert send(sms, phones="13700137000").code == "isv.AMOUNT_NOT_ENOUGH"
    assert len(emulator.messages()) == 2


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_a_long_message_costs_one_part_per_67_characters(sms, emulator, length, parts):
    """``length`` characters in all, the signature's 【】 included."""
    content = "长" * (length - len(f"【{SIGN}】张三")) + "${name}"
    template = [{"code": "SMS_LONG", "type": 1, "content": content}]
    emulator.seed({"sms": {"account": {"balance": parts - 1}, "templates": template}})
    assert send(sms, template="SMS_LONG", params={"name": "张三"}).code == "isv.AMOUNT_NOT_ENOUGH"
    emulator.seed({"sms": {"account": {"balance": parts}}})
    assert send(sms, template="SMS_LONG", params={"name": "张三"}).code == "OK"
    assert control(emulator, "GET", "sms/account")[1]["balance"] == 0
    [message] = emulator.messages()
    assert len(message["content"]) == length


def test_the_daily_cap_counts_messages_of_the_china_day(sms, emulator):
    emulator.clock.set(datetime(2026, 3, 1, 23, 0, tzinfo=CHINA).timestamp())
    emulator.seed({"sms": {"account": {"dayLimit": 2}}})
    assert send_batch(sms, [PHONE, OTHER_PHONE]).code == "OK"
    body = send(sms)
    assert (body.code, body.message) == ("isv.DAY_LIMIT_CONTROL", "触发日发送限额")
    emulator.clock.advance(3600)  # midnight in China
    assert send(sms).code == "OK"


def test_the_monthly_cap_counts_messages_of_the_china_month(sms, emulator):
    emulator.clock.set(datetime(2026, 3, 31, 12, 0, tzinfo=CHINA).timestamp())
    emulator.seed({"sms": {"account": {"monthLimit": 1}}})
    assert send(sms).code == "OK"
    emulator.clock.advance(3600)
    body = send(sms)
    assert (body.code, body.message) == ("isv.MONTH_LIMIT_CONTROL", "触发月发送限额")
    emulator.clock.advance(12 * 3600)  # April in China
    assert send(sms).code == "OK"


def test_a_verification_scene_sign_sends_verification_templates_only(sms, emulator):
    emulator.seed({"sms": TEST_SEED})
    body = send(sms, sign=CODE_SIGN)
    assert (body.code, body.message) == ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "签名和模板类型不一致")
    assert send(sms, sign=CODE_SIGN, template=VERIFY).code == "OK"


def test_test_signs_and_templates_go_together_and_only_to_bound_numbers(sms, emulator):
    emulator.seed({"sms": {**TEST_SEED, "account": {"testNumbers": [PHONE]}}})
    body = send(sms, sign=TEST_SIGN, template=VERIFY)
    assert (body.code, body.message) == ("isv.SMS_TEST_SIGN_TEMPLATE_LIMIT", "测试模板和签名限制")
    assert send(sms, template=TEST_TEMPLATE).code == "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT"
    body = send(sms, sign=TEST_SIGN, template=TEST_TEMPLATE, phones=f"{PHONE},{OTHER_PHONE}")
    assert (body.code, body.message) == ("isv.SMS_TEST_NUMBER_LIMIT", "只能向已回复授权信息的手机号发送")
    assert send(sms, sign=TEST_SIGN, template=TEST_TEMPLATE).code == "OK"
    assert [m["phone"] for m in emulator.messages()] == [PHONE]


def test_a_test_templates_values_are_4_to_6_digits(sms, emulator):
    emulator.seed({"sms": {**TEST_SEED, "account": {"testNumbers": [PHONE]}, "templates": [
        {"code": "SMS_400000002", "type": 1, "test": True, "content": "您好${name}"}]}})
    body = send(sms, sign=TEST_SIGN, template="SMS_400000002", params={"name": "张三"})
    assert body.code == "isv.SMS_TEST_TEMPLATE_PARAMS_ILLEGAL"
    assert body.message == "测试专用模板中的变量仅支持4~6位纯数字"


def test_the_control_api_reads_and_changes_the_account(sms, emulator):
    assert control(emulator, "GET", "sms/account") == (200, {
        "suspended": False, "balance": None, "dayLimit": None, "monthLimit": None, "testNumbers": [],
        "sentToday": 0, "sentThisMonth": 0})
    status, answer = control(emulator, "PUT", "sms/account", {"balance": 5, "testNumbers": ["+8613800138000"]})
    assert (status, answer["balance"], answer["testNumbers"]) == (200, 5, [PHONE])
    assert send(sms).code == "OK"
    assert control(emulator, "GET", "sms/account")[1]["sentToday"] == 1
    status, answer = control(emulator, "PUT", "sms/account", {"balance": "lots"})
    assert (status, answer["error"]) == (400, "sms.account.balance must be an integer >= 0 or null")
    assert control(emulator, "PUT", "sms/account", {"suspended": True})[1]["suspended"] is True
    assert send(sms).code == "isv.OUT_OF_SERVICE"


@pytest.mark.parametrize(("account", "field"), [
    ({"suspended": "yes"}, "sms.account.suspended"),
    ({"dayLimit": -1}, "sms.account.dayLimit"),
    ({"testNumbers": ["123"]}, "sms.account.testNumbers"),
    ({"testNumbers": [PHONE] * 6}, "sms.account.testNumbers"),
    ({"credit": 1}, "sms.account has unknown keys"),
])
def test_the_account_seed_is_validated(emulator, account, field):
    with pytest.raises(ValueError, match=field):
        emulator.seed({"sms": {"account": account}})


def test_reset_restores_the_seeded_account(sms, emulator):
    emulator.seed({"sms": {"account": {"balance": 1}}})
    assert send(sms).code == "OK"
    emulator.reset()
    assert control(emulator, "GET", "sms/account")[1]["balance"] is None


def test_a_send_that_flow_control_refuses_is_neither_charged_nor_counted(sms, emulator):
    emulator.seed({"sms": {"account": {"balance": 10}}})
    assert send(sms, template=VERIFY).code == "OK"
    refused = send(sms, template=VERIFY)  # the same number again within the minute
    assert refused.code == "isv.BUSINESS_LIMIT_CONTROL"
    _, account = control(emulator, "GET", "sms/account")
    assert (account["balance"], account["sentToday"]) == (9, 1)  # only admitted messages count

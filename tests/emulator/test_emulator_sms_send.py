"""SendSms and SendBatchSms through the real Dysmsapi SDK: success, outbox, and every business check."""

from __future__ import annotations

import json

import pytest
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_tea_openapi import exceptions
from emulator_wire import (
    APPROVAL,
    NOTIFY,
    PHONE,
    REJECTED_SIGN,
    REJECTED_TEMPLATE,
    REVIEWING_SIGN,
    REVIEWING_TEMPLATE,
    SIGN,
    VERIFY,
)

ORDER = {"name": "张三", "order": "1024"}


def send(client, phones=PHONE, template=NOTIFY, params=ORDER, sign=SIGN, **extra):
    text = params if isinstance(params, str) or params is None else json.dumps(params, ensure_ascii=False)
    request = models.SendSmsRequest(phone_numbers=phones, sign_name=sign, template_code=template,
                                    template_param=text, **extra)
    return client.send_sms(request).body


def send_batch(client, phones, signs=None, params=None, template=NOTIFY, **extra):
    request = models.SendBatchSmsRequest(
        phone_number_json=json.dumps(phones), sign_name_json=json.dumps(signs or [SIGN] * len(phones)),
        template_code=template,
        template_param_json=None if params is None else json.dumps(params, ensure_ascii=False), **extra)
    return client.send_batch_sms(request).body


def test_send_sms_answers_ok_with_a_biz_id_and_records_the_rendered_message(any_sms, emulator):
    body = send(any_sms, out_id="order-1024")
    assert (body.code, body.message) == ("OK", "OK")
    assert body.biz_id.endswith("^0") and len(body.biz_id) == 20
    [message] = emulator.messages()
    assert message["content"] == f"【{SIGN}】您好，张三，您的订单1024已发货。"
    assert (message["phone"], message["signName"], message["templateCode"]) == (PHONE, SIGN, NOTIFY)
    assert (message["params"], message["bizId"], message["outId"]) == (ORDER, body.biz_id, "order-1024")
    assert message["status"] == 1
    assert message["requestId"] == body.request_id


def test_one_request_to_several_numbers_shares_one_biz_id(sms, emulator):
    body = send(sms, phones="+8613800138000,008613900139000,8613700137000,13600136000")
    messages = emulator.messages()
    assert sorted(m["phone"] for m in messages) == ["13600136000", "13700137000", "13800138000", "13900139000"]
    assert {m["bizId"] for m in messages} == {body.biz_id}


def test_approval_template_renders_both_variables(sms, emulator):
    send(sms, template=APPROVAL, params={"userNick": "李四", "processTitle": "报销审批"})
    assert emulator.messages()[0]["content"] == f"【{SIGN}】李四发起的报销审批需要您审批，请及时处理。"


@pytest.mark.parametrize("phones", ["1380013800", "23800138000", "13800138000,abc", "13800138000,", "+1 2025550100",
                                    "12800138000"])
def test_malformed_numbers_are_mobile_number_illegal(sms, emulator, phones):
    assert send(sms, phones=phones).code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert emulator.messages() == []


def test_a_batch_number_holding_a_comma_is_one_illegal_number_not_two(sms, emulator):
    # two valid numbers in one JSON item must not pass the plain-list check as two numbers
    assert send_batch(sms, [f"{PHONE},13900139000"], params=[ORDER]).code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert send_batch(sms, [PHONE, "13900139000"], params=[ORDER, ORDER]).code == "OK"
    assert sorted(m["phone"] for m in emulator.messages()) == [PHONE, "13900139000"]


def test_a_long_list_with_one_prefixed_number_is_normalised_number_by_number(sms, emulator):
    numbers = [f"139{i:08d}" for i in range(999)] + ["+8613800138000"]
    assert send(sms, phones=",".join(numbers)).code == "OK"
    assert {m["phone"] for m in emulator.messages()} == {*numbers[:999], PHONE}


UNICODE_DIGITS = [  # each a valid number but for one non-ASCII digit: fullwidth, Arabic-Indic, Devanagari, math bold
    "13\uff1700070001", "137\u06600070001", "+861380013800\u0968", "0086138\U0001d7ce0138000",
]


@pytest.mark.parametrize("phone", UNICODE_DIGITS)
def test_only_ascii_digits_make_a_number(sms, emulator, phone):
    assert send(sms, phones=phone).code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert send(sms, phones=f"{PHONE},{phone}").code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert send_batch(sms, [PHONE, phone], params=[ORDER, ORDER]).code == "isv.MOBILE_NUMBER_ILLEGAL"
    details = models.QuerySendDetailsRequest(phone_number=phone, send_date="20240101", page_size=10, current_page=1)
    assert sms.query_send_details(details).body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    assert emulator.messages() == []


def test_send_sms_takes_at_most_1000_numbers(sms, emulator):
    numbers = [f"139{i:08d}" for i in range(1001)]
    assert send(sms, phones=",".join(numbers)).code == "isv.MOBILE_COUNT_OVER_LIMIT"
    assert send(sms, phones=",".join(numbers[:1000])).code == "OK"
    assert len(emulator.messages()) == 1000


@pytest.mark.parametrize(("sign", "template", "code"), [
    ("没有这个签名", NOTIFY, "isv.SMS_SIGNATURE_ILLEGAL"),
    (REVIEWING_SIGN, NOTIFY, "isv.SIGN_STATE_ILLEGAL"),
    (REJECTED_SIGN, NOTIFY, "isv.SIGN_STATE_ILLEGAL"),
    (SIGN, "SMS_999999999", "isv.SMS_TEMPLATE_ILLEGAL"),
    (SIGN, REVIEWING_TEMPLATE, "isv.SMS_TEMPLATE_ILLEGAL"),
    (SIGN, REJECTED_TEMPLATE, "isv.SMS_TEMPLATE_ILLEGAL"),
])
def test_unknown_or_unapproved_signs_and_templates_are_refused(any_sms, emulator, sign, template, code):
    body = send(any_sms, sign=sign, template=template, params={"name": "a", "order": "1", "code": "1234"})
    assert body.code == code
    assert body.biz_id is None and body.request_id
    assert emulator.messages() == []


@pytest.mark.parametrize(("params", "code"), [
    ("{not json", "isv.INVALID_JSON_PARAM"),
    ('["a"]', "isv.INVALID_JSON_PARAM"),
    ({"name": "a", "order": 1024}, "isv.INVALID_JSON_PARAM"),
    (None, "isv.TEMPLATE_MISSING_PARAMETERS"),
    ({"name": "a"}, "isv.TEMPLATE_MISSING_PARAMETERS"),
    ({"name": "", "order": "1"}, "isv.TEMPLATE_MISSING_PARAMETERS"),
    ({"name": "a" * 36, "order": "1"}, "isv.PARAM_LENGTH_LIMIT"),
    ({"name": "see https://evil.example", "order": "1"}, "isv.PARAM_NOT_SUPPORT_URL"),
    ({"name": "www.taobao", "order": "1"}, "isv.PARAM_NOT_SUPPORT_URL"),
    ({"name": "a", "order": "shop.com"}, "isv.PARAM_NOT_SUPPORT_URL"),
])
def test_template_values_are_checked(sms, emulator, params, code):
    assert send(sms, params=params).code == code
    assert emulator.messages() == []


def test_a_value_of_exactly_35_characters_is_accepted(sms):
    assert send(sms, params={"name": "a" * 35, "order": "1"}).code == "OK"


@pytest.mark.parametrize(("value", "code"), [
    ("1234", "OK"), ("123456", "OK"),
    ("a1B2", "isv.TEMPLATE_PARAMS_ILLEGAL"), ("123", "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ("1234567", "isv.TEMPLATE_PARAMS_ILLEGAL"), ("12 34", "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ("12-34", "isv.TEMPLATE_PARAMS_ILLEGAL"), ("验证码12", "isv.TEMPLATE_PARAMS_ILLEGAL"),
])
def test_a_number_captcha_value_must_be_4_to_6_digits(sms, emulator, value, code):
    assert emulator.state.sms.catalog.template(VERIFY).attributes == {"code": "numberCaptcha"}
    body = send(sms, template=VERIFY, params={"code": value})
    assert body.code == code
    if code != "OK":
        assert body.message == "模版变量里包含非法关键字"


ATTRIBUTE_TEMPLATE = {
    "code": "SMS_300000001", "name": "属性", "type": 1, "status": 1,
    "content": "${who}的${code}于${when}到期，金额${amount}，单号${order}，电话${phone}。",
    "variableAttribute": {"code": "characterWithNumber2", "when": "time", "amount": "money",
                          "order": "other_number2", "phone": "phone_number2", "who": "name"},
}
GOOD = {"who": "张三", "code": "ab12", "when": "2026-01-02 10:30", "amount": "12.50", "order": "ORD-7731",
        "phone": "0571-82123456"}


@pytest.mark.parametrize(("changes", "code"), [
    ({}, "OK"),
    ({"code": "1234", "phone": "13800138000", "when": "2026年1月2日下午3点"}, "OK"),
    ({"code": "ab1"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"code": "ab12cd3"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"when": "soon"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"when": "2026_01_02"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"amount": "12元"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"order": "单号7731"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"phone": "1234"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
    ({"phone": "12345678901234"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),  # 14 digits: neither mobile nor fixed line
    ({"phone": "电话95679"}, "isv.TEMPLATE_PARAMS_ILLEGAL"),
])
def test_each_value_is_checked_against_its_variables_attribute(sms, emulator, changes, code):
    emulator.seed({"sms": {"templates": [ATTRIBUTE_TEMPLATE]}})
    body = send(sms, template="SMS_300000001", params={**GOOD, **changes})
    assert body.code == code
    assert len(emulator.messages()) == (1 if code == "OK" else 0)


def test_extra_template_keys_are_kept_but_not_required(sms, emulator):
    assert send(sms, params={**ORDER, "unused": "x"}).code == "OK"
    assert emulator.messages()[0]["params"] == {**ORDER, "unused": "x"}


@pytest.mark.parametrize(("phones", "sign", "template", "params", "code"), [
    ("123", "没有这个签名", "SMS_999999999", "{bad", "isv.MOBILE_NUMBER_ILLEGAL"),
    (PHONE, "没有这个签名", "SMS_999999999", "{bad", "isv.SMS_SIGNATURE_ILLEGAL"),
    (PHONE, SIGN, "SMS_999999999", "{bad", "isv.SMS_TEMPLATE_ILLEGAL"),
    (PHONE, SIGN, NOTIFY, '{"name": 1}', "isv.INVALID_JSON_PARAM"),
    (PHONE, SIGN, NOTIFY, '{"name": "http://a.cn/' + "x" * 40 + '"}', "isv.TEMPLATE_MISSING_PARAMETERS"),
    (PHONE, SIGN, NOTIFY, '{"name": "http://a.cn/' + "x" * 40 + '", "order": "1"}', "isv.PARAM_LENGTH_LIMIT"),
])
def test_checks_run_in_aliyun_order(sms, phones, sign, template, params, code):
    assert send(sms, phones=phones, sign=sign, template=template, params=params).code == code


@pytest.mark.parametrize(("field", "missing"), [
    ("phone_numbers", "MissingPhoneNumbers"),
    ("sign_name", "MissingSignName"),
    ("template_code", "MissingTemplateCode"),
])
def test_missing_mandatory_parameters_raise_client_exceptions(any_sms, emulator, field, missing):
    request = models.SendSmsRequest(phone_numbers=PHONE, sign_name=SIGN, template_code=NOTIFY,
                                    template_param=json.dumps(ORDER))
    setattr(request, field, None)
    with pytest.raises(exceptions.ClientException) as info:
        any_sms.send_sms(request)
    assert (info.value.status_code, info.value.code) == (400, missing)
    assert emulator.messages() == []


def test_send_batch_sms_gives_each_number_its_sign_and_values(any_sms, emulator):
    emulator.seed({"sms": {"signs": [{"name": "第二签名", "status": 1}]}})
    body = send_batch(any_sms, ["13800138000", "+8613900139000"], signs=[SIGN, "第二签名"],
                      params=[{"name": "甲", "order": "1"}, {"name": "乙", "order": "2"}], out_id="batch-7",
                      sms_up_extend_code_json=json.dumps(["90999", "90998"]))
    assert body.code == "OK" and body.biz_id.endswith("^0")
    by_phone = {m["phone"]: m for m in emulator.messages()}
    assert by_phone["13800138000"]["content"] == f"【{SIGN}】您好，甲，您的订单1已发货。"
    assert by_phone["13900139000"]["content"] == "【第二签名】您好，乙，您的订单2已发货。"
    assert {m["bizId"] for m in by_phone.values()} == {body.biz_id}
    assert {m["outId"] for m in by_phone.values()} == {"batch-7"}
    assert by_phone["13900139000"]["smsUpExtendCode"] == "90998"


@pytest.mark.parametrize(("phones", "signs", "params", "code"), [
    (["13800138000", "1380013800"], None, [ORDER, ORDER], "isv.MOBILE_NUMBER_ILLEGAL"),
    ([f"139{i:08d}" for i in range(101)], None, [ORDER] * 101, "isv.MOBILE_COUNT_OVER_LIMIT"),
    ([PHONE, PHONE], [SIGN], [ORDER, ORDER], "isv.INVALID_PARAMETERS"),
    ([PHONE, PHONE], [SIGN, REVIEWING_SIGN], [ORDER, ORDER], "isv.SIGN_STATE_ILLEGAL"),
    ([PHONE], None, [ORDER, ORDER], "isv.INVALID_PARAMETERS"),
    ([PHONE], None, None, "isv.TEMPLATE_MISSING_PARAMETERS"),
    ([PHONE], None, ["name"], "isv.INVALID_JSON_PARAM"),
    ([PHONE, PHONE], None, [ORDER, {"name": "x"}], "isv.TEMPLATE_MISSING_PARAMETERS"),
])
def test_send_batch_sms_checks(sms, emulator, phones, signs, params, code):
    assert send_batch(sms, phones, signs=signs, params=params).code == code
    assert emulator.messages() == []


def test_send_batch_sms_takes_100_numbers(sms, emulator):
    phones = [f"139{i:08d}" for i in range(100)]
    assert send_batch(sms, phones, params=[ORDER] * 100).code == "OK"
    assert len(emulator.messages()) == 100


def test_send_batch_sms_with_bad_json_arrays(sms):
    request = models.SendBatchSmsRequest(phone_number_json="[13800138000", sign_name_json=json.dumps([SIGN]),
                                         template_code=NOTIFY)
    assert sms.send_batch_sms(request).body.code == "isv.INVALID_JSON_PARAM"


def test_send_batch_sms_requires_its_json_parameters(sms):
    request = models.SendBatchSmsRequest(phone_number_json=json.dumps([PHONE]), template_code=NOTIFY)
    with pytest.raises(exceptions.ClientException) as info:
        sms.send_batch_sms(request)
    assert info.value.code == "MissingSignNameJson"


def test_the_outbox_keeps_only_the_newest_messages(sms, emulator):
    emulator.seed({"sms": {"maxMessages": 3, "flowControl": {"enabled": False}}})
    for order in range(5):
        send(sms, params={"name": "a", "order": str(order)})
    assert [m["params"]["order"] for m in emulator.messages()] == ["4", "3", "2"]


@pytest.mark.parametrize(("query", "code", "message", "detail"), [
    ({"TemplateCode": NOTIFY, "TemplateParam": '{"name": "a"}'},
     "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值", "order"),
    ({"TemplateCode": NOTIFY, "TemplateParam": '{"name": "a", "order": 1}'},
     "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值", "order"),
    ({"TemplateCode": VERIFY, "TemplateParam": '{"code": "ab12"}'},
     "isv.TEMPLATE_PARAMS_ILLEGAL", "模版变量里包含非法关键字", "code(numberCaptcha)"),
    ({"TemplateCode": "SMS_999999999"}, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)", "SMS_999999999"),
    ({"TemplateCode": NOTIFY, "SignName": "没有这个签名"},
     "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法(不存在或被拉黑)", "没有这个签名"),
])
def test_messages_are_aliyuns_published_text_and_the_detail_is_a_field_of_its_own(wire, query, code, message,
                                                                                    detail):
    reply = wire(action="SendSms", query={"PhoneNumbers": PHONE, "SignName": SIGN, **query}).acs3()
    assert (reply.status, reply.code, reply.body["Message"]) == (200, code, message)
    assert detail in reply.body["EmulatorDetail"]

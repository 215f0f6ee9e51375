"""Dysmsapi through the legacy aliyun-python-sdk-core + aliyun-python-sdk-dysmsapi (RPC, HMAC-SHA1)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

PHONE = "13800138000"
SIGN = "阿里云短信测试"
CHINA = timezone(timedelta(hours=8))
SPECIAL = "a b+!'()*中文/&=%~;"


def sms(action, **params):
    return {"product": "dysmsapi", "action": action, "params": params}


def notice(phone=PHONE, **values):
    """SendSms of the notification template SMS_100000002 (``${name}``, ``${order}``)."""
    return sms("SendSms", PhoneNumbers=phone, SignName=SIGN, TemplateCode="SMS_100000002",
               TemplateParam=json.dumps({"name": "张三", "order": "A1", **values}, ensure_ascii=False))


def body(result):
    assert result["ok"], result
    return result["body"]


def today(emulator):
    return datetime.fromtimestamp(emulator.clock.now(), CHINA).strftime("%Y%m%d")


def test_a_send_reaches_the_outbox(pop_legacy, emulator):
    [sent] = pop_legacy(sms("SendSms", PhoneNumbers=PHONE, SignName=SIGN, TemplateCode="SMS_100000001",
                            TemplateParam='{"code":"123456"}', OutId="order-1"))
    assert body(sent)["Code"] == "OK" and sent["body"]["BizId"]
    [message] = emulator.messages(bizId=sent["body"]["BizId"])
    assert (message["phone"], message["templateCode"], message["outId"]) == (PHONE, "SMS_100000001", "order-1")
    assert message["content"] == "【阿里云短信测试】您的验证码为123456，5分钟内有效。"


def test_special_characters_in_params_arrive_as_sent(pop_legacy, emulator):
    """The SDK percent-encodes the query it signs; the emulator must decode and verify the same bytes."""
    [sent, batch] = pop_legacy(
        notice(name=SPECIAL, order="1/2-A#3"),  # order is an other_number2 variable
        sms("SendBatchSms", PhoneNumberJson=json.dumps(["13800138001", "13800138002"]),
            SignNameJson=json.dumps([SIGN, SIGN], ensure_ascii=False), TemplateCode="SMS_100000002",
            TemplateParamJson=json.dumps([{"name": SPECIAL, "order": "1"}, {"name": "李四", "order": "2-2"}],
                                         ensure_ascii=False)))
    assert body(sent)["Code"] == "OK" and body(batch)["Code"] == "OK"
    [message] = emulator.messages(bizId=sent["body"]["BizId"])
    assert message["params"] == {"name": SPECIAL, "order": "1/2-A#3"}
    assert [m["params"]["name"] for m in emulator.messages(bizId=batch["body"]["BizId"])] == ["李四", SPECIAL]


def test_business_errors_come_back_as_aliyun_codes(pop_legacy, emulator):
    unknown, missing_variable, bad_phone, bad_sign = pop_legacy(
        sms("SendSms", PhoneNumbers=PHONE, SignName=SIGN, TemplateCode="SMS_999999999"),
        sms("SendSms", PhoneNumbers=PHONE, SignName=SIGN, TemplateCode="SMS_100000002", TemplateParam='{"name":"x"}'),
        notice(phone="12345"),
        sms("SendSms", PhoneNumbers=PHONE, SignName="不存在的签名", TemplateCode="SMS_100000001",
            TemplateParam='{"code":"1234"}'))
    assert [body(r)["Code"] for r in (unknown, missing_variable, bad_phone, bad_sign)] == [
        "isv.SMS_TEMPLATE_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS", "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL"]
    assert all(r["body"]["RequestId"] for r in (unknown, missing_variable, bad_phone, bad_sign))
    assert emulator.messages() == []


def test_a_missing_mandatory_parameter_is_a_server_exception(pop_legacy):
    [result] = pop_legacy(sms("SendSms", PhoneNumbers=PHONE, TemplateCode="SMS_100000001"))
    assert (result["ok"], result["status"], result["code"]) == (False, 400, "MissingSignName")


def test_a_wrong_secret_is_recognised_by_the_sdk_as_an_invalid_secret(pop_legacy, emulator):
    """aliyunsdkcore compares its own string to sign with the one in the emulator's SignatureDoesNotMatch
    message (``server string to sign is:…``); equal strings make it ``InvalidAccessKeySecret``."""
    [result] = pop_legacy(notice(), secret="wrong-secret")
    assert (result["ok"], result["status"], result["code"]) == (False, 400, "InvalidAccessKeySecret")
    assert result["requestId"] and emulator.messages() == []


def test_unknown_and_disabled_keys(pop_legacy):
    [unknown] = pop_legacy(notice(), key_id="LTAI5tUnknownKeyId0000001")
    [disabled] = pop_legacy(notice(), key_id="LTAI5tDisabledKeyId000001", secret="DisabledSecret000000000000000001")
    assert (unknown["status"], unknown["code"]) == (404, "InvalidAccessKeyId.NotFound")
    assert (disabled["status"], disabled["code"]) == (400, "InvalidAccessKeyId.Inactive")


def test_query_send_details_pages(pop_legacy, emulator):
    sent = pop_legacy(*(notice(order=f"order-{n}") for n in range(5)))
    assert [body(r)["Code"] for r in sent] == ["OK"] * 5
    pages = pop_legacy(*(sms("QuerySendDetails", PhoneNumber=PHONE, SendDate=today(emulator), PageSize=2,
                             CurrentPage=page) for page in (1, 2, 3, 4)),
                       sms("QuerySendDetails", PhoneNumber=PHONE, SendDate=today(emulator), PageSize=10,
                           CurrentPage=1, BizId=sent[3]["body"]["BizId"]))
    details = [body(page)["SmsSendDetailDTOs"]["SmsSendDetailDTO"] for page in pages]
    assert [len(page) for page in details] == [2, 2, 1, 0, 1]
    assert {body(page)["TotalCount"] for page in pages[:4]} == {"5"} and pages[4]["body"]["TotalCount"] == "1"
    contents = [d["Content"] for page in details[:3] for d in page]
    assert sorted(contents) == sorted(f"【{SIGN}】您好，张三，您的订单order-{n}已发货。" for n in range(5))
    assert "order-3" in details[4][0]["Content"]


def test_query_send_details_refuses_a_page_size_out_of_range(pop_legacy, emulator):
    [result] = pop_legacy(sms("QuerySendDetails", PhoneNumber=PHONE, SendDate=today(emulator), PageSize=51,
                              CurrentPage=1))
    assert body(result)["Code"] == "isv.INVALID_PARAMETERS"

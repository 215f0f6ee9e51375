"""QuerySendDetails with receipts driven by the clock, and the signature / template queries."""

from __future__ import annotations

import inspect
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_tea_openapi import exceptions
from emulator_wire import (
    NOTIFY,
    PHONE,
    REJECTED_SIGN,
    REJECTED_TEMPLATE,
    REVIEWING_SIGN,
    REVIEWING_TEMPLATE,
    SIGN,
    VERIFY,
)

CHINA = timezone(timedelta(hours=8))
UNDELIVERABLE = "17000000000"


def today(emulator, days_ago: int = 0) -> str:
    moment = datetime.fromtimestamp(emulator.clock.now(), CHINA) - timedelta(days=days_ago)
    return moment.strftime("%Y%m%d")


def send(client, phones=PHONE, order="1", out_id=None):
    request = models.SendSmsRequest(phone_numbers=phones, sign_name=SIGN, template_code=NOTIFY, out_id=out_id,
                                    template_param=json.dumps({"name": "王五", "order": order}))
    body = client.send_sms(request).body
    assert body.code == "OK", body
    return body.biz_id


def details(client, emulator, phone=PHONE, send_date=None, page_size=10, page=1, biz_id=None):
    request = models.QuerySendDetailsRequest(phone_number=phone, send_date=send_date or today(emulator),
                                             page_size=page_size, current_page=page, biz_id=biz_id)
    return client.query_send_details(request)


def test_a_receipt_moves_from_waiting_to_delivered_after_the_delivery_delay(any_sms, emulator):
    send(any_sms, out_id="o-1")
    response = details(any_sms, emulator)
    raw = response.body.to_map()
    assert raw["TotalCount"] == "1"
    [dto] = raw["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (dto["SendStatus"], dto["ErrCode"], dto["ReceiveDate"]) == (1, "", "")
    assert dto["Content"] == f"【{SIGN}】您好，王五，您的订单1已发货。"
    assert (dto["PhoneNum"], dto["TemplateCode"], dto["OutId"]) == (PHONE, NOTIFY, "o-1")
    sent = datetime.strptime(dto["SendDate"], "%Y-%m-%d %H:%M:%S")
    emulator.clock.advance(2)
    [dto] = details(any_sms, emulator).body.to_map()["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (dto["SendStatus"], dto["ErrCode"]) == (3, "DELIVERED")
    received = datetime.strptime(dto["ReceiveDate"], "%Y-%m-%d %H:%M:%S")
    assert timedelta(seconds=1) <= received - sent <= timedelta(seconds=3)
    assert emulator.messages()[0]["status"] == 3
    assert emulator.messages()[0]["errCode"] == "DELIVERED"


def test_an_undeliverable_number_fails_with_its_err_code(sms, emulator):
    send(sms, phones=UNDELIVERABLE)
    assert emulator.messages()[0]["status"] == 1
    emulator.clock.advance(2)
    [dto] = details(sms, emulator, phone=UNDELIVERABLE).body.to_map()["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (dto["SendStatus"], dto["ErrCode"]) == (2, "MOBILE_NOT_ON_SERVICE")
    assert emulator.messages(status=2)[0]["phone"] == UNDELIVERABLE


def test_the_delivery_delay_and_undeliverable_numbers_can_be_seeded(sms, emulator):
    emulator.seed({"sms": {"deliveryDelaySeconds": 30, "undeliverable": ["13800138000"]}})
    send(sms)
    emulator.clock.advance(29)
    assert emulator.messages()[0]["status"] == 1
    emulator.clock.advance(1)
    message = emulator.messages()[0]
    assert (message["status"], message["errCode"]) == (2, "MOBILE_NOT_ON_SERVICE")
    assert message["receivedAt"].endswith("Z")


def test_pages_and_biz_id_filter(sms, emulator):
    biz_ids = [send(sms, order=str(order)) for order in range(5)]
    send(sms, phones="13900139000")
    first = details(sms, emulator, page_size=2, page=1).body
    third = details(sms, emulator, page_size=2, page=3).body
    assert (first.total_count, third.total_count) == ("5", "5")
    orders = [dto.content.split("订单")[1][0] for dto in first.sms_send_detail_dtos.sms_send_detail_dto]
    assert orders == ["4", "3"]  # newest first
    assert len(third.sms_send_detail_dtos.sms_send_detail_dto) == 1
    only = details(sms, emulator, biz_id=biz_ids[1]).body
    assert only.total_count == "1"
    assert only.sms_send_detail_dtos.sms_send_detail_dto[0].content.endswith("订单1已发货。")


def test_send_date_selects_the_china_standard_time_day(sms, emulator):
    emulator.clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=CHINA).timestamp())
    send(sms)
    emulator.clock.advance(3600)  # 2026-03-02 00:30 in China
    assert details(sms, emulator, send_date="20260301").body.total_count == "1"
    assert details(sms, emulator, send_date="20260302").body.total_count == "0"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"page_size": 51}, "isv.INVALID_PARAMETERS"),
    ({"page_size": 0}, "isv.INVALID_PARAMETERS"),
    ({"page": 0}, "isv.INVALID_PARAMETERS"),
    ({"send_date": "2026-03-01"}, "isv.INVALID_PARAMETERS"),
    ({"phone": "1380013800"}, "isv.MOBILE_NUMBER_ILLEGAL"),
])
def test_query_send_details_checks(sms, emulator, kwargs, code):
    assert details(sms, emulator, **kwargs).body.code == code


def test_only_the_last_30_days_can_be_queried(sms, emulator):
    assert details(sms, emulator, send_date=today(emulator, 30)).body.code == "OK"
    assert details(sms, emulator, send_date=today(emulator, 31)).body.code == "isv.INVALID_PARAMETERS"
    assert details(sms, emulator, send_date=today(emulator, -1)).body.code == "isv.INVALID_PARAMETERS"


def test_query_send_details_requires_its_parameters(sms):
    with pytest.raises(exceptions.ClientException) as info:
        sms.query_send_details(models.QuerySendDetailsRequest(phone_number=PHONE, page_size=10, current_page=1))
    assert info.value.code == "MissingSendDate"


@pytest.mark.parametrize(("name", "status", "reason"), [
    (SIGN, 1, ""), (REVIEWING_SIGN, 0, ""), (REJECTED_SIGN, 2, "签名与营业执照主体不一致"),
])
def test_query_and_get_sms_sign_answer_int_statuses(any_sms, name, status, reason):
    queried = any_sms.query_sms_sign(models.QuerySmsSignRequest(sign_name=name)).body.to_map()
    assert (queried["Code"], queried["SignName"], queried["SignStatus"], queried["Reason"]) == ("OK", name, status,
                                                                                                 reason)
    got = any_sms.get_sms_sign(models.GetSmsSignRequest(sign_name=name)).body.to_map()
    assert (got["SignName"], got["SignStatus"]) == (name, status)
    assert got["AuditInfo"]["RejectInfo"] == reason
    assert isinstance(got["SignIspRegisterDetailList"], list)


@pytest.mark.parametrize(("code", "status", "kind"), [
    (VERIFY, 1, 0), (NOTIFY, 1, 1), (REVIEWING_TEMPLATE, 0, 1), (REJECTED_TEMPLATE, 2, 2),
])
def test_query_template_answers_ints_and_get_template_answers_strings(any_sms, code, status, kind):
    queried = any_sms.query_sms_template(models.QuerySmsTemplateRequest(template_code=code)).body
    assert (queried.code, queried.template_code, queried.template_status, queried.template_type) == (
        "OK", code, status, kind)
    got = any_sms.get_sms_template(models.GetSmsTemplateRequest(template_code=code)).body
    assert (got.template_status, got.template_type) == (str(status), str(kind))
    assert got.template_content == queried.template_content
    expected_variables = {VERIFY: {"code": "numberCaptcha"}, NOTIFY: {"name": "name", "order": "other_number2"}}
    if code in expected_variables:
        assert json.loads(got.variable_attribute) == expected_variables[code]


def test_get_sms_template_reports_the_rejection(sms):
    got = sms.get_sms_template(models.GetSmsTemplateRequest(template_code=REJECTED_TEMPLATE)).body
    assert got.audit_info.reject_info == "营销内容需补充退订方式"
    queried = sms.query_sms_template(models.QuerySmsTemplateRequest(template_code=REJECTED_TEMPLATE)).body
    assert queried.reason == "营销内容需补充退订方式"


def test_unknown_signs_and_templates_are_business_errors(sms):
    assert sms.query_sms_sign(models.QuerySmsSignRequest(sign_name="无")).body.code == "isv.SMS_SIGNATURE_ILLEGAL"
    assert sms.get_sms_sign(models.GetSmsSignRequest(sign_name="无")).body.code == "isv.SMS_SIGNATURE_ILLEGAL"
    template = models.QuerySmsTemplateRequest(template_code="SMS_0")
    assert sms.query_sms_template(template).body.code == "isv.SMS_TEMPLATE_ILLEGAL"
    assert sms.get_sms_template(models.GetSmsTemplateRequest(template_code="SMS_0")).body.code == (
        "isv.SMS_TEMPLATE_ILLEGAL")


def documented_fields(model):
    """The response fields the SDK model (dysmsapi 4.6.0, generated from Aliyun's API metadata) knows."""
    return set(re.findall(r"result\['(\w+)'\]", inspect.getsource(model.to_map)))


@pytest.mark.parametrize(("action", "query", "model", "types"), [
    ("GetSmsTemplate", {"TemplateCode": VERIFY}, models.GetSmsTemplateResponseBody,
     {"TemplateCode": str, "TemplateContent": str, "TemplateStatus": str, "TemplateType": str, "TemplateTag": int,
      "VariableAttribute": str, "CreateDate": str, "AuditInfo": dict}),
    ("GetSmsSign", {"SignName": SIGN}, models.GetSmsSignResponseBody,
     {"SignName": str, "SignCode": str, "SignStatus": int, "SignTag": str, "ThirdParty": bool, "QualificationId": int,
      "RegisterResult": int, "SignIspRegisterDetailList": list, "CreateDate": str, "AuditInfo": dict}),
])
def test_get_sms_template_and_sign_answer_documented_fields_with_documented_types(wire, action, query, model, types):
    reply = wire(action=action, query=query).acs3()
    assert (reply.status, reply.code, reply.body["Message"]) == (200, "OK", "OK")
    assert set(reply.body) == documented_fields(model), set(reply.body) ^ documented_fields(model)
    assert {name: type(reply.body[name]) for name in types} == types
    assert set(reply.body["AuditInfo"]) == {"AuditDate", "RejectInfo"}


@pytest.mark.parametrize(("action", "code"), [("GetSmsTemplate", "MissingTemplateCode"),
                                              ("GetSmsSign", "MissingSignName")])
def test_get_sms_template_and_sign_require_their_parameter(wire, action, code):
    reply = wire(action=action, query={}).acs3()
    assert (reply.status, reply.code) == (400, code)


def test_get_sms_template_reports_the_seeded_variable_attributes_and_defaults_the_rest(sms, emulator):
    emulator.seed({"sms": {"templates": [
        {"code": "SMS_300000002", "type": 1, "content": "${a}在${b}", "variableAttribute": {"b": "time"}},
        {"code": "SMS_300000003", "type": 0, "content": "验证码${c}"}]}})
    got = sms.get_sms_template(models.GetSmsTemplateRequest(template_code="SMS_300000002")).body
    assert json.loads(got.variable_attribute) == {"a": "others", "b": "time"}
    got = sms.get_sms_template(models.GetSmsTemplateRequest(template_code="SMS_300000003")).body
    assert json.loads(got.variable_attribute) == {"c": "numberCaptcha"}


@pytest.mark.parametrize(("template", "field"), [
    ({"code": "X", "content": "${a}", "variableAttribute": {"a": "emoji"}}, "sms.templates[0].variableAttribute.a"),
    ({"code": "X", "content": "${a}", "variableAttribute": {"b": "time"}}, "sms.templates[0].variableAttribute"),
    ({"code": "X", "content": "${a}", "variableAttribute": ["time"]}, "sms.templates[0].variableAttribute"),
])
def test_seeded_variable_attributes_are_validated(emulator, template, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        emulator.seed({"sms": {"templates": [template]}})


def test_get_sms_template_answers_the_file_lists_and_vendor_status_in_their_documented_shapes(wire):
    body = wire(action="GetSmsTemplate", query={"TemplateCode": NOTIFY}).acs3().body
    assert (body["FileUrlList"], body["MoreDataFileUrlList"]) == ({"FileUrl": []}, {"MoreDataFileUrl": []})
    assert (body["SignList"], body["VendorAuditStatus"], body["IntlType"]) == ({"SignList": []}, {}, 0)
    parsed = models.GetSmsTemplateResponseBody().from_map(body)
    assert parsed.file_url_list.file_url == [] and parsed.sign_list.sign_list == []


def list_all(client, action, request_type, size):
    pages, index = [], 1
    while True:
        body = getattr(client, action)(request_type(page_index=index, page_size=size)).body
        pages.append(body)
        if index * size >= body.total_count:
            return pages
        index += 1


def test_query_sms_template_list_pages_through_every_template(sms):
    pages = list_all(sms, "query_sms_template_list", models.QuerySmsTemplateListRequest, 2)
    assert [(p.current_page, p.page_size, p.total_count) for p in pages] == [(1, 2, 5), (2, 2, 5), (3, 2, 5)]
    items = [item for page in pages for item in page.sms_template_list]
    assert [item.template_code for item in items] == [f"SMS_10000000{i}" for i in range(1, 6)]
    by_code = {item.template_code: item for item in items}
    assert (by_code[VERIFY].audit_status, by_code[VERIFY].outer_template_type, by_code[VERIFY].template_type) == (
        "AUDIT_STATE_PASS", 0, 2)  # TemplateType is Aliyun's internal numbering: 2 verification, 0 notification
    assert (by_code[NOTIFY].outer_template_type, by_code[NOTIFY].template_type) == (1, 0)
    assert by_code[REVIEWING_TEMPLATE].audit_status == "AUDIT_STATE_INIT"
    rejected = by_code[REJECTED_TEMPLATE]
    assert (rejected.audit_status, rejected.reason.reject_info) == ("AUDIT_STATE_NOT_PASS", "营销内容需补充退订方式")


def test_query_sms_sign_list_pages_and_names_each_signs_state_and_scene(sms, emulator):
    emulator.seed({"sms": {"signs": [{"name": "验证码签名", "scene": "verification", "status": 10}]}})
    body = sms.query_sms_sign_list(models.QuerySmsSignListRequest(page_index=1, page_size=50)).body
    assert (body.code, body.total_count, body.current_page, body.page_size) == ("OK", 4, 1, 50)
    states = {item.sign_name: (item.audit_status, item.business_type) for item in body.sms_sign_list}
    assert states == {SIGN: ("AUDIT_STATE_PASS", "通用"), REVIEWING_SIGN: ("AUDIT_STATE_INIT", "通用"),
                      REJECTED_SIGN: ("AUDIT_STATE_NOT_PASS", "通用"), "验证码签名": ("AUDIT_STATE_CANCEL", "验证码")}
    rejected = next(item for item in body.sms_sign_list if item.sign_name == REJECTED_SIGN)
    assert rejected.reason.reject_info == "签名与营业执照主体不一致"
    defaults = sms.query_sms_sign_list(models.QuerySmsSignListRequest()).body
    assert (defaults.current_page, defaults.page_size, len(defaults.sms_sign_list)) == (1, 10, 4)


@pytest.mark.parametrize(("action", "item_model"), [
    ("QuerySmsTemplateList", models.QuerySmsTemplateListResponseBodySmsTemplateList),
    ("QuerySmsSignList", models.QuerySmsSignListResponseBodySmsSignList),
])
def test_the_list_actions_answer_every_documented_field(wire, action, item_model):
    body = wire(action=action, query={"PageIndex": "1", "PageSize": "1"}).acs3().body
    list_name = "SmsTemplateList" if action == "QuerySmsTemplateList" else "SmsSignList"
    assert set(body) == {"Code", "Message", "RequestId", "TotalCount", "CurrentPage", "PageSize", list_name}
    assert set(body[list_name][0]) == documented_fields(item_model)
    assert set(body[list_name][0]["Reason"]) == {"RejectDate", "RejectInfo", "RejectSubInfo"}


@pytest.mark.parametrize("query", [{"PageSize": "51"}, {"PageSize": "0"}, {"PageIndex": "0"}])
def test_the_list_actions_check_their_paging(wire, query):
    reply = wire(action="QuerySmsTemplateList", query=query).acs3()
    assert (reply.status, reply.code) == (200, "isv.INVALID_PARAMETERS")


def test_the_retired_queries_can_be_seeded_to_answer_as_removed(sms, emulator):
    assert sms.query_sms_template(models.QuerySmsTemplateRequest(template_code=VERIFY)).body.code == "OK"
    emulator.seed({"sms": {"retiredActions": ["QuerySmsTemplate", "QuerySmsSign"]}})
    body = sms.query_sms_template(models.QuerySmsTemplateRequest(template_code=VERIFY)).body
    assert (body.code, body.message) == ("isv.INTERFACE_OFFLINE", "接口已下线")
    assert sms.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN)).body.code == "isv.INTERFACE_OFFLINE"
    assert sms.get_sms_template(models.GetSmsTemplateRequest(template_code=VERIFY)).body.code == "OK"
    with pytest.raises(ValueError, match="sms.retiredActions"):
        emulator.seed({"sms": {"retiredActions": ["SendSms"]}})

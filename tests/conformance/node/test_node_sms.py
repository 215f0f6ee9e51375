"""Dysmsapi through Node clients this project did not write: @alicloud/dysmsapi20170525 signing ACS3
and RPC v2 (openapi-core's ``signatureAlgorithm: "v2"``), and @alicloud/pop-core (RPC, GET and POST)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from node_support import NodeClients, Outcome

SIGN = "阿里云短信测试"  # emulator/default_seed.json
NOTIFY = "SMS_100000002"  # 您好，${name}，您的订单${order}已发货。
PHONE = "13800138000"
CHINA = timezone(timedelta(hours=8))
SPECIAL = "王 五+!'()*/"  # a space, a plus, RFC 3986's sub-delims JavaScript leaves raw, Chinese, a slash


@dataclass(frozen=True)
class SmsClient:
    """One Node client of Dysmsapi; ``call`` takes the action and its parameters as Aliyun names them."""

    script: str
    config: dict[str, Any]

    def run(self, node: NodeClients, calls: list[tuple[str, dict[str, Any]]], **config: Any) -> list[Outcome]:
        """``(action, parameters)`` calls in order, one client."""
        if self.script == "dysmsapi":  # the generated SDK: one method and model per action, camelCase fields
            ops = [(action[0].lower() + action[1:], {k[0].lower() + k[1:]: v for k, v in params.items()})
                   for action, params in calls]
        else:
            ops = [("request", {"action": action, "params": params}) for action, params in calls]
        return node.run(self.script, ops, **self.config, **config)

    def call(self, node: NodeClients, action: str, params: dict[str, Any], **config: Any) -> Outcome:
        [outcome] = self.run(node, [(action, params)], **config)
        return outcome

    def bodies(self, node: NodeClients, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Aliyun's JSON answers: returned by the generated SDK, carried by pop-core's error when Code is not OK."""
        answers = []
        for outcome in self.run(node, calls):
            assert outcome.ok or (outcome.error is not None and outcome.error["data"]), outcome.error
            answers.append(outcome.value if outcome.ok else outcome.error["data"])  # type: ignore[index]
        return answers

    def body(self, node: NodeClients, action: str, params: dict[str, Any]) -> dict[str, Any]:
        [answer] = self.bodies(node, [(action, params)])
        return answer


CLIENTS = {
    "dysmsapi-acs3": SmsClient("dysmsapi", {}),
    "dysmsapi-v2": SmsClient("dysmsapi", {"signatureAlgorithm": "v2"}),
    "pop-core-get": SmsClient("pop_core", {"method": "GET", "apiVersion": "2017-05-25"}),
    "pop-core-post": SmsClient("pop_core", {"method": "POST", "apiVersion": "2017-05-25"}),
}


@pytest.fixture(params=list(CLIENTS))
def sms(request):
    return CLIENTS[request.param]


def send_params(order: str = "1", **extra: Any) -> dict[str, Any]:
    return {"PhoneNumbers": PHONE, "SignName": SIGN, "TemplateCode": NOTIFY,
            "TemplateParam": json.dumps({"name": SPECIAL, "order": order}, ensure_ascii=False), **extra}


def today(emulator) -> str:
    return datetime.fromtimestamp(emulator.clock.now(), CHINA).strftime("%Y%m%d")


def test_a_send_reaches_the_outbox_with_every_character_intact(node, emulator, sms):
    body = sms.body(node, "SendSms", send_params(order="A-1/B.2#3", OutId="out id+!'()*/中"))

    assert body["Code"] == "OK", body
    [message] = emulator.messages(phone=PHONE)
    assert message["bizId"] == body["BizId"] and message["requestId"] == body["RequestId"]
    assert message["params"] == {"name": SPECIAL, "order": "A-1/B.2#3"}  # order: other_number2
    assert message["outId"] == "out id+!'()*/中"
    assert message["content"] == f"【{SIGN}】您好，{SPECIAL}，您的订单A-1/B.2#3已发货。"


@pytest.mark.parametrize(("params", "code"), [
    ({"TemplateCode": "SMS_999999999"}, "isv.SMS_TEMPLATE_ILLEGAL"),
    ({"SignName": "没有这个签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
    ({"PhoneNumbers": "1380013800"}, "isv.MOBILE_NUMBER_ILLEGAL"),
    ({"TemplateParam": json.dumps({"name": SPECIAL})}, "isv.TEMPLATE_MISSING_PARAMETERS"),
])
def test_business_errors_surface_aliyuns_code(node, emulator, sms, params, code):
    body = sms.body(node, "SendSms", {**send_params(), **params})

    assert body["Code"] == code, body
    assert body["RequestId"] and body["Message"]
    assert emulator.messages() == []


def test_a_wrong_secret_is_refused_with_signature_does_not_match(node, emulator, sms):
    outcome = sms.call(node, "SendSms", send_params(), accessKeySecret="not-the-secret")

    assert (outcome.ok, outcome.code, outcome.status) == (False, "SignatureDoesNotMatch", 400)
    assert emulator.messages() == []


def test_an_unknown_access_key_id_is_refused(node, emulator, sms):
    outcome = sms.call(node, "SendSms", send_params(), accessKeyId="LTAI5tNobodyHasThisKey01")

    assert (outcome.ok, outcome.code, outcome.status) == (False, "InvalidAccessKeyId.NotFound", 404)
    assert emulator.messages() == []


def test_query_send_details_pages_and_filters_by_biz_id(node, emulator, sms):
    sent = sms.bodies(node, [("SendSms", send_params(order=str(n))) for n in range(3)])
    biz_ids = [answer["BizId"] for answer in sent]
    query = {"PhoneNumber": PHONE, "SendDate": today(emulator), "PageSize": 2}

    pages = sms.bodies(node, [("QuerySendDetails", {**query, "CurrentPage": page}) for page in (1, 2)])

    assert [page["Code"] for page in pages] == ["OK", "OK"]
    assert [page["TotalCount"] for page in pages] == ["3", "3"]
    details = [page["SmsSendDetailDTOs"]["SmsSendDetailDTO"] for page in pages]
    assert [len(rows) for rows in details] == [2, 1]
    assert sorted(row["Content"][-7:] for rows in details for row in rows) == [f"订单{n}已发货。" for n in range(3)]
    # a BizId carries "^", which each client must encode
    one = sms.body(node, "QuerySendDetails", {**query, "CurrentPage": 1, "BizId": biz_ids[1]})
    [row] = one["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (one["TotalCount"], row["Content"][-7:]) == ("1", "订单1已发货。")

"""A long list split over several SendSms calls, one of which fails: whoever was texted is never texted again."""

import pytest
from fc_support import auth, body, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime


def numbers(count):
    return [f"138{i:08d}" for i in range(count)]


@pytest.mark.parametrize("fault", [
    {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"},  # that call sent nothing
    {"type": "error", "code": "Throttling.User", "status": 400},  # nothing, after every retry
    {"type": "drop"},  # possibly delivered
])
def test_a_partial_send_keeps_its_key_and_a_retry_texts_no_one_twice(service, monkeypatch, fault):
    monkeypatch.setenv("SMS_MAX_BODY_BYTES", str(1024 * 1024))
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    runtime.reset()
    phones = numbers(1500)
    service.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": fault}])
    request = http_event(body(phoneList=phones), headers=auth(**{"Idempotency-Key": "long-list"}))
    first = invoke(handler, request)
    error = first["json"]["error"]
    assert len(error["sent"]) in (500, 1000)
    assert len(error["sent"]) + len(error["notSent"]) + len(error["possiblyDelivered"]) == 1500
    assert "Retry-After" not in first["headers"]  # a retry of the whole list would text the sent again
    outbox = sorted(m["phone"] for m in service.messages(limit=5000))
    assert outbox == sorted(error["sent"])
    service.set_chaos([])
    again = invoke(handler, request)
    assert again["headers"]["Idempotent-Replayed"] == "true"
    if error["possiblyDelivered"]:  # Aliyun may have it: not sent again until the reconciler knows
        assert again["statusCode"] == 409 and again["json"]["error"]["sent"] == error["sent"]
        assert sorted(m["phone"] for m in service.messages(limit=5000)) == outbox
    else:  # the send log knows the failed call sent nothing: only its numbers go out, once
        assert again["statusCode"] == 200 and again["json"]["reconciled"]["resent"] == len(error["notSent"])
        assert sorted(m["phone"] for m in service.messages(limit=5000)) == sorted(phones)
        assert invoke(handler, request)["json"] == again["json"]
        assert len(service.messages(limit=5000)) == len(phones)

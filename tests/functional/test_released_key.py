"""An answer that sent nothing frees its Idempotency-Key: the caller may use it for the corrected request
(Aliyun's 422 says "the caller must change the request")."""

import pytest
from fc_support import auth, body, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_service(request, service, monkeypatch):
    if request.param == "redis":
        monkeypatch.setenv("SMS_STORE_URL", request.getfixturevalue("redis_url"))
    runtime.reset()
    return service


def send(key, payload):
    return invoke(handler, http_event(payload, headers=auth(**{"Idempotency-Key": key})))


def test_a_key_whose_answer_sent_nothing_is_free_for_the_corrected_request(store_service):
    store_service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1,
                              "fault": {"type": "error", "code": "isv.TEMPLATE_MISSING_PARAMETERS"}}])
    first = send("order-77", body(params={"name": "张三"}))
    assert first["statusCode"] == 422 and first["json"]["error"].get("possiblyDelivered") is not True
    assert store_service.messages() == []  # nothing was sent: the key must not be burnt
    corrected = send("order-77", body())
    assert corrected["statusCode"] == 200, corrected["json"]
    assert len(store_service.messages()) == 1

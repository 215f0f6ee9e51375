"""The receipts push and the send-log lookups when KMS or the store fails: never a 2xx that stored
nothing, never a 5xx without a retry to follow, and nothing lost once the fault is gone."""

import pytest
from fc_support import PHONE, READER_KEY, auth, body, fc_context, http_event, invoke
from receipts_support import OK_BODY, TOKEN, push, report, use_receipts_token

from functions.send_sms.index import handler as send_handler
from shared.elements import runtime

KMS_FAULTS = {
    "throttle": {"type": "http", "status": 429, "code": "Rejected.Throttling"},
    "5xx": {"type": "http", "status": 503, "code": "ServiceUnavailableTemporary"},
    "dropped-connection": {"type": "drop"},
}


@pytest.fixture
def sent(service, monkeypatch):
    """One message sent and logged; then a cold instance, so that the next request reads KMS again."""
    use_receipts_token(service, monkeypatch)
    answer = invoke(send_handler, http_event(body(phoneList=[PHONE]), headers=auth(READER_KEY)))
    [message_id] = answer["json"]["messageIds"]
    [message] = service.messages()
    runtime.reset()
    return message_id, message


def status(message_id):
    return runtime.app_for(fc_context()).store.get_send(message_id).numbers[0].status


@pytest.mark.parametrize("fault", KMS_FAULTS.values(), ids=KMS_FAULTS)
def test_a_receipt_pushed_while_kms_fails_is_refused_then_applied_on_aliyuns_retry(sent, service, fault):
    message_id, message = sent
    service.set_chaos([{"service": "kms", "action": "GetSecretValue", "probability": 1.0, "fault": fault}])
    batch = [report(PHONE, biz_id=message["bizId"], out_id=message_id)]
    refused = push("report", batch)
    assert refused["statusCode"] >= 500 and refused["body"] != OK_BODY  # Aliyun pushes it again
    assert status(message_id) == "submitted"
    service.set_chaos([])
    assert push("report", batch)["body"] == OK_BODY
    assert status(message_id) == "delivered"


@pytest.mark.parametrize("fault", KMS_FAULTS.values(), ids=KMS_FAULTS)
def test_a_lookup_while_kms_fails_is_a_503_with_retry_after_then_answers(sent, service, fault):
    message_id, _ = sent
    service.set_chaos([{"service": "kms", "action": "GetSecretValue", "probability": 1.0, "fault": fault}])
    lookup = http_event(method="GET", path=f"/messages/{message_id}", headers={"Authorization": f"Bearer {READER_KEY}"})
    refused = invoke(send_handler, lookup)
    assert refused["statusCode"] == 503 and refused["headers"]["Retry-After"]
    service.set_chaos([])
    assert invoke(send_handler, lookup)["json"]["messageId"] == message_id


def test_a_receipt_pushed_while_the_store_is_down_is_refused_so_aliyun_retries(sent, service, monkeypatch):
    message_id, message = sent
    monkeypatch.setenv("SMS_STORE_URL", "redis://127.0.0.1:1/0")
    runtime.reset()
    refused = push("report", [report(PHONE, biz_id=message["bizId"], out_id=message_id)])
    assert refused["statusCode"] == 503 and refused["body"] != OK_BODY
    assert TOKEN not in refused["body"]

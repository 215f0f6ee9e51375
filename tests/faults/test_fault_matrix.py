"""The fault matrix: each Aliyun fault on each dependency, through the real send_sms function.

For every request: it is in the emulator's outbox exactly once, or the caller was told it was
not sent, or told it was possibly delivered; a retry under the same Idempotency-Key never texts
a second time, and sends what was never sent. Never a second text, never silence.
"""

import pytest
from fc_support import PHONE, auth, body, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime

NOT_SENT, MAYBE = "not sent", "possibly delivered"
SMS_FAULTS = {  # fault, what the caller must be told, with what status
    "throttle": ({"type": "error", "code": "Throttling.User", "status": 400}, NOT_SENT, 429),
    "flow-control": ({"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}, NOT_SENT, 429),
    "business-code": ({"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}, NOT_SENT, 502),
    "5xx": ({"type": "http", "status": 503}, MAYBE, 503),
    # with x-acs-retry-after the SDK raises its ThrottlingException: still a 5xx, whatever the code
    "5xx-retry-after": ({"type": "error", "code": "ServiceUnavailable", "status": 503, "retryAfterMs": 1000},
                        MAYBE, 503),
    "5xx-throttling": ({"type": "error", "code": "Throttling.User", "status": 503, "retryAfterMs": 10}, MAYBE, 503),
    "timeout-after-send": ({"type": "latency", "ms": 800}, MAYBE, 503),
    "dropped-connection": ({"type": "drop"}, MAYBE, 503),
    "garbage-answer": ({"type": "garbage"}, MAYBE, 503),
}
CONFIG_FAULTS = {  # reading config sends nothing: every failure is "not sent", 503 with Retry-After
    "throttle": {"type": "http", "status": 429, "code": "Rejected.Throttling"},
    "5xx": {"type": "http", "status": 503, "code": "ServiceUnavailableTemporary"},
    "dropped-connection": {"type": "drop"},
}
MATRIX = ([("sms", "SendSms", name, *case) for name, case in SMS_FAULTS.items()]
          + [("kms", "GetSecretValue", name, fault, NOT_SENT, 503) for name, fault in CONFIG_FAULTS.items()]
          + [("oss", "GetObject", name, fault, NOT_SENT, 503) for name, fault in CONFIG_FAULTS.items()])


@pytest.fixture
def elements_in_oss(service, tmp_path, monkeypatch):
    """The same elements, read from the emulator's OSS with the function role's STS credentials."""
    for path in (tmp_path / "elements").rglob("*.json"):
        service.oss_put("sms-fc-elements", f"elements/{path.relative_to(tmp_path / 'elements').as_posix()}",
                        path.read_text(encoding="utf-8"))
    monkeypatch.setenv("SMS_ELEMENTS_SOURCE", "oss://sms-fc-elements/elements")
    monkeypatch.setenv("SMS_OSS_ENDPOINT", service.endpoint)
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "400")
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "3")
    runtime.reset()
    return service


def send(key):
    return invoke(handler, http_event(body(), headers=auth(**{"Idempotency-Key": key})))


def texts(emulator):
    return len(emulator.messages(phone=PHONE))


@pytest.mark.parametrize(("service_name", "action", "fault_name", "fault", "told", "told_status"), MATRIX,
                         ids=[f"{s}-{n}" for s, _, n, *_ in MATRIX])
def test_every_request_is_sent_once_or_said_not_sent_or_possibly_delivered(elements_in_oss, service_name, action,
                                                                           fault_name, fault, told, told_status):
    emulator = elements_in_oss
    emulator.set_chaos([{"service": service_name, "action": action, "probability": 1.0, "fault": fault}])
    first = send(f"matrix-{service_name}-{fault_name}")
    emulator.set_chaos([])
    assert emulator.stats()[service_name][action] >= 1  # the fault was met
    after_first = texts(emulator)
    assert after_first <= 1
    status, answer = first["statusCode"], first["json"]
    if status == 200:
        verdict = "sent"
        assert answer["result"]["Code"] == "OK" and after_first == 1
    else:
        error = answer["error"]  # never silence: a code and a message naming what happened
        assert error["code"] in (46001, 46002, 46003) and error["message"]
        verdict = MAYBE if error.get("possiblyDelivered") is True else NOT_SENT
        if verdict == NOT_SENT:
            assert after_first == 0, "a request said not sent was texted"
            assert ("Retry-After" in first["headers"]) == (status in (429, 503))  # when waiting helps
        else:
            assert "Retry-After" not in first["headers"]
        assert (verdict, status) == (told, told_status)

    retry = send(f"matrix-{service_name}-{fault_name}")
    assert texts(emulator) == (1 if verdict != MAYBE else after_first), "texted twice or lost"
    if verdict == "sent":
        assert retry["statusCode"] == 200 and retry["headers"]["Idempotent-Replayed"] == "true"
    elif verdict == NOT_SENT:
        assert retry["statusCode"] == 200 and "Idempotent-Replayed" not in retry["headers"]
    else:
        assert retry["statusCode"] == 409 and retry["json"]["error"]["possiblyDelivered"] is True
    assert send(f"matrix-{service_name}-{fault_name}")["statusCode"] == retry["statusCode"]
    assert texts(emulator) <= 1

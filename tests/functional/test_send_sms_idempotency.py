"""send_sms with Idempotency-Key: on the SQLite store and on a real Redis."""

import pytest
from fc_support import FULL_KEY, LIMITED_KEY, auth, body, fc_context, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.fc.messages import SendBody


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store_service(request, service, monkeypatch):
    if request.param == "redis":
        monkeypatch.setenv("SMS_STORE_URL", request.getfixturevalue("redis_url"))
    runtime.reset()
    return service


def send(key, payload=None, api_key=FULL_KEY):
    return invoke(handler, http_event(payload or body(), headers=auth(api_key, **{"Idempotency-Key": key})))


def sends(emulator):
    return emulator.stats().get("sms", {}).get("SendSms", 0)


def test_a_retry_returns_the_first_answer_and_sends_nothing(store_service):
    first = send("order-1")
    again = send("order-1", {**body(), "params": {"order": 1024, "name": "张三"}})  # same body, other key order
    assert first["statusCode"] == again["statusCode"] == 200
    assert again["json"] == first["json"]
    assert again["headers"]["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first["headers"]
    assert sends(store_service) == 1 and len(store_service.messages()) == 1


def test_the_same_key_with_another_body_is_422(store_service):
    send("order-2")
    answer = send("order-2", body(phoneList=["13900139000"]))
    assert answer["statusCode"] == 422
    assert sends(store_service) == 1


def test_keys_belong_to_their_caller(store_service):
    send("shared-key")
    assert send("shared-key", api_key=LIMITED_KEY)["statusCode"] == 200
    assert sends(store_service) == 2


def test_a_request_still_in_flight_is_409(store_service, monkeypatch):
    app = runtime.app_for(fc_context())
    same_body = app.vault.fingerprint(SendBody.model_validate(body()).model_dump(mode="json"))
    claim = app.store.claim("send_sms:full:busy", same_body, ttl=60, lease=30)
    assert claim.status == "claimed"
    answer = send("busy")
    assert answer["statusCode"] == 409
    assert 1 <= int(answer["headers"]["Retry-After"]) <= 30
    assert sends(store_service) == 0


NOTHING_SENT = [
    ({"type": "error", "code": "Throttling.User", "status": 400}, 429),  # throttling outlasting the retries
    ({"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}, 429),  # Aliyun's flow control
    ({"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}, 502),  # the account's
    ({"type": "error", "code": "isv.SMS_TEMPLATE_ILLEGAL"}, 422),  # the request's
]


@pytest.mark.parametrize(("fault", "status"), NOTHING_SENT, ids=[f["code"] for f, _ in NOTHING_SENT])
def test_an_answer_that_sent_nothing_never_burns_the_key(store_service, fault, status):
    store_service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": fault}])
    first = send("order-3")
    assert first["statusCode"] == status and first["json"]["error"]["providerCode"] == fault["code"]
    assert first["json"]["error"].get("possiblyDelivered") is not True
    store_service.set_chaos([])
    retry = send("order-3")
    assert retry["statusCode"] == 200 and "Idempotent-Replayed" not in retry["headers"]
    assert len(store_service.messages()) == 1


@pytest.mark.parametrize("fault", [{"type": "http", "status": 503}, {"type": "drop"}, {"type": "garbage"}])
def test_an_answer_that_may_have_texted_someone_is_409_with_that_state_on_retry(store_service, fault):
    store_service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": fault}])
    first = send("order-4")
    assert first["statusCode"] == 503 and first["json"]["error"]["possiblyDelivered"] is True
    assert "Retry-After" not in first["headers"]
    store_service.set_chaos([])
    again = send("order-4")
    assert (again["statusCode"], again["json"]) == (409, first["json"])
    assert again["headers"]["Idempotent-Replayed"] == "true" and "Retry-After" not in again["headers"]
    assert sends(store_service) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "中文"])
def test_a_malformed_key_is_400(store_service, key):
    answer = send(key)
    assert answer["statusCode"] == 400 and "Idempotency-Key" in answer["json"]["error"]["message"]
    assert sends(store_service) == 0


@pytest.mark.parametrize("wrong", [{"service": "bad name!"}, {"service": "x"},
                                   {"directory": "Directory.bad-name", "recipients": {"roles": ["approver"]}}])
def test_a_bad_element_name_is_400_before_the_key_is_claimed(store_service, wrong):
    """It was a 500 ("invalid element full name"), replayed for 24 h under the key."""
    answer = send("order-7", {**body(), **wrong})
    assert answer["statusCode"] == 400, answer["json"]
    assert f"body.{next(iter(wrong))}: must be an element full name" in answer["json"]["error"]["message"]
    right = send("order-7")
    assert right["statusCode"] == 200 and "Idempotent-Replayed" not in right["headers"]
    assert sends(store_service) == 1


def test_a_send_under_way_holds_its_key_for_the_functions_whole_timeout(store_service):
    """A send that outlasts the usual lease is never taken over by a retry while it may still run."""
    import threading

    from fc_support import fc_context

    store_service.set_chaos([{"service": "sms", "action": "SendSms", "count": 1,
                              "fault": {"type": "latency", "ms": 600}}])
    context = fc_context()
    context.function.timeout = 600
    event = http_event(body(), headers=auth(FULL_KEY, **{"Idempotency-Key": "slow"}))
    answers = []
    first = threading.Thread(target=lambda: answers.append(invoke(handler, event, context)))
    first.start()
    try:
        for _ in range(200):  # bounded: until the first request is sending
            if sends(store_service):
                break
            threading.Event().wait(0.01)
        retry = send("slow")
    finally:
        first.join(timeout=30)
    assert not first.is_alive()
    assert retry["statusCode"] == 409 and int(retry["headers"]["Retry-After"]) > 60
    assert [answer["statusCode"] for answer in answers] == [200]  # the first request's own answer
    assert len(store_service.messages()) == 1


def test_a_key_whose_answer_sent_nothing_is_free_for_the_corrected_request(store_service):
    store_service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1,
                              "fault": {"type": "error", "code": "isv.TEMPLATE_MISSING_PARAMETERS"}}])
    first = send("order-77", body(params={"name": "张三"}))
    assert first["statusCode"] == 422 and first["json"]["error"].get("possiblyDelivered") is not True
    assert store_service.messages() == []  # nothing was sent: the key must not be burnt
    corrected = send("order-77", body())
    assert corrected["statusCode"] == 200, corrected["json"]
    assert len(store_service.messages()) == 1

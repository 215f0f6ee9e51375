"""Fault injection as the real SDK sees it."""

from __future__ import annotations

import json
import threading
import time

import pytest
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_tea_openapi import exceptions
from darabonba.exceptions import UnretryableException
from emulator_wire import NOTIFY, PHONE, SIGN

from emulator.core.chaos import parse_rules


def rule(fault, action="SendSms", **extra):
    return {"service": "sms", "action": action, "probability": 1.0, "fault": fault, **extra}


def send(client):
    request = models.SendSmsRequest(phone_numbers=PHONE, sign_name=SIGN, template_code=NOTIFY,
                                    template_param=json.dumps({"name": "a", "order": "1"}))
    return client.send_sms(request).body


def query_sign(client):
    return client.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN)).body


def test_a_business_error_fault_is_a_code_inside_http_200(any_sms, emulator):
    emulator.set_chaos([rule({"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"})])
    body = send(any_sms)
    assert (body.code, body.message, body.biz_id) == ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足", None)
    assert body.request_id
    assert emulator.messages() == []


def test_a_gateway_error_fault_raises_client_exception(sms, emulator):
    emulator.set_chaos([rule({"type": "error", "code": "Throttling.User", "status": 400})])
    with pytest.raises(exceptions.ClientException) as info:
        send(sms)
    assert (info.value.status_code, info.value.code) == (400, "Throttling.User")
    assert "Request was denied due to user flow control." in info.value.message
    assert emulator.messages() == []


def test_retry_after_makes_a_throttling_exception(sms, emulator):
    emulator.set_chaos([rule({"type": "error", "code": "Throttling.User", "status": 400, "retryAfterMs": 1500})])
    with pytest.raises(exceptions.ThrottlingException) as info:
        send(sms)
    assert (info.value.code, info.value.retry_after) == ("Throttling.User", 1500)


@pytest.mark.parametrize(("status", "code"), [(503, "ServiceUnavailable"), (500, "InternalError")])
def test_an_http_fault_raises_server_exception(any_sms, emulator, status, code):
    emulator.set_chaos([rule({"type": "http", "status": status})])
    with pytest.raises(exceptions.ServerException) as info:
        send(any_sms)
    assert (info.value.status_code, info.value.code) == (status, code)
    assert info.value.request_id and info.value.request_id != "None"


@pytest.mark.parametrize("kind", ["drop", "garbage"])
def test_drop_and_garbage_are_unretryable_for_the_sdk(any_sms, emulator, kind):
    emulator.set_chaos([rule({"type": kind})])
    with pytest.raises(UnretryableException):
        send(any_sms)
    emulator.set_chaos([])
    assert send(any_sms).code == "OK"  # the client's connection pool recovers


def test_latency_delays_that_request_but_not_others(sms, emulator):
    emulator.set_chaos([rule({"type": "latency", "ms": 400})])
    finished: list[str] = []
    results: dict[str, str] = {}

    def slow() -> None:
        results["slow"] = send(sms).code
        finished.append("slow")

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.05)  # let the slow request reach the server first
    fast_client = emulator.sms_client()
    results["fast"] = query_sign(fast_client).code
    finished.append("fast")
    thread.join(timeout=10)
    assert finished == ["fast", "slow"]
    assert results == {"slow": "OK", "fast": "OK"}
    assert len(emulator.messages()) == 1


def test_a_read_timeout_shorter_than_the_latency_fails_the_call(emulator):
    emulator.set_chaos([rule({"type": "latency", "ms": 600})])
    client = emulator.sms_client(read_timeout=150)
    with pytest.raises(UnretryableException) as info:
        send(client)
    assert "timed out" in str(info.value.message).lower()


def test_count_bounds_how_often_a_rule_fires(sms, emulator):
    emulator.set_chaos([rule({"type": "http", "status": 503}, count=2)])
    for _ in range(2):
        with pytest.raises(exceptions.ServerException):
            send(sms)
    assert send(sms).code == "OK"
    [state] = emulator.chaos()
    assert (state["fired"], state["count"]) == (2, 2)


def test_rules_match_service_and_action(sms, emulator):
    emulator.set_chaos([rule({"type": "http", "status": 503}, action="QuerySmsSign"),
                        {"service": "kms", "action": "*", "fault": {"type": "drop"}}])
    assert send(sms).code == "OK"
    with pytest.raises(exceptions.ServerException):
        query_sign(sms)
    emulator.set_chaos([rule({"type": "error", "code": "isv.OUT_OF_SERVICE"}, action="*")])
    assert query_sign(sms).code == "isv.OUT_OF_SERVICE"


def test_latency_adds_to_a_later_fault(sms, emulator):
    emulator.set_chaos([rule({"type": "latency", "ms": 1}), rule({"type": "error", "code": "isv.DAY_LIMIT_CONTROL"})])
    assert send(sms).code == "isv.DAY_LIMIT_CONTROL"
    assert [r["fired"] for r in emulator.chaos()] == [1, 1]


def test_probability_draws_are_deterministic_for_the_seed(sms, emulator):
    def outcomes() -> list[str]:
        emulator.set_chaos([rule({"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}, probability=0.5,
                                 action="QuerySmsSign")])
        return [query_sign(sms).code for _ in range(20)]

    first = outcomes()
    emulator.reset()
    assert outcomes() == first
    assert 0 < first.count("OK") < 20


def test_probability_zero_never_fires(sms, emulator):
    emulator.set_chaos([rule({"type": "http", "status": 503}, probability=0)])
    assert send(sms).code == "OK"


def test_chaos_applies_only_after_the_signature_is_verified(emulator):
    emulator.set_chaos([rule({"type": "http", "status": 503})])
    bad = emulator.sms_client(access_key_secret="wrong")
    with pytest.raises(exceptions.ClientException) as info:
        send(bad)
    assert info.value.code == "SignatureDoesNotMatch"
    assert emulator.chaos()[0]["fired"] == 0
    assert emulator.stats() == {"sms": {"SendSms": 1}}


def test_faulty_requests_are_counted_in_stats(sms, emulator):
    emulator.set_chaos([rule({"type": "drop"})])
    with pytest.raises(UnretryableException):
        send(sms)
    assert emulator.stats()["sms"]["SendSms"] == 1


def test_a_request_delayed_across_a_reset_is_dropped_not_recorded(sms, emulator):
    emulator.set_chaos([rule({"type": "latency", "ms": 300})])
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            send(sms)
        except UnretryableException as error:
            errors.append(error)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.1)
    emulator.reset()
    thread.join(timeout=10)
    assert len(errors) == 1
    assert emulator.messages() == []


@pytest.mark.parametrize(("rules", "field"), [
    ({"rules": "x"}, "rules"),
    ({"rules": [{"fault": {"type": "explode"}}]}, "rules[0].fault.type"),
    ({"rules": [{"fault": {"type": "error"}}]}, "rules[0].fault.code"),
    ({"rules": [{"probability": 2, "fault": {"type": "drop"}}]}, "rules[0].probability"),
    ({"rules": [{"count": -1, "fault": {"type": "drop"}}]}, "rules[0].count"),
    ({"rules": [{"fault": {"type": "latency", "ms": "slow"}}]}, "rules[0].fault.ms"),
    ({"rules": [{"fault": {"type": "http", "status": 200}}]}, "rules[0].fault.status"),
])
def test_bad_rules_are_refused_naming_the_field(rules, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(rules)

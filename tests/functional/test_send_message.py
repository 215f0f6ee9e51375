"""sendMessage through the real Dysmsapi SDK against the emulator."""

import json

import pytest
from functional_support import NOTIFY_TEMPLATE, SIGN, VERIFY_TEMPLATE, log_lines

from shared import SmsError
from shared.aliyun.credentials import Credentials
from shared.aliyun.dysms import get_client

PHONE = "13800138000"


def numbers(count, start=0):
    return [f"139{i:08d}" for i in range(start, start + count)]


def send(app, phones, params, template=NOTIFY_TEMPLATE, element="SMS.Default"):
    return app.getElement(element).sendMessage(phones, params, template)


def test_sends_one_message_and_returns_aliyun_body(make_app, emulator):
    body = send(make_app(), [PHONE], {"name": "张三", "order": 1024})
    assert body["Code"] == "OK"
    assert body["BizId"] and body["RequestId"]
    [message] = emulator.messages()
    assert message["phone"] == PHONE
    assert message["templateCode"] == NOTIFY_TEMPLATE
    assert message["signName"] == SIGN
    assert message["params"] == {"name": "张三", "order": "1024"}
    assert message["content"] == f"【{SIGN}】您好，张三，您的订单1024已发货。"
    assert message["bizId"] == body["BizId"]


def test_prefixes_are_normalised_and_duplicates_texted_once(make_app, emulator):
    send(make_app(), ["+86 138-0013-8000", "008613800138000", "13900139000"], {"name": "a", "order": "1"})
    assert sorted(m["phone"] for m in emulator.messages()) == ["13800138000", "13900139000"]


@pytest.mark.parametrize(
    ("phones", "params", "template"),
    [
        ([], {"name": "a"}, NOTIFY_TEMPLATE),
        (None, {"name": "a"}, NOTIFY_TEMPLATE),
        ("13800138000", {"name": "a"}, NOTIFY_TEMPLATE),
        (["12345"], {"name": "a"}, NOTIFY_TEMPLATE),
        ([PHONE], {"name": {"nested": 1}}, NOTIFY_TEMPLATE),
        ([PHONE], "name=a", NOTIFY_TEMPLATE),
        ([PHONE], {"name": "a"}, ""),
        ([PHONE], {"name": float("nan")}, NOTIFY_TEMPLATE),
        ([PHONE], {"name": float("inf")}, NOTIFY_TEMPLATE),
        ([PHONE], {"name": "a" * 36}, NOTIFY_TEMPLATE),
        ([PHONE], {"name": 10**5000}, NOTIFY_TEMPLATE),
        ([PHONE], {"name": "a"}, "S" * 70_000),
        (["13７00070001"], {"name": "a"}, NOTIFY_TEMPLATE),
        ([-13800138000], {"name": "a"}, NOTIFY_TEMPLATE),
        ([PHONE] * 10_001, {"name": "a"}, NOTIFY_TEMPLATE),
    ],
    ids=["empty", "none", "str", "short", "nested", "str params", "no template", "nan", "inf", "long value",
         "huge int", "long template", "unicode digit", "negative int", "10001 numbers"],
)
def test_bad_arguments_raise_46001_and_send_nothing(make_app, emulator, phones, params, template):
    with pytest.raises(SmsError) as info:
        send(make_app(), phones, params, template)
    assert info.value.code == 46001
    assert emulator.stats().get("sms", {}).get("SendSms", 0) == 0


@pytest.mark.parametrize(
    ("template", "params", "element", "provider_code"),
    [
        ("SMS_999999999", {"code": "1234"}, "SMS.Default", "isv.SMS_TEMPLATE_ILLEGAL"),
        (NOTIFY_TEMPLATE, {"name": "a"}, "SMS.Default", "isv.TEMPLATE_MISSING_PARAMETERS"),
        (VERIFY_TEMPLATE, {"code": "1234"}, "SMS.UnapprovedSign", "isv.SMS_SIGNATURE_ILLEGAL"),
        (VERIFY_TEMPLATE, {"code": "1234"}, "SMS.WrongSecret", "SignatureDoesNotMatch"),
        (VERIFY_TEMPLATE, {"code": "1234"}, "SMS.UnknownKey", "InvalidAccessKeyId.NotFound"),
    ],
)
def test_aliyun_error_codes_raise_46002(make_app, emulator, template, params, element, provider_code):
    with pytest.raises(SmsError) as info:
        send(make_app(), [PHONE], params, template, element)
    error = info.value
    assert error.code == 46002
    assert error.provider_code == provider_code
    assert error.request_id
    assert error.details["providerMessage"]
    assert emulator.messages() == []


def test_flow_control_is_46002_business_limit(make_app, emulator):
    app = make_app()
    send(app, [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    with pytest.raises(SmsError) as info:
        send(app, [PHONE], {"code": "5678"}, VERIFY_TEMPLATE)
    assert (info.value.code, info.value.provider_code) == (46002, "isv.BUSINESS_LIMIT_CONTROL")
    emulator.clock.advance(61)
    assert send(app, [PHONE], {"code": "5678"}, VERIFY_TEMPLATE)["Code"] == "OK"


def test_business_error_is_not_retried(make_app, emulator):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0,
                         "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}])
    with pytest.raises(SmsError) as info:
        send(make_app(send_max_attempts=3), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert (info.value.code, info.value.provider_code) == (46002, "isv.AMOUNT_NOT_ENOUGH")
    assert emulator.stats()["sms"]["SendSms"] == 1


def test_throttling_is_retried_then_succeeds(make_app, emulator, capsys):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 2,
                         "fault": {"type": "error", "code": "Throttling.User", "status": 400}}])
    body = send(make_app(send_max_attempts=3), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert body["Code"] == "OK"
    assert emulator.stats()["sms"]["SendSms"] == 3
    assert len(emulator.messages()) == 1
    [line] = [entry for entry in log_lines(capsys.readouterr().out) if entry["message"].startswith("sms.send")]
    assert line["attempts"] == 3


def test_persistent_throttling_gives_46002_after_bounded_attempts(make_app, emulator):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0,
                         "fault": {"type": "error", "code": "Throttling.User", "status": 400, "retryAfterMs": 1}}])
    with pytest.raises(SmsError) as info:
        send(make_app(send_max_attempts=4), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert (info.value.code, info.value.provider_code) == (46002, "Throttling.User")
    assert info.value.details["attempts"] == 4
    assert emulator.stats()["sms"]["SendSms"] == 4


@pytest.mark.parametrize("fault", [
    {"type": "http", "status": 500},
    {"type": "http", "status": 503},
    # x-acs-retry-after makes the SDK raise its ThrottlingException, not a ServerException: the 5xx
    # status still decides (a 5xx throttling answer retried could text the number twice)
    {"type": "error", "code": "ServiceUnavailable", "status": 503, "retryAfterMs": 10},
    {"type": "error", "code": "Throttling.User", "status": 503, "retryAfterMs": 10},
])
def test_a_5xx_is_46003_possibly_delivered_and_not_retried(make_app, emulator, fault):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1, "fault": fault}])
    with pytest.raises(SmsError) as info:
        send(make_app(send_max_attempts=3), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert info.value.code == 46003
    assert info.value.possibly_delivered is True
    assert info.value.retry_after is None
    assert emulator.stats()["sms"]["SendSms"] == 1


def test_connection_refused_is_retried_then_46003_not_delivered(make_app, closed_port_endpoint, capsys):
    with pytest.raises(SmsError) as info:
        send(make_app(endpoint=closed_port_endpoint, send_max_attempts=3), [PHONE], {"code": "1"}, VERIFY_TEMPLATE)
    assert info.value.code == 46003
    assert info.value.possibly_delivered is False
    assert info.value.details["attempts"] == 3


@pytest.mark.parametrize("params", [{"name": "\ud800", "order": "1"}, {"\udfff": "a"}],
                         ids=["lone surrogate value", "lone surrogate name"])
def test_a_lone_surrogate_in_params_is_46001_not_possibly_delivered(make_app, emulator, params):
    """Python's JSON reader lets "\\ud800" in; it cannot go out as UTF-8 (the SDK failed on it, and
    the send was taken for one whose answer was lost)."""
    with pytest.raises(SmsError) as info:
        send(make_app(), [PHONE], params, NOTIFY_TEMPLATE)
    assert (info.value.code, info.value.possibly_delivered) == (46001, False)
    assert "lone surrogate" in info.value.message
    assert emulator.stats().get("sms", {}).get("SendSms", 0) == 0


def test_a_refused_connection_is_logged_without_the_code_or_number_its_url_carried(make_app, closed_port_endpoint,
                                                                                   capsys):
    from shared.fc.http import log_error

    with pytest.raises(SmsError) as info:
        send(make_app(endpoint=closed_port_endpoint, send_max_attempts=1), [PHONE], {"code": "918273"},
             VERIFY_TEMPLATE)
    log_error(info.value)  # what the FC adapter logs for it: its cause, the SDK's exception
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines() if '"http.error"' in text]
    assert line["errorType"] == "UnretryableException" and "/?<query>" in line["errorMessage"]
    assert "918273" not in json.dumps(line) and "TemplateParam" not in json.dumps(line)


@pytest.mark.parametrize("fault", [{"type": "drop"}, {"type": "garbage"}])
def test_lost_answer_is_46003_possibly_delivered_and_not_retried(make_app, emulator, fault):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": fault}])
    with pytest.raises(SmsError) as info:
        send(make_app(send_max_attempts=3), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert info.value.code == 46003
    assert info.value.possibly_delivered is True
    assert info.value.details["possiblyDelivered"] is True
    assert emulator.stats()["sms"]["SendSms"] == 1


def test_read_timeout_is_46003_possibly_delivered_and_not_retried(make_app, emulator):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0,
                         "fault": {"type": "latency", "ms": 1500}}])
    with pytest.raises(SmsError) as info:
        send(make_app(read_timeout_ms=200, send_max_attempts=3), [PHONE], {"code": "1234"}, VERIFY_TEMPLATE)
    assert info.value.code == 46003
    assert info.value.possibly_delivered is True
    assert emulator.stats()["sms"]["SendSms"] == 1


def test_long_list_is_split_into_concurrent_calls(make_app, emulator):
    phones = numbers(2500)
    result = send(make_app(), phones + phones[:10], {"name": "a", "order": "1"})
    assert result["Code"] == "OK"
    assert [len(batch["PhoneNumbers"]) for batch in result["Batches"]] == [1000, 1000, 500]
    assert all(batch["Code"] == "OK" and batch["BizId"] for batch in result["Batches"])
    assert emulator.stats()["sms"]["SendSms"] == 3
    assert sorted(m["phone"] for m in emulator.messages(limit=10000)) == sorted(phones)


def test_partial_failure_says_who_was_texted(make_app, emulator):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1,
                         "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}])
    phones = numbers(2500)
    with pytest.raises(SmsError) as info:
        send(make_app(), phones, {"name": "a", "order": "1"})
    error = info.value
    assert (error.code, error.provider_code) == (46002, "isv.AMOUNT_NOT_ENOUGH")
    sent, not_sent = error.details["sent"], error.details["notSent"]
    assert error.details["possiblyDelivered"] == []
    assert len(not_sent) in (1000, 500)
    assert sorted(sent + not_sent) == sorted(phones)
    assert sorted(m["phone"] for m in emulator.messages(limit=10000)) == sorted(sent)
    assert "not sent to" in error.message


def test_log_line_has_outcome_and_no_secrets_numbers_or_values(make_app, emulator, capsys):
    send(make_app(), [PHONE, "13900139000"], {"name": "SECRETNAME", "order": "987654"})
    out = capsys.readouterr().out
    [line] = [entry for entry in log_lines(out) if entry["message"].startswith("sms.send")]
    assert line["level"] == "INFO"
    assert line["outcome"] == "sent"
    assert line["element"] == "SMS.Default"
    assert line["templateCode"] == NOTIFY_TEMPLATE
    assert line["phoneCount"] == 2
    assert line["phones"] == ["138****8000", "139****9000"]
    assert line["aliyunRequestId"] and line["bizId"] and line["attempts"] == 1
    assert isinstance(line["latencyMs"], float)
    for forbidden in (PHONE, "13900139000", "SECRETNAME", "987654", emulator.access_key_secret):
        assert forbidden not in out


def test_failure_log_line_records_codes(make_app, emulator, capsys):
    with pytest.raises(SmsError):
        send(make_app(), [PHONE], {"code": "1"}, "SMS_999999999")
    [line] = [e for e in log_lines(capsys.readouterr().out) if e["message"].startswith("sms.send")]
    assert (line["level"], line["outcome"], line["errorCode"]) == ("WARNING", "failed", 46002)
    assert line["providerCode"] == "isv.SMS_TEMPLATE_ILLEGAL"


def test_client_is_built_once_per_credentials_and_endpoint(make_app):
    settings = make_app().settings
    first = get_client(Credentials("AK1", "S1"), settings)
    assert get_client(Credentials("AK1", "S1"), settings) is first
    assert get_client(Credentials("AK1", "S2"), settings) is not first
    assert get_client(Credentials("AK1", "S1", "token"), settings) is not first


def test_kms_and_dysmsapi_on_one_host_share_one_sdk_session(make_app, emulator):
    """The SDK keeps a session (and a TLS context, ~25 ms to build) per host and pool size: a send
    that also reads KMS (the send log's HMAC key) opens one session for the emulator's one host."""
    from darabonba.core import DaraCore

    from shared.aliyun import clients

    host = emulator.endpoint.split("://", 1)[1]
    for key in [k for k in DaraCore._sessions if host in k]:
        del DaraCore._sessions[key]
    clients.clear()
    send(make_app(send_concurrency=10), [PHONE], {"name": "a", "order": "1"})

    assert emulator.stats()["kms"] and emulator.stats()["sms"]["SendSms"] == 1
    [session] = [k for k in DaraCore._sessions if host in k]
    assert session.endswith(f":pool={clients.SDK_POOL_SIZE}")

"""The send_sms function: handler(event, context) with events/ files against the emulator."""

import json

import pytest
from fc_support import FULL_KEY, LIMITED_KEY, PHONE, auth, body, http_event, invoke, load_event
from functional_support import log_lines

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.errors import InvalidParameterError
from shared.fc.api_keys import hash_key


def test_sends_to_a_phone_list(service):
    answer = invoke(handler, http_event(body(), headers=auth()))
    assert answer["statusCode"] == 200
    assert answer["json"]["result"]["Code"] == "OK"
    assert answer["json"]["recipients"]["phones"] == 1
    assert answer["headers"]["x-fc-request-id"] == "req-test-1"
    assert [m["content"] for m in service.messages()] == ["【阿里云短信测试】您好，张三，您的订单1024已发货。"]


def test_sample_events_work_as_shipped_once_the_key_is_filled_in(service):
    for name in ("http_send_sms.json", "http_send_sms_base64.json"):
        event = load_event(name)
        for header in list(event["headers"]):
            if header.lower() == "authorization":
                event["headers"][header] = f"Bearer {FULL_KEY}"
        assert invoke(handler, event)["statusCode"] == 200, name
    assert {m["phone"] for m in service.messages()} >= {"13900139000", PHONE, "13800138001", "13800138002"}


def test_recipients_resolve_through_departments_roles_and_members(service):
    answer = invoke(handler, http_event(body(phoneList=None, recipients={
        "departments": ["sales", "nope"], "roles": ["approver"], "members": ["u1", "ghost"]}), headers=auth()))
    assert answer["statusCode"] == 200
    report = answer["json"]["recipients"]
    assert report["phones"] == 3
    assert report["unknown"] == {"members": ["ghost"], "departments": ["nope"], "roles": []}
    assert sorted(report["withoutPhone"]) == ["u3", "u4"]
    assert sorted(m["phone"] for m in service.messages()) == ["13800138001", "13800138002", "13800138005"]


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/json"},
    {"Authorization": "Basic dXNlcjpwYXNz", "Content-Type": "application/json"},
    {"Authorization": "Bearer sk_wrong", "Content-Type": "application/json"},
    {"Authorization": "Bearer ", "Content-Type": "application/json"},
])
def test_missing_or_wrong_key_is_a_401_that_reveals_nothing(service, headers, capsys):
    answer = invoke(handler, http_event(body(), headers=headers))
    assert answer["statusCode"] == 401
    assert answer["json"]["error"]["message"] == "missing or invalid API key"
    assert answer["headers"]["WWW-Authenticate"].startswith("Bearer")
    assert service.messages() == []
    assert "sk_wrong" not in capsys.readouterr().out


def test_no_key_ever_reaches_a_log(service, capsys):
    invoke(handler, http_event(body(), headers=auth()))
    out = capsys.readouterr().out
    assert FULL_KEY not in out and hash_key(FULL_KEY) not in out
    assert '"caller": "full"' in out


def test_limited_key_may_only_use_its_template(service):
    assert invoke(handler, http_event(body(), headers=auth(LIMITED_KEY)))["statusCode"] == 200
    answer = invoke(handler, http_event(body(templateCode="SMS_100000001", params={"code": "1234"}),
                                        headers=auth(LIMITED_KEY)))
    assert answer["statusCode"] == 403
    assert "SMS_100000001" in answer["json"]["error"]["message"]


@pytest.mark.parametrize(("payload", "fragment"), [
    (body(templateCode=None), "body.templateCode: Field required"),
    (body(phoneList=None), "give phoneList and/or recipients"),
    (body(phoneList=["12345"]), "phoneList[0]: not a mainland mobile number"),
    (body(params={"name": {"x": 1}}), "body.params.name"),
    (body(service="SMS.Nope"), "service: unknown element SMS.Nope"),
    (body(extra=1), "body.extra: Extra inputs are not permitted"),
    (body(phoneList=None, recipients={"members": ["ghost"]}), "no recipient has a usable phone number"),
    # bounds: what Aliyun would refuse, or what cannot be a send (README "Input bounds")
    (body(templateCode="S" * 70_000), "body.templateCode: must be at most 64 characters"),
    (body(params={"name": "张" * 36}), "body.params.name: must be at most 35 characters"),
    (body(params={"name": 10**40}), "body.params.name: must be at most 35 characters"),
    (body(params={"k" * 65: "v"}), "a key must be at most 64 characters"),
    (body(params={f"p{i}": "v" for i in range(51)}), "body.params: Dictionary should have at most 50 items"),
    (body(phoneList=[f"1380013{i:04d}" for i in range(10_001)]), "body.phoneList: List should have at most 10000"),
    (body(phoneList=["13７00070001"]), "body.phoneList[0]: not a mainland mobile number"),
    (body(phoneList=[PHONE, "137٠0070001"]), "body.phoneList[1]: not a mainland mobile number"),
    (body(phoneList=None, recipients={"members": ["u" * 129]}), "body.recipients.members[0]"),
    (body(service="bad name!"), "body.service: must be an element full name"),
    (body(service="x"), "body.service: must be an element full name"),
    (body(service="SMS." + "x" * 200), "body.service: must be at most 128 characters"),
    (body(phoneList=None, recipients={"roles": ["approver"]}, directory="x"), "body.directory: must be an element"),
])
def test_bad_bodies_are_400_naming_the_field(service, payload, fragment, monkeypatch):
    monkeypatch.setenv("SMS_MAX_BODY_BYTES", str(1024 * 1024))  # room for the bounds' oversized fields
    runtime.reset()
    answer = invoke(handler, http_event(payload, headers=auth()))
    assert answer["statusCode"] == 400, answer["json"]
    assert answer["json"]["error"]["code"] == 46001
    assert fragment in answer["json"]["error"]["message"]
    assert service.messages() == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_nan_and_infinity_params_are_refused_not_texted_as_nan(service, literal):
    """Python's json and pydantic both take NaN and Infinity; Aliyun would text "nan"."""
    raw = json.dumps(body()).replace('"order": 1024', f'"order": {literal}')
    answer = invoke(handler, http_event(raw_body=raw, headers=auth(**{"Content-Type": "application/json"})))
    assert answer["statusCode"] == 400
    assert "body.params.order: must be a finite number" in answer["json"]["error"]["message"]
    assert service.messages() == []


@pytest.mark.parametrize(("event_kwargs", "status", "fragment"), [
    ({"raw_body": "{not json"}, 400, "not valid JSON"),
    ({"raw_body": json.dumps(body(phoneList=[PHONE] * 400))}, 413, "limit is 4096"),
    ({"headers": auth(**{"Content-Type": "text/plain"})}, 415, "Content-Type must be application/json"),
    ({"method": "DELETE"}, 405, "DELETE is not allowed on /messages"),  # GET lists the send log (read scope)
    ({"path": "/elsewhere"}, 404, "no route for /elsewhere"),
])
def test_request_shape_errors(service, event_kwargs, status, fragment):
    kwargs = {"headers": auth(), **event_kwargs}
    answer = invoke(handler, http_event(body(), **kwargs))
    assert answer["statusCode"] == status
    assert fragment in answer["json"]["error"]["message"]


@pytest.mark.parametrize("event", [b"not json at all", b"[" * 100_000 + b"]" * 100_000])  # and too deep for json
def test_an_event_that_is_not_http_is_a_400_not_a_traceback(service, event):
    answer = handler(event, None)
    assert answer["statusCode"] == 400
    assert "not an FC HTTP trigger event" in json.loads(answer["body"])["error"]["message"]


PROVIDER_ANSWERS = [  # Aliyun's answers by whose fault they are (README "Failure semantics")
    ({"type": "error", "code": "isv.SMS_TEMPLATE_ILLEGAL"}, 422, None),
    ({"type": "error", "code": "isv.TEMPLATE_MISSING_PARAMETERS"}, 422, None),
    ({"type": "error", "code": "isv.PARAM_NOT_SUPPORT_URL"}, 422, None),
    ({"type": "error", "code": "isv.SMS_TEST_SIGN_TEMPLATE_LIMIT"}, 422, None),  # a test sign, a real template
    ({"type": "error", "code": "isv.SMS_TEST_TEMPLATE_PARAMS_ILLEGAL"}, 422, None),
    ({"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}, 429, "60"),
    ({"type": "error", "code": "Throttling.User", "status": 400}, 429, "1"),
    ({"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}, 502, None),
    ({"type": "error", "code": "isv.OUT_OF_SERVICE"}, 502, None),
    ({"type": "error", "code": "isp.SYSTEM_ERROR"}, 503, "5"),
]


@pytest.mark.parametrize(("fault", "status", "retry_after"), PROVIDER_ANSWERS,
                         ids=[f["code"] for f, _, _ in PROVIDER_ANSWERS])
def test_aliyun_codes_map_to_whose_fault_they_are(service, fault, status, retry_after):
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": fault}])
    answer = invoke(handler, http_event(body(), headers=auth()))
    assert answer["statusCode"] == status
    error = answer["json"]["error"]
    assert (error["code"], error["providerCode"]) == (46002, fault["code"])
    assert answer["headers"].get("Retry-After") == retry_after
    assert error.get("possiblyDelivered") is not True
    assert service.messages() == []


def test_an_unknown_template_is_422_with_its_code(service):
    answer = invoke(handler, http_event(body(templateCode="SMS_999999999"), headers=auth()))
    assert answer["statusCode"] == 422
    error = answer["json"]["error"]
    assert (error["code"], error["providerCode"]) == (46002, "isv.SMS_TEMPLATE_ILLEGAL")
    assert error["requestId"]


def test_a_5xx_is_possibly_delivered_503_without_retry_after(service, capsys):
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0,
                        "fault": {"type": "http", "status": 503}}])
    answer = invoke(handler, http_event(body(), headers=auth()))
    assert answer["statusCode"] == 503
    assert answer["json"]["error"]["code"] == 46003 and answer["json"]["error"]["possiblyDelivered"] is True
    assert "Retry-After" not in answer["headers"]
    assert service.stats()["sms"]["SendSms"] == 1  # not retried blindly
    [line] = [entry for entry in log_lines(capsys.readouterr().out) if entry["message"] == "http.error"]
    assert line["level"] == "ERROR" and line["errorType"] == "ServerException" and line["frames"]


def test_possibly_delivered_is_503_without_retry_after(service):
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    answer = invoke(handler, http_event(body(), headers=auth()))
    assert answer["statusCode"] == 503
    assert answer["json"]["error"]["possiblyDelivered"] is True
    assert "Retry-After" not in answer["headers"]


def test_every_log_line_carries_the_request_id(service, capsys):
    invoke(handler, http_event(body(), headers=auth()))
    lines = log_lines(capsys.readouterr().out)
    assert lines and all(line["requestId"] == "req-test-1" and line["function"] == "send_sms" for line in lines)
    assert PHONE not in json.dumps(lines)


def test_notify_is_the_same_path_as_a_library_call(service, monkeypatch):
    from fc_support import STS

    from shared.sms.notify import notify

    # outside FC, credentials come from the environment
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", STS[0])
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", STS[1])
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", STS[2])

    result = notify(service="SMS.Default", templateCode="SMS_100000002", params={"name": "a", "order": "7"},
                    recipients={"roles": ["approver"]}, phoneList=[PHONE])
    assert result["result"]["Code"] == "OK"
    assert result["recipients"]["phones"] == 3 and result["recipients"]["withoutPhone"] == ["u4"]
    assert sorted(m["phone"] for m in service.messages()) == [PHONE, "13800138001", "13800138005"]


@pytest.mark.parametrize(("arguments", "fragment"), [
    ({"service": "bad name!"}, "service must be an element full name"),
    ({"directory": "x", "recipients": {"roles": ["approver"]}}, "directory must be an element full name"),
    ({"recipients": {"roles": "approver"}}, "recipients.roles: Input should be a valid list"),
    ({"recipients": ["approver"]}, "recipients: Input should be a valid dictionary"),
    ({"params": {"order": float("nan")}}, "params.order must be a finite number"),
    ({"templateCode": "SMS 1"}, "templateCode must be letters, digits"),
])
def test_notify_refuses_bad_arguments_with_46001_naming_them(service, arguments, fragment):
    from shared.sms.notify import notify

    call = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "a", "order": "7"},
            "phoneList": [PHONE], **arguments}
    with pytest.raises(InvalidParameterError) as info:
        notify(**call)
    assert fragment in info.value.message
    assert service.messages() == []


def test_a_send_is_validated_once_at_its_edge(service, monkeypatch):
    """Each number is checked and normalised once on its way from the HTTP body to SendSms."""
    from shared.sms import phones

    seen: list[object] = []
    real = phones.normalize_phone
    monkeypatch.setattr(phones, "normalize_phone", lambda raw: seen.append(raw) or real(raw))
    numbers = ["13800138001", "+86 138-0013-8002", 13800138003]
    answer = invoke(handler, http_event(body(phoneList=numbers), headers=auth()))
    assert answer["statusCode"] == 200
    assert seen == numbers
    assert sorted(m["phone"] for m in service.messages()) == ["13800138001", "13800138002", "13800138003"]


def test_an_api_key_id_with_a_colon_is_a_config_error_naming_it(service):
    """Ids make the store's Idempotency-Key records ("send_sms:<id>:<key>"): with a colon, callers
    "a" (key "b:c") and "a:b" (key "c") would share one record, and one could replay the other's answer."""
    service.kms_put_secret("sms-fc/api-keys", json.dumps({"keys": [
        {"id": "orders:eu", "sha256": hash_key(FULL_KEY)}]}))
    runtime.reset()  # a fresh instance reads the new secret
    answer = invoke(handler, http_event(body(), headers=auth()))
    assert answer["statusCode"] == 500  # ours, not the caller's
    assert "keys.0.id" in answer["json"]["error"]["message"]
    assert service.messages() == []


def test_a_default_directory_that_names_no_element_is_our_500_not_the_caller_s_400(service, monkeypatch):
    monkeypatch.setenv("SMS_DIRECTORY", "Directory.Missing")  # a deployment setting the caller cannot see
    runtime.reset()
    answer = invoke(handler, http_event(body(phoneList=None, recipients={"roles": ["approver"]}), headers=auth()))
    assert answer["statusCode"] == 500 and answer["json"]["error"]["message"].startswith("SMS_DIRECTORY: ")
    assert service.messages() == []
    named = invoke(handler, http_event(body(phoneList=None, recipients={"roles": ["approver"]},
                                            directory="Directory.Missing"), headers=auth()))
    assert named["statusCode"] == 400 and named["json"]["error"]["message"].startswith("directory: ")  # the caller's


def test_a_template_code_that_reads_as_a_phone_number_is_masked_in_the_logs(service, capsys):
    answer = invoke(handler, http_event(body(templateCode="13912345678"), headers=auth()))
    assert answer["statusCode"] == 422  # Aliyun: isv.SMS_TEMPLATE_ILLEGAL
    out = capsys.readouterr().out
    assert "13912345678" not in out and '"templateCode": "139****5678"' in out

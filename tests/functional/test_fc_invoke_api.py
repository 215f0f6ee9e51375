"""FC's invoke API on the emulator: the fc2 SDK and an FC 3.0 (ACS3) client drive local functions."""

import email.utils
import json

import fc2
import pytest
import requests
from fc_runtime_support import fake_stack

from tools import cli

WAIT = 60


@pytest.fixture
def attached(emulator, tmp_path):
    """The fake project's runtime attached to the session emulator (detached afterwards)."""
    stack, sleeps = fake_stack(tmp_path, emulator.endpoint)
    emulator.state.functions = stack.runtime
    stack.sleeps = sleeps
    yield stack
    emulator.state.functions = None
    stack.stop()


def client(emulator, secret=None, key_id=None, token=""):
    return fc2.Client(endpoint=emulator.endpoint, accessKeyID=key_id or emulator.access_key_id,
                      accessKeySecret=secret or emulator.access_key_secret, securityToken=token)


def test_fc2_sdk_invokes_a_local_function_synchronously(emulator, attached):
    answer = client(emulator).invoke_function("sms-fc", "echo", payload=b'{"hello": "\xe4\xbd\xa0"}')
    seen = json.loads(answer.data)
    assert seen["event"] == {"hello": "你"}  # the payload reaches the handler as the event bytes
    assert seen["context"]["request_id"] == answer.headers["X-Fc-Request-Id"]
    assert seen["context"]["function"]["name"] == "fake-echo"
    again = client(emulator).invoke_function("any-service.LATEST", "fake-echo", payload=b"{}")  # functionName
    assert json.loads(again.data)["pid"] == seen["pid"]
    assert emulator.stats()["fc"]["InvokeFunction"] == 2


def test_a_function_that_raises_is_reported_as_fc_does(emulator, attached):
    with pytest.raises(fc2.FcError) as raised:
        client(emulator).invoke_function("sms-fc", "echo", payload=b'{"raise": "yes"}')
    assert raised.value.status_code == 200  # FC answers 200 with X-Fc-Error-Type
    body = json.loads(raised.value.message)
    assert (body["errorType"], body["errorMessage"]) == ("ValueError", "asked to raise")


def test_async_invocation_answers_202_and_retries_in_the_background(emulator, attached):
    answer = client(emulator).invoke_function("sms-fc", "flaky", payload=b'{"id": "async-1"}',
                                              headers={"x-fc-invocation-type": "Async"})
    rid = answer.headers["X-Fc-Request-Id"]
    [record] = attached.runtime.invocations(source="invoke")
    assert record.request_id == rid and record.done.wait(WAIT)
    assert record.status == "succeeded" and [a["ok"] for a in record.attempts] == [False, False, True]
    assert attached.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(("kwargs", "function", "status", "code"), [
    ({"secret": "not-the-secret"}, "echo", 403, "SignatureNotMatch"),
    ({"key_id": "LTAI5tNobodyHasThisKey"}, "echo", 403, "InvalidAccessKeyID"),
    ({}, "nope", 404, "FunctionNotFound"),
    ({}, "missing", 404, "FunctionNotFound"),
])
def test_refusals_carry_fc_error_codes(emulator, attached, kwargs, function, status, code):
    with pytest.raises(fc2.FcError) as raised:
        client(emulator, **kwargs).invoke_function("sms-fc", function, payload=b"{}")
    assert (raised.value.status_code, raised.value.err_code) == (status, code)
    assert json.loads(raised.value.message)["ErrorCode"] == code


def test_an_sts_key_must_bring_its_security_token(emulator, attached):
    emulator.seed({"accessKeys": {"STS.InvokeRole0001": {"secret": "sts-secret", "securityToken": "tok-1"}}})
    answer = client(emulator, secret="sts-secret", key_id="STS.InvokeRole0001", token="tok-1").invoke_function(
        "sms-fc", "echo", payload=b"{}")
    assert json.loads(answer.data)["event"] == {}
    with pytest.raises(fc2.FcError) as raised:
        client(emulator, secret="sts-secret", key_id="STS.InvokeRole0001").invoke_function("sms-fc", "echo")
    assert raised.value.err_code == "InvalidSecurityToken"


def test_a_security_token_fault_says_which(emulator, attached):
    """Missing, another key's, never issued, expired: each its own answer, as the POP gateway gives."""
    emulator.seed({"accessKeys": {"STS.InvokeRole0002": {"secret": "s2", "securityToken": "tok-2",
                                                          "durationSeconds": 60},
                                  "STS.InvokeRole0003": {"secret": "s3", "securityToken": "tok-3"}}})

    def refusal(**kwargs):
        with pytest.raises(fc2.FcError) as raised:
            client(emulator, secret="s2", key_id="STS.InvokeRole0002", **kwargs).invoke_function("sms-fc", "echo")
        return raised.value.err_code, json.loads(raised.value.message)["ErrorMessage"]

    assert refusal()[1].startswith("an STS AccessKey needs its security token")
    assert refusal(token="tok-3")[1] == "the security token does not match the AccessKey"
    assert refusal(token="never-issued")[1] == "the security token is malformed"
    emulator.clock.advance(61)
    assert refusal(token="tok-2") == ("SecurityTokenExpired", "the security token has expired")


def test_date_and_body_digest_are_checked(emulator, attached):
    path = "/2016-08-15/services/sms-fc/functions/echo/invocations"
    auth = fc2.auth.Auth(emulator.access_key_id, emulator.access_key_secret)

    def signed(date, md5, body):
        headers = {"date": date, "content-type": "application/json", "content-md5": md5}
        headers["authorization"] = auth.sign_request("POST", path, headers)
        return requests.post(emulator.endpoint + path, data=body, headers=headers, timeout=WAIT)

    stale = signed("Mon, 02 Jan 2006 15:04:05 GMT", "", b"{}")
    assert (stale.status_code, stale.json()["ErrorCode"]) == (403, "RequestTimeTooSkewed")
    now = email.utils.formatdate(usegmt=True)
    tampered = signed(now, "XUFAKrxLKna5cZ2REBfFkg==", b'{"other": "body"}')  # the MD5 of "hello"
    assert (tampered.status_code, tampered.json()["ErrorCode"]) == (400, "InvalidArgument")
    unsigned = requests.post(emulator.endpoint + path, data=b"{}", timeout=WAIT)
    assert (unsigned.status_code, unsigned.json()["ErrorCode"]) == (400, "MissingRequiredHeader")


def test_without_an_attached_runtime_every_function_is_not_found(emulator):
    with pytest.raises(fc2.FcError) as raised:
        client(emulator).invoke_function("sms-fc", "send_sms", payload=b"{}")
    assert (raised.value.status_code, raised.value.err_code) == (404, "FunctionNotFound")
    assert "no local FC runtime is attached" in json.loads(raised.value.message)["ErrorMessage"]


def fc3_invoke(emulator, function, body, secret=None):
    from alibabacloud_tea_openapi.client import Client
    from alibabacloud_tea_openapi.utils_models import Config, OpenApiRequest, Params
    from darabonba.runtime import RuntimeOptions

    config = Config(access_key_id=emulator.access_key_id, access_key_secret=secret or emulator.access_key_secret,
                    endpoint=emulator.netloc, protocol="http")
    params = Params(action="InvokeFunction", version="2023-03-30", protocol="HTTP", method="POST", auth_type="AK",
                    style="ROA", pathname=f"/2023-03-30/functions/{function}/invocations", req_body_type="byte",
                    body_type="byte")
    return Client(config).call_api(params, OpenApiRequest(body=body), RuntimeOptions(max_attempts=1))


def test_fc3_api_with_acs3_signatures_invokes_and_refuses_a_bad_secret(emulator, attached):
    answer = fc3_invoke(emulator, "echo", b'{"v": 3}')
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["event"] == {"v": 3}
    from alibabacloud_tea_openapi.exceptions import ClientException

    with pytest.raises(ClientException) as raised:
        fc3_invoke(emulator, "echo", b"{}", secret="wrong")
    assert raised.value.code == "SignatureDoesNotMatch"
    with pytest.raises(ClientException) as missing:
        fc3_invoke(emulator, "nope", b"{}")
    assert (missing.value.code, missing.value.status_code) == ("FunctionNotFound", 404)


def test_the_cli_invokes_through_fc2_and_prints_the_result(emulator, attached, tmp_path, monkeypatch, capsys):
    event = tmp_path / "event.json"
    event.write_text('{"from": "the cli"}')
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", emulator.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", emulator.access_key_secret)
    assert cli.main(["invoke", "echo", "--event", str(event), "--endpoint", emulator.endpoint]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["event"] == {"from": "the cli"}
    assert printed.err.startswith("request id 1-")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong")
    assert cli.main(["invoke", "echo", "--event", str(event), "--endpoint", emulator.endpoint]) == 1
    assert "FC answered 403: SignatureNotMatch" in capsys.readouterr().err
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    with pytest.raises(SystemExit, match="no AccessKey"):
        cli.main(["invoke", "echo", "--event", str(event), "--endpoint", emulator.endpoint])


def test_the_cli_says_in_one_line_when_the_endpoint_does_not_answer(closed_port, tmp_path, monkeypatch, capsys):
    event = tmp_path / "event.json"
    event.write_text("{}")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tTestKeyId0000000001")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret")
    monkeypatch.setattr("fc2.client.retries", 0)  # the SDK's own backoff would take ~30 s to give up
    assert cli.main(["invoke", "echo", "--event", str(event), "--endpoint", closed_port]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tools.cli: cannot reach {closed_port}: ConnectionError") and "Traceback" not in err


@pytest.fixture
def closed_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

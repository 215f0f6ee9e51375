"""Signature verification, probed with requests signed by the test's own signer."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from alibabacloud_dysmsapi20170525 import models
from alibabacloud_tea_openapi import exceptions
from emulator_wire import PHONE, SIGN, STS_KEY, STS_SECRET, STS_TOKEN, WireCall, utc_stamp

STYLES = ["acs3", "rpc"]


def call(wire_call: WireCall, style: str, **after_signing: object):
    return getattr(wire_call, style)(**after_signing)


@pytest.mark.parametrize("style", STYLES)
def test_a_correctly_signed_request_is_answered(wire, style):
    reply = call(wire(), style)
    assert reply.status == 200
    assert reply.body["Code"] == "OK"
    assert reply.body["SignName"] == SIGN
    assert reply.headers["x-acs-request-id"] == reply.body["RequestId"]


@pytest.mark.parametrize("style", STYLES)
def test_spaces_and_chinese_in_parameters_are_canonicalised(wire, emulator, style):
    params = '{"name":"张 三+~*","order":"A/1"}'
    reply = call(wire(action="SendSms", query={"PhoneNumbers": PHONE, "SignName": SIGN,
                                                "TemplateCode": "SMS_100000002", "TemplateParam": params}), style)
    assert reply.body["Code"] == "OK"
    assert emulator.messages()[0]["params"] == {"name": "张 三+~*", "order": "A/1"}


def test_a_wrong_acs3_secret_answers_the_servers_string_to_sign_and_canonical_request(wire):
    reply = wire(secret="not-the-secret").acs3()
    assert (reply.status, reply.code) == (400, "SignatureDoesNotMatch")
    message = reply.body["Message"]
    assert message.startswith("Specified signature does not match our calculation. "
                              "server StringToSign is [ACS3-HMAC-SHA256\n")
    canonical = message.split("server CanonicalRequest is [", 1)[1]
    assert canonical.startswith("POST\n/\nSignName=") and canonical.endswith("]")


def test_a_wrong_rpc_secret_keeps_the_rpc_wording(wire):
    reply = wire(secret="not-the-secret").rpc()
    assert (reply.status, reply.code) == (400, "SignatureDoesNotMatch")
    assert reply.body["Message"].startswith(
        "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&")


@pytest.mark.parametrize("style", STYLES)
def test_a_query_changed_after_signing_is_signature_does_not_match(wire, style):
    reply = call(wire(), style, query={"SignName": "审核中签名"})
    assert (reply.status, reply.code) == (400, "SignatureDoesNotMatch")


def test_a_body_changed_after_signing_is_refused(wire):
    reply = wire(action="SendBatchSms", query={"TemplateCode": "SMS_100000002"},
                 form={"PhoneNumberJson": '["13800138000"]', "SignNameJson": f'["{SIGN}"]'}).acs3(
        body=b"PhoneNumberJson=%5B%2213900139000%22%5D&SignNameJson=x")
    assert (reply.status, reply.code) == (400, "SignatureDoesNotMatch")
    assert "x-acs-content-sha256" in reply.body["Message"]


def test_a_form_value_changed_after_rpc_signing_is_refused(wire, emulator):
    form = {"PhoneNumberJson": '["13800138000"]', "SignNameJson": f'["{SIGN}"]',
            "TemplateParamJson": '[{"name":"a","order":"1"}]'}
    batch = wire(action="SendBatchSms", query={"TemplateCode": "SMS_100000002"}, form=form)
    tampered = urlencode({**form, "PhoneNumberJson": '["13900139000"]'}).encode()
    reply = batch.rpc(body=tampered)
    assert (reply.status, reply.code) == (400, "SignatureDoesNotMatch")
    assert emulator.messages() == []
    assert wire(action="SendBatchSms", query={"TemplateCode": "SMS_100000002"}, form=form).rpc().code == "OK"
    assert [m["phone"] for m in emulator.messages()] == [PHONE]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("skew", [-16 * 60, 16 * 60])
def test_a_timestamp_more_than_15_minutes_off_is_expired(wire, style, skew):
    reply = call(wire(timestamp=utc_stamp(skew)), style)
    assert (reply.status, reply.code) == (400, "InvalidTimeStamp.Expired")


@pytest.mark.parametrize("style", STYLES)
def test_a_timestamp_14_minutes_old_is_accepted(wire, style):
    assert call(wire(timestamp=utc_stamp(-14 * 60)), style).code == "OK"


@pytest.mark.parametrize("style", STYLES)
def test_a_malformed_timestamp_is_refused(wire, style):
    reply = call(wire(timestamp="2024-01-01 10:00:00"), style)
    assert (reply.status, reply.code) == (400, "InvalidTimeStamp.Format")


def test_business_clock_does_not_move_the_signature_window(wire, emulator):
    emulator.clock.advance(3600)
    assert wire().acs3().code == "OK"


@pytest.mark.parametrize("style", STYLES)
def test_a_replayed_nonce_is_refused(wire, style):
    first = wire(nonce="0123456789abcdef0123456789abcdef")
    assert call(first, style).code == "OK"
    replay = call(wire(nonce="0123456789abcdef0123456789abcdef"), style)
    assert (replay.status, replay.code) == (400, "SignatureNonceUsed")


def test_a_nonce_is_remembered_as_long_as_its_timestamp_is_accepted(wire, emulator, monkeypatch):
    """Dated 14 minutes ahead, a request's time check passes until 29 minutes after its first use:
    its nonce must be remembered that long (it was forgotten after 15, and the replay went through)."""
    import time

    start = time.time()
    call_ = wire(timestamp=utc_stamp(14 * 60))
    verifier = emulator.state.verifier
    monkeypatch.setattr(verifier, "_wall", lambda: start)
    assert call_.acs3().code == "OK"
    monkeypatch.setattr(verifier, "_wall", lambda: start + 16 * 60)
    replay = call_.acs3()
    assert (replay.status, replay.code) == (400, "SignatureNonceUsed")


def test_a_badly_signed_request_does_not_burn_its_nonce(wire):
    assert wire(nonce="n" * 32, secret="wrong").acs3().code == "SignatureDoesNotMatch"
    assert wire(nonce="n" * 32).acs3().code == "OK"


@pytest.mark.parametrize("style", STYLES)
def test_an_unknown_access_key_is_404(wire, style):
    reply = call(wire(key_id="LTAI5tNoSuchKey"), style)
    assert (reply.status, reply.code) == (404, "InvalidAccessKeyId.NotFound")


def test_a_disabled_access_key_is_refused(wire):
    reply = wire(key_id="LTAI5tDisabledKeyId000001", secret="DisabledSecret000000000000000001").acs3()
    assert (reply.status, reply.code) == (400, "InvalidAccessKeyId.Inactive")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("key_id", "secret", "token", "code"), [
    (STS_KEY, STS_SECRET, STS_TOKEN, "OK"),
    (STS_KEY, STS_SECRET, "another-token", "InvalidSecurityToken.Malformed"),
    (STS_KEY, STS_SECRET, None, "MissingSecurityToken"),
    ("LTAI5tTestKeyId0000000001", "TestSecret0000000000000000000001", STS_TOKEN,
     "InvalidSecurityToken.MismatchWithAccessKey"),
])
def test_security_tokens_must_match_the_key(wire, style, key_id, secret, token, code):
    reply = call(wire(key_id=key_id, secret=secret, token=token), style)
    assert reply.code == code
    if code != "OK":
        assert reply.status == 400


@pytest.mark.parametrize("algorithm", [None, "v2"])
def test_the_sdk_with_sts_credentials_is_accepted(emulator, algorithm):
    client = emulator.sms_client(signature_algorithm=algorithm, access_key_id=STS_KEY,
                                 access_key_secret=STS_SECRET, security_token=STS_TOKEN)
    assert client.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN)).body.code == "OK"
    wrong = emulator.sms_client(signature_algorithm=algorithm, access_key_id=STS_KEY,
                                access_key_secret=STS_SECRET, security_token="stale")
    with pytest.raises(exceptions.ClientException) as info:
        wrong.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN))
    assert info.value.code == "InvalidSecurityToken.Malformed"


def test_an_unsigned_x_acs_header_is_refused(wire):
    reply = wire().acs3(headers={"x-acs-action": "SendSms"})
    assert reply.code == "SignatureDoesNotMatch"
    extra = wire().acs3(headers={"x-acs-security-token": STS_TOKEN})
    assert (extra.status, extra.code) == (400, "IncompleteSignature")


def test_a_request_without_credentials_is_refused(emulator):
    from emulator_wire import send

    reply = send(emulator.netloc, "/?SignName=x", b"", {"x-acs-action": "QuerySmsSign", "x-acs-version": "2017-05-25"})
    assert (reply.status, reply.code) == (400, "MissingAccessKeyId")


@pytest.mark.parametrize("style", STYLES)
def test_a_missing_mandatory_parameter_is_400_missing_param(wire, style):
    reply = call(wire(action="SendSms", query={"PhoneNumbers": PHONE, "SignName": SIGN}), style)
    assert (reply.status, reply.code) == (400, "MissingTemplateCode")
    assert reply.body["Message"] == "TemplateCode is mandatory for this action."


@pytest.mark.parametrize("style", STYLES)
def test_an_unknown_action_is_404_invalid_action(wire, style):
    reply = call(wire(action="SendSmsPlease"), style)
    assert (reply.status, reply.code) == (404, "InvalidAction.NotFound")
    assert reply.body["Message"] == "Specified api is not found, please check your url and method."


def test_an_unknown_version_is_refused_after_authentication(wire):
    assert wire(version="2099-01-01").acs3().code == "InvalidVersion"
    assert wire(version="2099-01-01", secret="wrong").acs3().code == "SignatureDoesNotMatch"


def test_error_bodies_have_the_pop_shape(wire):
    reply = wire(secret="wrong").acs3()
    assert reply.headers["content-type"] == "application/json;charset=utf-8"
    assert set(reply.body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert reply.body["HostId"] == "dysmsapi.aliyuncs.com"
    assert reply.headers["x-acs-request-id"] == reply.body["RequestId"]


def test_refused_requests_are_counted_in_stats(wire, emulator):
    wire(secret="wrong").acs3()
    wire(key_id="nobody").rpc()
    wire().acs3()
    assert emulator.stats() == {"sms": {"QuerySmsSign": 3}}

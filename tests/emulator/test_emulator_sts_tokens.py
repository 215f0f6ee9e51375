"""STS tokens: each failure has its own code (POP and OSS), and a token expires on the emulator's clock."""

from __future__ import annotations

import re

import alibabacloud_oss_v2 as oss
import pytest
from emulator_oss_wire import OssCall
from emulator_wire import STS_TOKEN

TEMP_KEY = "STS.TemporaryKey0000000000001"
TEMP_SECRET = "TemporarySecret000000000000000001"
TEMP_TOKEN = "TemporarySecurityToken00000000000000000001"
STYLES = ["acs3", "rpc"]


@pytest.fixture
def temporary(emulator):
    """An STS key valid for one hour of emulator time from now (AssumeRole's default DurationSeconds)."""
    emulator.seed({"accessKeys": {TEMP_KEY: {"secret": TEMP_SECRET, "securityToken": TEMP_TOKEN,
                                             "durationSeconds": 3600}}})
    return {"key_id": TEMP_KEY, "secret": TEMP_SECRET, "token": TEMP_TOKEN}


@pytest.mark.parametrize("style", STYLES)
def test_a_pop_token_is_accepted_until_it_expires(wire, emulator, temporary, style):
    assert getattr(wire(**temporary), style)().code == "OK"
    emulator.clock.advance(3599)
    assert getattr(wire(**temporary), style)().code == "OK"
    emulator.clock.advance(1)
    reply = getattr(wire(**temporary), style)()
    assert (reply.status, reply.code) == (400, "InvalidSecurityToken.Expired")
    assert reply.body["Message"] == "Specified SecurityToken is expired."


def test_an_expired_token_is_expired_whatever_the_signature(wire, emulator, temporary):
    emulator.clock.advance(3600)
    assert wire(**{**temporary, "secret": "wrong"}).acs3().code == "InvalidSecurityToken.Expired"


@pytest.mark.parametrize("style", STYLES)
def test_malformed_missing_and_mismatched_tokens_have_their_own_codes(wire, temporary, style):
    cases = {"not-a-token-this-emulator-issued": ("InvalidSecurityToken.Malformed",
                                                  "Specified SecurityToken is malformed."),
             None: ("MissingSecurityToken", "SecurityToken is mandatory for this action."),
             STS_TOKEN: ("InvalidSecurityToken.MismatchWithAccessKey",
                         "Specified SecurityToken mismatch with the AccessKey.")}
    for token, (code, message) in cases.items():
        reply = getattr(wire(**{**temporary, "token": token}), style)()
        assert (reply.status, reply.code, reply.body["Message"]) == (400, code, message)


def test_an_absolute_expiration_is_read_on_the_emulator_clock(wire, emulator):
    emulator.clock.set(1_767_225_600)  # 2026-01-01T00:00:00Z
    emulator.seed({"accessKeys": {TEMP_KEY: {"secret": TEMP_SECRET, "securityToken": TEMP_TOKEN,
                                             "expiration": "2026-01-01T00:15:00Z"}}})
    call = {"key_id": TEMP_KEY, "secret": TEMP_SECRET, "token": TEMP_TOKEN}
    assert wire(**call).acs3().code == "OK"
    emulator.clock.set(1_767_225_600 + 15 * 60)
    assert wire(**call).acs3().code == "InvalidSecurityToken.Expired"


@pytest.mark.parametrize(("entry", "reason"), [
    ({"secret": "s", "durationSeconds": 60}, ": an expiration needs a securityToken"),
    ({"secret": "s", "securityToken": "t", "durationSeconds": 0}, ".durationSeconds must be a positive number"),
    ({"secret": "s", "securityToken": "t", "durationSeconds": True}, ".durationSeconds must be a positive number"),
    ({"secret": "s", "securityToken": "t", "expiration": "tomorrow"}, ".expiration must be ISO 8601 UTC"),
    ({"secret": "s", "securityToken": "t", "expiration": "2026-01-01T00:00:00Z", "durationSeconds": 60},
     ": give expiration or durationSeconds, not both"),
])
def test_malformed_expiries_are_refused_at_seeding(emulator, entry, reason):
    with pytest.raises(ValueError, match=re.escape(f"accessKeys.{TEMP_KEY}{reason}")):
        emulator.seed({"accessKeys": {TEMP_KEY: entry}})


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_oss_answers_security_token_expired_then(emulator, temporary, version):
    client = emulator.oss_client(version, TEMP_KEY, TEMP_SECRET, TEMP_TOKEN, retry_max_attempts=1)
    request = oss.GetObjectRequest(bucket="sms-fc-elements", key="elements/SMS/Default/e.json")
    assert client.get_object(request).status_code == 200
    emulator.clock.advance(3600)
    with pytest.raises(oss.exceptions.OperationError) as info:
        client.get_object(request)
    error = info.value.unwrap()
    assert (error.status_code, error.code, error.ec) == (403, "SecurityTokenExpired", "0002-00000007")


@pytest.mark.parametrize("token", [None, "wrong", STS_TOKEN])
def test_oss_answers_invalid_security_token_for_any_other_token_fault(emulator, temporary, token):
    reply = OssCall(emulator.netloc, key_id=TEMP_KEY, secret=TEMP_SECRET, token=token).v4()
    assert (reply.status, reply.code, reply.headers.get("x-oss-ec")) == (403, "InvalidSecurityToken", "0002-00000006")

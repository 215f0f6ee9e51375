"""KMS 2016-01-20 through the real SDK (ACS3 and RPC v2): secrets, versions, stages, Encrypt / Decrypt."""

from __future__ import annotations

import base64
import json
import re

import pytest
from alibabacloud_kms20160120 import models
from alibabacloud_tea_openapi import exceptions
from control_support import control
from darabonba.exceptions import UnretryableException
from emulator_wire import STS_KEY, STS_SECRET, STS_TOKEN

from emulator import Emulator

SECRET = "TestSecret0000000000000000000001"
ROTATED = {"kms": {"secrets": {"app/rotated": {"versions": [
    {"versionId": "v0", "data": "oldest", "stages": []},
    {"versionId": "v1", "data": "old", "stages": ["ACSPrevious"]},
    {"versionId": "v2", "data": "new", "stages": ["ACSCurrent", "Custom"]},
]}}}}


def get(client, name, **options):
    return client.get_secret_value(models.GetSecretValueRequest(secret_name=name, **options)).body


def client_error(call) -> exceptions.ClientException:
    with pytest.raises(exceptions.ClientException) as info:
        call()
    return info.value


def test_get_secret_value_answers_the_current_version_with_the_generic_fields(any_kms):
    body = get(any_kms, "sms/default-secret")
    assert (body.secret_name, body.secret_data, body.version_id) == ("sms/default-secret", SECRET, "v1")
    assert (body.secret_type, body.secret_data_type, body.automatic_rotation) == ("Generic", "text", "Disabled")
    assert body.version_stages.version_stage == ["ACSCurrent"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body.create_time)
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}", body.request_id)


def test_the_default_seed_holds_the_sms_credentials_as_json(kms, emulator):
    data = json.loads(get(kms, "sms/default").secret_data)
    assert data == {"accessKey": emulator.access_key_id, "accessSecret": emulator.access_key_secret}


@pytest.mark.parametrize(("options", "data", "version", "stages"), [
    ({}, "new", "v2", ["ACSCurrent", "Custom"]),
    ({"version_stage": "ACSPrevious"}, "old", "v1", ["ACSPrevious"]),
    ({"version_stage": "Custom"}, "new", "v2", ["ACSCurrent", "Custom"]),
    ({"version_id": "v0"}, "oldest", "v0", []),
    ({"version_id": "v1", "version_stage": "ACSPrevious"}, "old", "v1", ["ACSPrevious"]),
])
def test_versions_are_chosen_by_stage_and_id(any_kms, emulator, options, data, version, stages):
    emulator.seed(ROTATED)
    body = get(any_kms, "app/rotated", **options)
    assert (body.secret_data, body.version_id, body.version_stages.version_stage) == (data, version, stages)


@pytest.mark.parametrize("options", [
    {"version_stage": "ACSPending"}, {"version_id": "v9"}, {"version_id": "v1", "version_stage": "ACSCurrent"},
])
def test_a_missing_version_is_resource_not_found(kms, emulator, options):
    emulator.seed(ROTATED)
    error = client_error(lambda: get(kms, "app/rotated", **options))
    assert (error.status_code, error.code) == (404, "Forbidden.ResourceNotFound")


def test_an_unknown_secret_is_a_404_resource_not_found(any_kms):
    error = client_error(lambda: get(any_kms, "sms/absent"))
    assert (error.status_code, error.code) == (404, "Forbidden.ResourceNotFound")
    assert "code: 404, Resource not found" in error.message
    assert error.request_id and error.request_id != "None"


def test_an_arn_names_the_secret(any_kms):
    body = get(any_kms, "acs:kms:cn-hangzhou:1234567890123456:secret/sms/default-secret")
    assert (body.secret_name, body.secret_data) == ("sms/default-secret", SECRET)


def test_a_malformed_arn_is_invalid_parameter(kms):
    error = client_error(lambda: get(kms, "acs:kms:cn-hangzhou:secret/sms/default"))
    assert (error.status_code, error.code) == (400, "InvalidParameter")


def test_dry_run_fails_only_where_the_call_would_succeed(kms):
    error = client_error(lambda: get(kms, "sms/default", dry_run="true"))
    assert (error.status_code, error.code) == (400, "DryRunOperationError")
    assert client_error(lambda: get(kms, "sms/absent", dry_run="true")).code == "Forbidden.ResourceNotFound"
    assert get(kms, "sms/default", dry_run="false").secret_name == "sms/default"


def test_a_missing_secret_name_is_missing_parameter(wire):
    reply = wire(action="GetSecretValue", version="2016-01-20", query={}).acs3()
    assert (reply.status, reply.code) == (400, "MissingSecretName")
    assert reply.body["HostId"] == "kms.cn-hangzhou.aliyuncs.com"


def test_kms_put_secret_rotates_the_stages(kms, emulator):
    assert emulator.kms_put_secret("sms/default-secret", "second") == "v2"
    assert emulator.kms_put_secret("sms/default-secret", "third") == "v3"
    current, previous, first = (get(kms, "sms/default-secret", **options) for options in
                                ({}, {"version_stage": "ACSPrevious"}, {"version_id": "v1"}))
    assert (current.secret_data, current.version_id, current.version_stages.version_stage) == \
        ("third", "v3", ["ACSCurrent"])
    assert (previous.secret_data, previous.version_id) == ("second", "v2")
    assert (first.secret_data, first.version_stages.version_stage) == (SECRET, [])


def test_kms_put_secret_creates_a_missing_secret_and_reset_forgets_it(kms, emulator):
    assert emulator.kms_put_secret("app/new", "value") == "v1"
    assert get(kms, "app/new").secret_data == "value"
    emulator.reset()
    assert client_error(lambda: get(kms, "app/new")).code == "Forbidden.ResourceNotFound"




def test_the_control_api_puts_and_lists_secrets(kms, emulator):
    assert control(emulator, "PUT", "kms/secrets/sms%2Fdefault", {"data": "via http"}) == \
        (200, {"name": "sms/default", "versionId": "v2", "stages": ["ACSCurrent"]})
    assert get(kms, "sms/default").secret_data == "via http"
    status, listing = control(emulator, "GET", "kms/secrets")
    assert status == 200
    assert {"name": "sms/default", "versions": [{"versionId": "v1", "stages": ["ACSPrevious"]},
                                                {"versionId": "v2", "stages": ["ACSCurrent"]}]} in listing["secrets"]
    assert "via http" not in json.dumps(listing)
    assert control(emulator, "PUT", "kms/secrets/x", {"data": 5})[0] == 400
    assert control(emulator, "PUT", "kms/secrets/bad%20name", {"data": "x"})[0] == 400
    assert control(emulator, "GET", "kms/secrets/x")[0] == 405


def test_sts_credentials_need_their_token(emulator):
    good = emulator.kms_client(access_key_id=STS_KEY, access_key_secret=STS_SECRET, security_token=STS_TOKEN)
    assert get(good, "sms/default").secret_name == "sms/default"
    wrong = emulator.kms_client(access_key_id=STS_KEY, access_key_secret=STS_SECRET, security_token="other")
    assert client_error(lambda: get(wrong, "sms/default")).code == "InvalidSecurityToken.Malformed"


def test_encrypt_and_decrypt_round_trip(any_kms):
    encrypted = any_kms.encrypt(models.EncryptRequest(key_id="alias/sms-fc-store", plaintext="明文 data",
                                                      encryption_context={"app": "sms"})).body
    assert encrypted.key_id == "alias/sms-fc-store" and encrypted.ciphertext_blob != "明文 data"
    decrypted = any_kms.decrypt(models.DecryptRequest(ciphertext_blob=encrypted.ciphertext_blob,
                                                      encryption_context={"app": "sms"})).body
    assert (decrypted.plaintext, decrypted.key_id, decrypted.key_version_id) == \
        ("明文 data", "alias/sms-fc-store", encrypted.key_version_id)


@pytest.mark.parametrize("blob", [
    "not base64!", base64.b64encode(b"not json").decode(), base64.b64encode(b'{"plaintext": "x"}').decode(),
])
def test_decrypt_rejects_what_encrypt_did_not_produce(kms, blob):
    error = client_error(lambda: kms.decrypt(models.DecryptRequest(ciphertext_blob=blob)))
    assert (error.status_code, error.code) == (400, "Rejected.ValueError")


def test_encrypt_under_a_key_kms_does_not_hold_is_key_not_found(kms):
    error = client_error(lambda: kms.encrypt(models.EncryptRequest(key_id="alias/nobody", plaintext="p")))
    assert (error.status_code, error.code) == (404, "Forbidden.KeyNotFound")


def test_decrypt_needs_the_same_encryption_context(kms):
    blob = kms.encrypt(models.EncryptRequest(key_id="alias/sms-fc-store", plaintext="p",
                                             encryption_context={"a": "1"})).body
    error = client_error(lambda: kms.decrypt(models.DecryptRequest(ciphertext_blob=blob.ciphertext_blob)))
    assert error.code == "Rejected.ValueError"


def kms_rule(fault, action="GetSecretValue"):
    return {"service": "kms", "action": action, "probability": 1.0, "fault": fault}


def test_an_http_fault_is_a_server_exception(kms, emulator):
    emulator.set_chaos([kms_rule({"type": "http", "status": 503})])
    with pytest.raises(exceptions.ServerException) as info:
        get(kms, "sms/default")
    assert (info.value.status_code, info.value.code) == (503, "ServiceUnavailableTemporary")
    assert kms.decrypt(models.DecryptRequest(ciphertext_blob=kms.encrypt(
        models.EncryptRequest(key_id="alias/sms-fc-store", plaintext="p")).body.ciphertext_blob)).body.plaintext == "p"


def test_an_error_fault_without_status_is_a_400_not_a_business_code(kms, emulator):
    emulator.set_chaos([kms_rule({"type": "error", "code": "Forbidden.NoPermission"})])
    error = client_error(lambda: get(kms, "sms/default"))
    assert (error.status_code, error.code) == (400, "Forbidden.NoPermission")


def test_a_dropped_connection_is_unretryable(kms, emulator):
    emulator.set_chaos([kms_rule({"type": "drop"}, action="*")])
    with pytest.raises(UnretryableException):
        get(kms, "sms/default")


def test_stats_count_kms_actions_including_refused_ones(kms, emulator):
    bad = emulator.kms_client(access_key_secret="wrong")
    assert client_error(lambda: get(bad, "sms/default")).code == "SignatureDoesNotMatch"
    get(kms, "sms/default")
    kms.encrypt(models.EncryptRequest(key_id="alias/sms-fc-store", plaintext="p"))
    assert emulator.stats() == {"kms": {"GetSecretValue": 2, "Encrypt": 1}}


@pytest.mark.parametrize(("section", "field"), [
    ([], "kms must be an object"),
    ({"secrets": []}, "kms.secrets must be an object"),
    ({"secrets": {"bad name": "x"}}, "kms.secrets.bad name"),
    ({"secrets": {"a": 5}}, "kms.secrets.a must be a string"),
    ({"secrets": {"a": {"versions": [{"versionId": "v1", "data": "x", "stages": ["ACSPrevious"]}]}}},
     "one version must be in stage ACSCurrent"),
    ({"secrets": {"a": {"versions": [{"versionId": "v1", "data": "x", "stages": ["ACSCurrent"]},
                                     {"versionId": "v1", "data": "y"}]}}}, "versionIds must be unique"),
    ({"secrets": {"a": {"versions": [{"versionId": "v1", "data": "x", "stages": ["ACSCurrent"]},
                                     {"versionId": "v2", "data": "y", "stages": ["ACSCurrent"]}]}}},
     "a stage may label only one version"),
    ({"secrets": {"a": {"versions": [{"versionId": "v1", "data": 1, "stages": ["ACSCurrent"]}]}}},
     r"versions\[0\].data"),
])
def test_bad_seeds_are_refused_naming_the_field(section, field):
    with pytest.raises(ValueError, match=field):
        Emulator({"kms": section})

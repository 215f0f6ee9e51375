"""KMS GenerateDataKey and Decrypt through the real SDK (ACS3 and RPC v2): data keys for envelope encryption."""

from __future__ import annotations

import base64
import json

import pytest
from alibabacloud_kms20160120 import models
from alibabacloud_tea_openapi import exceptions

from emulator import Emulator

KEY = "alias/sms-fc-store"  # in emulator/default_seed.json
CONTEXT = {"app": "sms-fc", "purpose": "store"}


def generate(client, key_id=KEY, **options):
    return client.generate_data_key(models.GenerateDataKeyRequest(key_id=key_id, **options)).body


def decrypt(client, blob, context=None):
    return client.decrypt(models.DecryptRequest(ciphertext_blob=blob, encryption_context=context)).body


def client_error(call) -> exceptions.ClientException:
    with pytest.raises(exceptions.ClientException) as info:
        call()
    return info.value


def test_a_data_key_is_32_random_bytes_whose_blob_decrypts_to_it(any_kms):
    body = generate(any_kms, encryption_context=CONTEXT)
    key = base64.b64decode(body.plaintext, validate=True)
    assert len(key) == 32
    assert body.key_id == KEY and body.key_version_id and body.request_id
    assert body.plaintext not in base64.b64decode(body.ciphertext_blob).decode()  # the blob does not carry it
    plain = decrypt(any_kms, body.ciphertext_blob, CONTEXT)
    assert (plain.plaintext, plain.key_id, plain.key_version_id) == (body.plaintext, KEY, body.key_version_id)


def test_every_call_gives_a_new_key(kms):
    assert generate(kms).plaintext != generate(kms).plaintext


@pytest.mark.parametrize(("options", "size"), [
    ({}, 32), ({"key_spec": "AES_256"}, 32), ({"key_spec": "AES_128"}, 16),
    ({"number_of_bytes": 1}, 1), ({"number_of_bytes": 1024}, 1024),
    ({"key_spec": "AES_128", "number_of_bytes": 64}, 64),  # NumberOfBytes wins, as the SDK model documents
])
def test_the_length_follows_key_spec_or_number_of_bytes(kms, options, size):
    assert len(base64.b64decode(generate(kms, **options).plaintext)) == size


@pytest.mark.parametrize("options", [{"key_spec": "RSA_2048"}, {"number_of_bytes": 0}, {"number_of_bytes": 1025}])
def test_a_bad_length_is_invalid_parameter(kms, options):
    error = client_error(lambda: generate(kms, **options))
    assert (error.status_code, error.code) == (400, "InvalidParameter")


def test_an_unknown_key_is_a_404_key_not_found(any_kms):
    error = client_error(lambda: generate(any_kms, key_id="alias/not-seeded"))
    assert (error.status_code, error.code) == (404, "Forbidden.KeyNotFound")
    assert error.request_id and error.request_id != "None"


def test_an_unknown_key_is_not_found_even_on_a_dry_run(kms):
    assert client_error(lambda: generate(kms, key_id="key-none", dry_run="true")).code == "Forbidden.KeyNotFound"
    assert client_error(lambda: generate(kms, dry_run="true")).code == "DryRunOperationError"


def test_seeded_keys_are_named_by_id_alias_or_arn(kms, emulator):
    emulator.seed({"kms": {"keys": ["key-hzz0001"]}})
    assert generate(kms, key_id="key-hzz0001").key_id == "key-hzz0001"
    assert generate(kms, key_id="acs:kms:cn-hangzhou:1234567890:key/key-hzz0001").key_id == "key-hzz0001"
    assert generate(kms, key_id="acs:kms:cn-hangzhou:1234567890:alias/sms-fc-store").key_id == KEY
    emulator.reset()
    assert client_error(lambda: generate(kms, key_id="key-hzz0001")).code == "Forbidden.KeyNotFound"


def test_decrypt_needs_the_context_the_key_was_generated_with(kms):
    blob = generate(kms, encryption_context=CONTEXT).ciphertext_blob
    for context in (None, {"app": "sms-fc", "purpose": "other"}):
        error = client_error(lambda context=context: decrypt(kms, blob, context))
        assert (error.status_code, error.code) == (400, "Rejected.ValueError")


def test_decrypt_refuses_a_tampered_blob(kms):
    document = json.loads(base64.b64decode(generate(kms).ciphertext_blob))
    document["keyId"] = "alias/other"
    tampered = base64.b64encode(json.dumps(document).encode()).decode()
    assert client_error(lambda: decrypt(kms, tampered)).code == "Rejected.ValueError"


def test_stats_and_chaos_know_the_actions(kms, emulator):
    blob = generate(kms).ciphertext_blob
    decrypt(kms, blob)
    emulator.set_chaos([{"service": "kms", "action": "GenerateDataKey", "probability": 1.0,
                         "fault": {"type": "http", "status": 503}}])
    with pytest.raises(exceptions.ServerException) as info:
        generate(kms)
    assert info.value.status_code == 503
    assert decrypt(kms, blob).key_id == KEY  # Decrypt is not covered by the rule
    assert emulator.stats() == {"kms": {"GenerateDataKey": 2, "Decrypt": 2}}


@pytest.mark.parametrize(("section", "field"), [
    ({"keys": "alias/x"}, "kms.keys must be a list"),
    ({"keys": ["alias/x", 5]}, r"kms.keys\[1\]"),
    ({"keys": [" alias/x"]}, r"kms.keys\[0\]"),
])
def test_bad_key_seeds_are_refused_naming_the_field(section, field):
    with pytest.raises(ValueError, match=field):
        Emulator({"kms": section})

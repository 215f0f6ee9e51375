"""KMS through @alicloud/kms20160120 on @alicloud/rpc-client (RPC, HMAC-SHA1): Encrypt / Decrypt,
GenerateDataKey, GetSecretValue, and the refusals. rpc-client surfaces Aliyun's ``Code`` as
``<Code>Error`` with the answer in ``data``."""

from __future__ import annotations

import base64
import json

import pytest

KEY = "alias/sms-fc-store"  # emulator/default_seed.json
PLAINTEXT = "验证码 1234 +!'()*/=&%"
CONTEXT = json.dumps({"app": "sms fc+!'()*", "路径": "a/b"}, ensure_ascii=False)


def refused(outcome, code, status):
    assert not outcome.ok, outcome.value
    assert (outcome.code, outcome.status, outcome.error["data"]["Code"]) == (f"{code}Error", status, code)


def test_encrypt_then_decrypt_gives_the_plaintext_back_under_its_context(node):
    [encrypted] = node.run("kms", [("encrypt", {"keyId": KEY, "plaintext": PLAINTEXT, "encryptionContext": CONTEXT})])
    assert encrypted.ok, encrypted.error
    blob = encrypted.value["CiphertextBlob"]
    assert encrypted.value["KeyId"] == KEY and PLAINTEXT not in base64.b64decode(blob).decode()

    same, other = node.run("kms", [
        ("decrypt", {"ciphertextBlob": blob, "encryptionContext": CONTEXT}),
        ("decrypt", {"ciphertextBlob": blob, "encryptionContext": json.dumps({"app": "other"})}),
    ])
    assert same.ok and same.value["Plaintext"] == PLAINTEXT and same.value["KeyId"] == KEY
    refused(other, "Rejected.ValueError", 400)


def test_generate_data_key_answers_a_key_that_decrypt_recovers(node):
    generated, = node.run("kms", [("generateDataKey", {"keyId": KEY, "numberOfBytes": 16})])
    assert generated.ok, generated.error
    data_key = base64.b64decode(generated.value["Plaintext"])
    assert len(data_key) == 16

    [decrypted] = node.run("kms", [("decrypt", {"ciphertextBlob": generated.value["CiphertextBlob"]})])
    assert decrypted.ok and base64.b64decode(decrypted.value["Plaintext"]) == data_key


def test_get_secret_value_reads_names_with_slash_plus_equals_and_at(node, emulator):
    emulator.kms_put_secret("app/sms+fc=key@v2.1_x-y", "s3cret value")
    current, seeded = node.run("kms", [("getSecretValue", {"secretName": "app/sms+fc=key@v2.1_x-y"}),
                                       ("getSecretValue", {"secretName": "sms/default-secret"})])
    assert current.ok and (current.value["SecretData"], current.value["VersionId"]) == ("s3cret value", "v1")
    assert seeded.ok and seeded.value["SecretData"] == emulator.access_key_secret


@pytest.mark.parametrize(("op", "args", "code", "status"), [
    ("generateDataKey", {"keyId": "alias/no-such-key"}, "Forbidden.KeyNotFound", 404),
    ("decrypt", {"ciphertextBlob": base64.b64encode(b"not a blob").decode()}, "Rejected.ValueError", 400),
    ("getSecretValue", {"secretName": "no/such-secret"}, "Forbidden.ResourceNotFound", 404),
])
def test_business_errors_surface_aliyuns_code(node, op, args, code, status):
    refused(node.call("kms", op, args), code, status)


@pytest.mark.parametrize(("config", "code", "status"), [
    ({"accessKeySecret": "not-the-secret"}, "SignatureDoesNotMatch", 400),
    ({"accessKeyId": "LTAI5tNobodyHasThisKey01"}, "InvalidAccessKeyId.NotFound", 404),
])
def test_a_wrong_secret_or_unknown_key_is_refused(node, config, code, status):
    refused(node.call("kms", "encrypt", {"keyId": KEY, "plaintext": "x"}, **config), code, status)

"""KMS through the legacy aliyun-python-sdk-core + aliyun-python-sdk-kms (RPC, HMAC-SHA1)."""

from __future__ import annotations

import base64
import json

KEY = "alias/sms-fc-store"
TEXT = "a b+!'()*中文/&=%~;\n"


def kms(action, **params):
    return {"product": "kms", "action": action, "params": params}


def body(result):
    assert result["ok"], result
    return result["body"]


def test_encrypt_then_decrypt_round_trips_special_characters_and_a_context(pop_legacy):
    context = json.dumps({"purpose": "测试 a+b"}, ensure_ascii=False)
    [encrypted] = pop_legacy(kms("Encrypt", KeyId=KEY, Plaintext=TEXT, EncryptionContext=context))
    blob = body(encrypted)["CiphertextBlob"]
    decrypted, wrong_context = pop_legacy(kms("Decrypt", CiphertextBlob=blob, EncryptionContext=context),
                                          kms("Decrypt", CiphertextBlob=blob))
    assert body(decrypted)["Plaintext"] == TEXT and decrypted["body"]["KeyId"] == encrypted["body"]["KeyId"]
    assert wrong_context["ok"] is False and wrong_context["status"] == 400
    assert wrong_context["code"] == "Rejected.ValueError"


def test_generate_data_key_answers_a_key_its_blob_decrypts_to(pop_legacy):
    data_key, sized = pop_legacy(kms("GenerateDataKey", KeyId=KEY), kms("GenerateDataKey", KeyId=KEY, NumberOfBytes=16))
    assert len(base64.b64decode(body(data_key)["Plaintext"])) == 32
    assert len(base64.b64decode(body(sized)["Plaintext"])) == 16
    [decrypted] = pop_legacy(kms("Decrypt", CiphertextBlob=data_key["body"]["CiphertextBlob"]))
    assert body(decrypted)["Plaintext"] == data_key["body"]["Plaintext"]


def test_get_secret_value_reads_the_current_version(pop_legacy, emulator):
    emulator.kms_put_secret("sms/x=y+z@1", "s3cret 中文 a+b")  # a secret name allows only [0-9A-Za-z_/+=.@-]
    [secret] = pop_legacy(kms("GetSecretValue", SecretName="sms/x=y+z@1"))
    assert (body(secret)["SecretData"], secret["body"]["VersionStages"]["VersionStage"]) == ("s3cret 中文 a+b",
                                                                                            ["ACSCurrent"])


def test_business_errors(pop_legacy):
    no_key, no_secret, bad_blob = pop_legacy(kms("GenerateDataKey", KeyId="alias/none"),
                                             kms("GetSecretValue", SecretName="sms/none"),
                                             kms("Decrypt", CiphertextBlob="bm90IGEgYmxvYg=="))
    assert (no_key["status"], no_key["code"]) == (404, "Forbidden.KeyNotFound")
    assert (no_secret["status"], no_secret["code"]) == (404, "Forbidden.ResourceNotFound")
    assert (bad_blob["status"], bad_blob["code"]) == (400, "Rejected.ValueError")


def test_a_wrong_secret_and_an_unknown_key(pop_legacy):
    [wrong] = pop_legacy(kms("Encrypt", KeyId=KEY, Plaintext=TEXT), secret="wrong-secret")
    [unknown] = pop_legacy(kms("Encrypt", KeyId=KEY, Plaintext=TEXT), key_id="LTAI5tUnknownKeyId0000001")
    assert (wrong["status"], wrong["code"]) == (400, "InvalidAccessKeySecret")
    assert (unknown["status"], unknown["code"]) == (404, "InvalidAccessKeyId.NotFound")

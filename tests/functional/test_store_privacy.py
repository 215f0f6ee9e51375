"""No full phone number at rest (issue 12, item 11), on SQLite and a real Redis.

send_sms's stored answers (which list every number of a long send) are sealed with AES-GCM under
a KMS data key; approval records name numbers by keyed HMACs. The store is read whole, as
someone who got hold of it would: rows and raw file bytes, every Redis key and value.
"""

import base64
import hashlib
import json
import os
import threading

import pytest
from approval_support import STORES, approval_event, deliver, fail_next_sends, texted, use_store
from fc_support import auth, body, fc_context, http_event, invoke
from store_dump import numbers_in, store_text

from functions.send_sms.index import handler
from shared.approvals.events import read_item
from shared.approvals.notifications import record_key
from shared.elements import runtime
from shared.errors import RedeliverError
from shared.fc.messages import SendBody

AMOUNT_NOT_ENOUGH = {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}
HMAC_SECRET = "sms-fc/hmac-key"


@pytest.fixture(params=STORES)
def long_sends(request, service, monkeypatch):
    monkeypatch.setenv("SMS_MAX_BODY_BYTES", str(1024 * 1024))
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    use_store(request, monkeypatch)
    return service


def send(phones, key):
    return invoke(handler, http_event(body(phoneList=phones), headers=auth(**{"Idempotency-Key": key})))


def test_two_long_sends_leave_no_number_in_the_store_and_their_replays_answer_the_same(long_sends, capsys):
    whole, partial = [f"138{i:08d}" for i in range(1500)], [f"139{i:08d}" for i in range(1500)]
    first = send(whole, "long-1")
    assert first["statusCode"] == 200
    assert {p for batch in first["json"]["result"]["Batches"] for p in batch["PhoneNumbers"]} == set(whole)
    long_sends.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": AMOUNT_NOT_ENOUGH}])
    second = send(partial, "long-2")
    details = second["json"]["error"]
    assert second["statusCode"] == 502 and len(details["sent"]) in (500, 1000)  # one SendSms call of two failed
    assert sorted(details["sent"] + details["notSent"]) == partial
    long_sends.set_chaos([])

    assert numbers_in(store_text(), whole + partial) == []
    data_key = base64.b64encode(runtime.app_for(fc_context()).vault.data_keys.current().key).decode()
    logged = capsys.readouterr().out
    assert "privacy.data_key" in logged and data_key not in logged and numbers_in(logged, whole + partial) == []

    runtime.reset()  # another instance: it opens the answers with KMS Decrypt of their data key
    decrypts = long_sends.stats()["kms"].get("Decrypt", 0)
    again = [send(whole, "long-1"), send(partial, "long-2")]
    assert again[0]["statusCode"] == 200 and again[0]["json"] == first["json"]
    # the partial send's retry acts on the send log: the numbers Aliyun never got are sent, once
    assert again[1]["statusCode"] == 200 and again[1]["json"]["reconciled"]["resent"] == len(details["notSent"])
    assert all(answer["headers"]["Idempotent-Replayed"] == "true" for answer in again)
    assert long_sends.stats()["kms"]["Decrypt"] == decrypts + 1  # one data key, opened once, then cached
    assert send(partial, "long-2")["json"] == again[1]["json"]  # and that answer is replayed
    texted = [m["phone"] for m in long_sends.messages(limit=5000)]
    assert len(texted) == 3000 and sorted(set(texted)) == sorted(set(whole) | set(partial))  # nobody twice
    assert numbers_in(store_text(), whole + partial) == []


@pytest.mark.parametrize("tampering", ["moved", "foreign data key"])
def test_a_stored_answer_that_does_not_open_is_never_replayed_nor_sent_again(long_sends, tampering):
    """A sealed answer is bound to its record and its data key: copied under another Idempotency-Key,
    or given a data key blob KMS did not produce, it answers 503 possiblyDelivered and sends nothing."""
    assert send(["13800138000"], "original")["statusCode"] == 200
    app = runtime.app_for(fc_context())
    sealed = app.vault.seal({"status": 200, "body": {"forged": True}, "headers": {}, "possiblyDelivered": False},
                            context="send_sms:full:original" if tampering == "moved" else "send_sms:full:copy")
    if tampering == "foreign data key":
        sealed["dataKey"] = base64.b64encode(b'{"emulatorKms": 2}').decode()
        runtime.reset()  # an instance that must ask KMS for that key
    same_body = SendBody.model_validate(body(phoneList=["13800138000"])).model_dump(mode="json")
    claim = app.store.claim("send_sms:full:copy", app.vault.fingerprint(same_body), ttl=60, lease=30)
    assert app.store.complete("send_sms:full:copy", claim.token, {"sealed": sealed}, ttl=60)
    answer = send(["13800138000"], "copy")
    assert answer["statusCode"] == 503 and answer["json"]["error"]["possiblyDelivered"] is True
    assert "forged" not in json.dumps(answer["json"]) and "Retry-After" not in answer["headers"]
    assert len(long_sends.messages()) == 1


MEMBERS = {"u1": "13800138001", "u2": "13800138002", "u5": "13800138005"}


def unkeyed_hashes(salt, phones):
    """What the records held before: SHA-256 of the number, salted with the record key, cut or whole."""
    hashes = set()
    for phone in phones:
        for text in (f"{salt}\x00{phone}", phone, f"+86{phone}"):
            digest = hashlib.sha256(text.encode()).hexdigest()
            hashes.update({digest, digest[:24]})
    return hashes


def half_done_event(approvals, monkeypatch):
    """An event two of whose three recipients were texted; the third is left for a redelivery."""
    fail_next_sends(approvals, monkeypatch, {"type": "error", "code": "Throttling.User", "status": 400})
    event = approval_event(recipients={"members": list(MEMBERS)})
    with pytest.raises(RedeliverError):
        deliver(event)
    approvals.set_chaos([])
    done = sorted(texted(approvals))
    assert len(done) == 2
    return event, record_key(read_item(0, event)), done


def pseudonym(key, phone):
    return runtime.app_for(fc_context(function="approval_notify")).vault.pseudonyms().name(key, phone)


def test_an_approval_record_names_numbers_by_a_keyed_hmac_that_changes_with_the_key(approvals, monkeypatch):
    event, key, done = half_done_event(approvals, monkeypatch)
    stored = store_text()
    assert numbers_in(stored, set(MEMBERS.values())) == []
    assert [h for h in unkeyed_hashes(key, MEMBERS.values()) if h in stored] == []
    names = [pseudonym(key, phone) for phone in done]
    assert all(name in stored for name in names)  # the progress is there, by keyed names

    approvals.kms_put_secret(HMAC_SECRET, "another-hmac-key-0000000000000000000000000000002")  # a rotation
    runtime.reset()
    assert [pseudonym(key, phone) for phone in done] != names  # under the new key, other names
    assert all(pseudonym(key, phone) not in stored for phone in done)

    [answer] = deliver(event)  # read with the previous key: only the third recipient is texted
    assert answer["outcome"] == "sent" and answer["sent"] == 3
    assert texted(approvals) == dict.fromkeys(MEMBERS.values(), 1)
    stored = store_text()
    assert numbers_in(stored, set(MEMBERS.values())) == []
    assert '"templateCode"' not in stored and '"outcome"' not in stored  # the outcome is sealed (the send log has
    # the template code, under its own key)
    assert deliver(event)[0]["replayed"] is True  # the sealed outcome opens
    assert texted(approvals) == dict.fromkeys(MEMBERS.values(), 1)


def test_a_record_under_an_hmac_key_no_longer_known_sends_nothing(approvals, monkeypatch):
    event, _, done = half_done_event(approvals, monkeypatch)
    for version in (2, 3):  # the record's key is now neither current nor previous
        approvals.kms_put_secret(HMAC_SECRET, f"rotated-hmac-key-{version:032d}")
    runtime.reset()
    with pytest.raises(RedeliverError, match="HMAC key"):
        deliver(event)
    assert sorted(texted(approvals)) == done  # never a guess that could text someone twice


def kms_fault(action, status=503):
    return [{"service": "kms", "action": action, "probability": 1.0, "fault": {"type": "http", "status": status}}]


@pytest.mark.parametrize(("variable", "value", "named"), [
    ("SMS_DATA_KEY_ID", "", "SMS_DATA_KEY_ID is not set"),
    ("SMS_DATA_KEY_ID", "alias/not-in-kms", "Forbidden.KeyNotFound"),
    ("SMS_HMAC_KEY_SECRET", "", "SMS_HMAC_KEY_SECRET is not set"),
    ("SMS_HMAC_KEY_SECRET", "short-key", "at least 32 characters"),
])
def test_without_usable_keys_an_idempotent_send_fails_closed_and_claims_nothing(service, monkeypatch, variable,
                                                                              value, named):
    service.kms_put_secret("short-key", "31 characters: too short a key!")
    configured = os.environ[variable]
    monkeypatch.setenv(variable, value)
    runtime.reset()
    refused = send(["13800138000"], "keys-missing")
    assert refused["statusCode"] == 500 and named in refused["json"]["error"]["message"]
    assert service.messages() == []
    plain = invoke(handler, http_event(body(), headers=auth()))  # no Idempotency-Key: nothing stored
    if variable == "SMS_HMAC_KEY_SECRET" and value:  # but the opt-out list is read by the number's HMAC
        assert plain["statusCode"] == 500 and named in plain["json"]["error"]["message"]
        assert service.messages() == []
    else:
        assert plain["statusCode"] == 200
    monkeypatch.setenv(variable, configured)
    runtime.reset()
    assert send(["13800138000"], "keys-missing")["statusCode"] == 200  # the key was not burned


def test_kms_down_before_a_send_is_a_503_that_sends_nothing_and_keeps_the_key_free(service):
    service.set_chaos(kms_fault("GenerateDataKey"))
    refused = send(["13800138000"], "kms-down")
    assert refused["statusCode"] == 503 and "Retry-After" in refused["headers"]
    assert service.messages() == []
    service.set_chaos([])
    assert send(["13800138000"], "kms-down")["statusCode"] == 200 and len(service.messages()) == 1


def test_kms_down_when_another_instance_replays_is_a_503_and_never_a_second_text(service):
    assert send(["13800138000"], "replay-kms-down")["statusCode"] == 200
    runtime.reset()  # a new instance: it must ask KMS to open the stored answer's data key
    service.set_chaos(kms_fault("Decrypt"))
    refused = send(["13800138000"], "replay-kms-down")
    assert refused["statusCode"] == 503 and "Retry-After" in refused["headers"]
    service.set_chaos([])
    again = send(["13800138000"], "replay-kms-down")
    assert again["statusCode"] == 200 and again["headers"]["Idempotent-Replayed"] == "true"
    assert len(service.messages()) == 1


def test_an_approval_event_without_the_hmac_key_is_redelivered_and_sends_nothing(approvals, monkeypatch):
    monkeypatch.setenv("SMS_HMAC_KEY_SECRET", "")
    runtime.reset()
    with pytest.raises(RedeliverError, match="SMS_HMAC_KEY_SECRET"):
        deliver(approval_event())
    assert texted(approvals) == {}


def test_concurrent_first_uses_on_one_instance_generate_one_data_key(service):
    app = runtime.app_for(fc_context())
    start = threading.Barrier(8)

    def first_use():
        start.wait()
        app.vault.prepare()

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert service.stats()["kms"]["GenerateDataKey"] == 1
    assert send(["13800138000"], "after-warm-up")["statusCode"] == 200
    assert service.stats()["kms"]["GenerateDataKey"] == 1  # cached per instance

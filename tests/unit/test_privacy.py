"""shared.privacy's pure parts: the AES-GCM envelope and the keyed HMACs."""

import base64
import json
import os

import pytest

from shared.idempotency.keys import fingerprint
from shared.privacy.envelope import UnreadableEnvelope, open_envelope, seal
from shared.privacy.hmac_keys import HmacKey, Pseudonyms

KEY = bytes(range(32))
VALUE = {"status": 200, "body": {"Batches": [{"PhoneNumbers": ["13800138000"]}]}, "note": "短信"}


def key_for(expected_blob, key=KEY):
    def lookup(blob):
        assert blob == expected_blob
        return key

    return lookup


def test_a_sealed_value_opens_under_its_key_and_context_and_shows_nothing_in_the_clear():
    envelope = seal(KEY, "blob-1", VALUE, context="send_sms:orders:k1")
    assert sorted(envelope) == ["alg", "data", "dataKey", "iv"] and envelope["dataKey"] == "blob-1"
    assert "13800138000" not in json.dumps(envelope) and "Batches" not in json.dumps(envelope)
    assert open_envelope(envelope, key_for("blob-1"), context="send_sms:orders:k1") == VALUE


def test_every_seal_uses_a_fresh_iv():
    first, second = (seal(KEY, "b", VALUE, context="c") for _ in range(2))
    assert first["iv"] != second["iv"] and first["data"] != second["data"]


@pytest.mark.parametrize("change", ["context", "key", "data", "iv"])
def test_a_changed_context_key_or_ciphertext_does_not_open(change):
    envelope = seal(KEY, "b", VALUE, context="record-a")
    context, key = "record-a", KEY
    if change == "context":
        context = "record-b"
    elif change == "key":
        key = os.urandom(32)
    else:
        raw = bytearray(base64.b64decode(envelope[change]))
        raw[0] ^= 1
        envelope[change] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(UnreadableEnvelope):
        open_envelope(envelope, key_for("b", key), context=context)


@pytest.mark.parametrize("envelope", [
    None, {"status": 200, "body": {}}, {"alg": "AES-256-GCM", "dataKey": "b", "iv": "AAAA"},
    {"alg": "AES-128-CBC", "dataKey": "b", "iv": "AAAAAAAAAAAAAAAA", "data": "AAAA"},
    {"alg": "AES-256-GCM", "dataKey": "b", "iv": "not base64!", "data": "AAAA"},
    {"alg": "AES-256-GCM", "dataKey": "b", "iv": "AAAA", "data": "AAAA"},  # a 3-byte iv
])
def test_what_is_not_an_envelope_is_unreadable_without_asking_for_a_key(envelope):
    def no_key(blob):
        raise AssertionError("no key may be fetched for a malformed envelope")

    with pytest.raises(UnreadableEnvelope):
        open_envelope(envelope, no_key, context="c")


def test_hmac_keys_have_a_stable_kid_and_one_key_per_use():
    key, same, other = HmacKey(b"k" * 32), HmacKey(b"k" * 32), HmacKey(b"o" * 32)
    assert key.kid == same.kid != other.kid and len(key.kid) == 12
    assert key.derive("pseudonym") != key.derive("fingerprint")
    assert "k" * 32 not in repr(key)


def test_names_are_plain_hmac_sha256_so_stored_records_stay_readable():
    """Records already stored name numbers this way: a faster HMAC call must give the same names."""
    import hashlib
    import hmac

    secret = b"k" * 32
    derived = hmac.new(secret, b"sms-fc/pseudonym", hashlib.sha256).digest()
    assert HmacKey(secret).derive("pseudonym") == derived
    assert Pseudonyms(HmacKey(secret)).name("salt", "13800138000") == \
        hmac.new(derived, b"salt\x0013800138000", hashlib.sha256).hexdigest()[:32]


def test_a_pseudonym_depends_on_the_key_the_salt_and_the_number():
    names, other = Pseudonyms(HmacKey(b"k" * 32)), Pseudonyms(HmacKey(b"o" * 32))
    name = names.name("approval_notify:1:a:1", "13800138000")
    assert len(name) == 32 and "13800138000" not in name
    assert name == names.name("approval_notify:1:a:1", "13800138000")
    assert name not in {other.name("approval_notify:1:a:1", "13800138000"),
                        names.name("approval_notify:1:a:2", "13800138000"),
                        names.name("approval_notify:1:a:1", "13800138001")}


def test_a_keyed_fingerprint_ignores_key_order_and_differs_from_the_plain_hash_and_between_keys():
    body, reordered = {"a": 1, "phoneList": ["13800138000"]}, {"phoneList": ["13800138000"], "a": 1}
    keyed = fingerprint(body, key=b"k" * 32)
    assert keyed == fingerprint(reordered, key=b"k" * 32)
    assert keyed not in {fingerprint(body), fingerprint(body, key=b"o" * 32)}

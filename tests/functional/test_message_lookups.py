"""The send-log lookups of the send_sms function: ``GET /messages/{id}`` and ``GET /messages?phone=…``."""

import json

import pytest
from fc_support import (
    FULL_KEY,
    LIMITED_KEY,
    PHONE,
    READ_ONLY_KEY,
    READER_KEY,
    auth,
    body,
    fc_context,
    http_event,
    invoke,
)

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.fc.api_keys import hash_key
from shared.store.message_log import LoggedNumber, SendRecord

OTHER = "13900139000"


def send(phones=(PHONE,), key=READER_KEY, **overrides):
    answer = invoke(handler, http_event(body(phoneList=list(phones), **overrides), headers=auth(key)))
    return answer


def get(path, key=READER_KEY, query=None):
    event = http_event(method="GET", path=path, headers={"Authorization": f"Bearer {key}"})
    event["queryParameters"] = query or {}
    return invoke(handler, event)


def test_a_sent_message_is_found_by_its_id_with_each_number_masked(service):
    sent = send([PHONE, OTHER])
    assert sent["statusCode"] == 200
    [message_id] = sent["json"]["messageIds"]
    assert sent["json"]["result"]["OutId"] == message_id
    found = get(f"/messages/{message_id}")
    assert found["statusCode"] == 200
    record = found["json"]
    assert (record["messageId"], record["element"], record["templateCode"], record["requestedBy"]) == (
        message_id, "SMS.Default", "SMS_100000002", "api_key:support")
    assert record["bizId"] == sent["json"]["result"]["BizId"]
    assert [(n["phone"], n["status"]) for n in record["numbers"]] == [("138****8000", "submitted"),
                                                                      ("139****9000", "submitted")]
    text = found["body"]
    assert PHONE not in text and OTHER not in text and "sealed" not in text and "lookup" not in text
    assert "1024" not in text  # a template value


def test_a_number_s_messages_are_listed_newest_first_and_only_that_number_shown(service):
    first = send([PHONE, OTHER])["json"]["messageIds"][0]
    second = send(["+86 138-0013-8000"])["json"]["messageIds"][0]
    send([OTHER])
    listed = get("/messages", query={"phone": "8613800138000"})
    assert listed["statusCode"] == 200
    assert listed["json"]["phone"] == "138****8000"
    messages = listed["json"]["messages"]
    assert [m["messageId"] for m in messages] == [second, first]
    assert [m["numberCount"] for m in messages] == [1, 2]
    assert all([n["phone"] for n in m["numbers"]] == ["138****8000"] for m in messages)
    assert PHONE not in listed["body"]


def test_since_bounds_the_listing(service):
    send()
    assert get("/messages", query={"phone": PHONE, "since": "2999-01-01T00:00:00Z"})["json"]["messages"] == []
    assert len(get("/messages", query={"phone": PHONE, "since": "0"})["json"]["messages"]) == 1
    old = get("/messages", query={"phone": PHONE, "since": "2020-01-01T08:00:00+08:00"})
    assert (len(old["json"]["messages"]), old["json"]["since"]) == (1, "2020-01-01T00:00:00.000Z")


def test_a_possibly_delivered_send_shows_unknown(service):
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    failed = send()
    assert failed["statusCode"] >= 500 and failed["json"]["error"]["possiblyDelivered"] is True
    service.set_chaos([])
    [message] = get("/messages", query={"phone": PHONE})["json"]["messages"]
    assert [n["status"] for n in message["numbers"]] == ["unknown"]
    assert get(f"/messages/{message['messageId']}")["json"]["numbers"][0]["status"] == "unknown"


def test_an_unknown_id_is_404_and_a_malformed_one_400_naming_the_field(service):
    missing = get("/messages/" + "0" * 24)
    assert missing["statusCode"] == 404
    for bad in ("nope", "0" * 25, "G" * 24):
        answer = get(f"/messages/{bad}")
        assert answer["statusCode"] == 400 and answer["json"]["error"]["message"].startswith("id:"), bad


@pytest.mark.parametrize(("query", "field"), [
    ({}, "phone"), ({"phone": "12345"}, "phone"), ({"phone": PHONE, "since": "yesterday"}, "since"),
    ({"phone": PHONE, "since": "-5"}, "since"), ({"phone": PHONE, "limit": "0"}, "limit"),
])
def test_bad_listing_queries_are_400_naming_the_field(service, query, field):
    answer = get("/messages", query=query)
    assert answer["statusCode"] == 400 and answer["json"]["error"]["message"].startswith(f"{field}:")


def test_keys_without_scopes_stay_send_only(service):
    [message_id] = send(key=FULL_KEY)["json"]["messageIds"]
    for key in (FULL_KEY, LIMITED_KEY):
        assert get(f"/messages/{message_id}", key=key)["statusCode"] == 403
        assert get("/messages", key=key, query={"phone": PHONE})["statusCode"] == 403
    assert get(f"/messages/{message_id}", key=READ_ONLY_KEY)["statusCode"] == 200
    refused = send(key=READ_ONLY_KEY)
    assert refused["statusCode"] == 403 and "send" in refused["json"]["error"]["message"]
    assert len(service.messages()) == 1
    assert get(f"/messages/{message_id}", key="sk_wrong")["statusCode"] == 401


def test_a_key_limited_to_elements_sees_only_their_messages(service):
    [message_id] = send()["json"]["messageIds"]
    other_key, own_key = "sk_test_other_element_reader_0000000000000", "sk_test_own_element_reader_00000000000000"
    service.kms_put_secret("sms-fc/api-keys", json.dumps({"keys": [
        {"id": "other", "sha256": hash_key(other_key), "elements": ["SMS.Other"], "scopes": ["read"]},
        {"id": "own", "sha256": hash_key(own_key), "elements": ["SMS.Default"], "scopes": ["read"]},
    ]}))
    runtime.reset()  # a fresh instance reads the new secret
    assert get(f"/messages/{message_id}", key=other_key)["statusCode"] == 404
    assert get("/messages", key=other_key, query={"phone": PHONE})["json"]["messages"] == []
    assert get(f"/messages/{message_id}", key=own_key)["statusCode"] == 200


def test_a_key_limited_to_elements_finds_its_messages_behind_newer_ones_of_other_elements(service):
    [message_id] = send()["json"]["messageIds"]
    app = runtime.app_for(fc_context())
    lookup = app.vault.lookup(PHONE)
    for i in range(50):  # another element's messages to the same number, sent later
        app.store.log_send(SendRecord(f"{i:024x}", "SMS.Other", "SMS_1", "api_key:other", app.store.clock() + 1 + i,
                                      (LoggedNumber(lookup, "138****8000"),)), ttl=86400)
    own_key = "sk_test_own_element_reader_00000000000000"
    service.kms_put_secret("sms-fc/api-keys", json.dumps({"keys": [
        {"id": "own", "sha256": hash_key(own_key), "elements": ["SMS.Default"], "scopes": ["read"]}]}))
    runtime.reset()  # a fresh instance reads the new secret
    listed = get("/messages", key=own_key, query={"phone": PHONE, "limit": "10"})
    assert [m["messageId"] for m in listed["json"]["messages"]] == [message_id]


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-14:00"])  # UTC: years 0, 10000
def test_a_since_outside_the_calendar_the_answer_can_write_is_a_400_naming_it(service, since, capsys):
    answer = get("/messages", query={"phone": PHONE, "since": since})
    assert answer["statusCode"] == 400 and answer["json"]["error"]["message"].startswith("since: ")
    assert "http.unhandled" not in capsys.readouterr().out

"""The control API over HTTP, and deterministic ids."""

from __future__ import annotations

import json

import pytest
from alibabacloud_dysmsapi20170525 import models
from control_support import control
from emulator_wire import NOTIFY, PHONE, SIGN, VERIFY

from emulator import Emulator, EmulatorServer
from emulator.seeds import default_seed


def send(client, phone=PHONE, template=NOTIFY, params=None):
    request = models.SendSmsRequest(phone_numbers=phone, sign_name=SIGN, template_code=template,
                                    template_param=json.dumps(params or {"name": "a", "order": "1"}))
    return client.send_sms(request).body


def test_messages_lists_newest_first_with_the_contract_fields(sms, emulator):
    first = send(sms)
    second = send(sms, phone="13900139000", template=VERIFY, params={"code": "8888"})
    status, listing = control(emulator, "GET", "sms/messages")
    assert status == 200
    assert listing["total"] == 2
    assert [m["bizId"] for m in listing["messages"]] == [second.biz_id, first.biz_id]
    newest = listing["messages"][0]
    assert {"phone", "signName", "templateCode", "params", "content", "bizId", "outId", "status",
            "sentAt"} <= set(newest)
    assert (newest["phone"], newest["templateCode"], newest["params"]) == ("13900139000", VERIFY, {"code": "8888"})
    assert newest["sentAt"].endswith("Z") and "T" in newest["sentAt"]


@pytest.mark.parametrize(("query", "phones"), [
    ("phone=13900139000", ["13900139000"]),
    ("templateCode=SMS_100000001", ["13900139000"]),
    ("status=1", ["13700137000", "13900139000", PHONE]),
    ("status=3", []),
    ("limit=1", ["13700137000"]),
])
def test_messages_can_be_filtered(sms, emulator, query, phones):
    send(sms)
    send(sms, phone="13900139000", template=VERIFY, params={"code": "8888"})
    send(sms, phone="13700137000")
    status, listing = control(emulator, "GET", f"sms/messages?{query}")
    assert [m["phone"] for m in listing["messages"]] == phones
    if query == "limit=1":
        assert listing["total"] == 3


def test_delete_messages_empties_the_outbox(sms, emulator):
    send(sms)
    assert control(emulator, "DELETE", "sms/messages") == (200, {"deleted": 1})
    assert control(emulator, "GET", "sms/messages")[1] == {"total": 0, "messages": []}


def test_reset_restores_the_start_up_seed(sms, emulator):
    send(sms)
    control(emulator, "POST", "seed", {"sms": {"templates": [{"code": "SMS_1", "type": 1, "status": 1,
                                                              "content": "x"}]}})
    control(emulator, "PUT", "chaos", {"rules": [{"fault": {"type": "drop"}}]})
    control(emulator, "POST", "clock", {"advance": 100})
    assert control(emulator, "POST", "reset") == (200, {"status": "reset"})
    assert emulator.messages() == [] and emulator.chaos() == [] and emulator.stats() == {}
    assert abs(emulator.clock.offset) < 1e-6
    assert "SMS_1" not in emulator.state.sms.catalog.templates and NOTIFY in emulator.state.sms.catalog.templates


def test_seed_merges_keys_signs_and_templates(emulator):
    status, _ = control(emulator, "POST", "seed", {
        "accessKeys": {"LTAI5tAnotherKey": {"secret": "another"}},
        "sms": {"signs": [{"name": "新签名", "status": 1}],
                "templates": [{"code": "SMS_200000001", "name": "n", "type": 1, "status": 1,
                               "content": "您好${name}"}]},
    })
    assert status == 200
    client = emulator.sms_client(access_key_id="LTAI5tAnotherKey", access_key_secret="another")
    request = models.SendSmsRequest(phone_numbers=PHONE, sign_name="新签名", template_code="SMS_200000001",
                                    template_param='{"name":"赵六"}')
    assert client.send_sms(request).body.code == "OK"
    assert emulator.messages()[0]["content"] == "【新签名】您好赵六"
    assert send(emulator.sms_client()).code == "OK"  # the default key and template are still there


def test_seed_with_replace_drops_what_was_seeded(emulator):
    status, _ = control(emulator, "POST", "seed?replace=true", {"accessKeys": {"AK2": "S2"}})
    assert status == 200
    assert emulator.state.keys.ids() == ["AK2"]
    assert emulator.state.sms.catalog.templates == {}


@pytest.mark.parametrize(("raw", "message"), [
    (b"{not json", "not valid JSON"),
    (b"[1]", "JSON object"),
])
def test_malformed_seeds_are_400(emulator, raw, message):
    status, answer = control(emulator, "POST", "seed", raw=raw)
    assert status == 400
    assert message in answer["error"]


@pytest.mark.parametrize(("seed", "field"), [
    ({"accessKeys": {"AK": 5}}, "accessKeys.AK"),
    ({"sms": {"templates": [{"code": "X", "type": 9, "content": "c"}]}}, "sms.templates[0].type"),
    ({"sms": {"signs": [{"status": 1}]}}, "sms.signs[0].name"),
    ({"sms": {"flowControl": {"perSecond": 1}}}, "sms.flowControl"),
    ({"sms": {"undeliverable": ["123"]}}, "sms.undeliverable"),
    ({"randomSeed": "x"}, "randomSeed"),
])
def test_invalid_seeds_are_400_naming_the_field_and_change_nothing(emulator, seed, field):
    keys = {"NEW": "x", **seed.get("accessKeys", {})}
    status, answer = control(emulator, "POST", "seed", {**seed, "accessKeys": keys})
    assert status == 400
    assert field in answer["error"]
    assert emulator.state.keys.get("NEW") is None


def test_chaos_put_then_get_reports_fired_counts(sms, emulator):
    rules = {"rules": [{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1,
                        "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}]}
    status, answer = control(emulator, "PUT", "chaos", rules)
    assert status == 200 and answer["rules"][0]["fired"] == 0
    assert send(sms).code == "isv.AMOUNT_NOT_ENOUGH"
    assert control(emulator, "GET", "chaos")[1]["rules"][0]["fired"] == 1
    assert control(emulator, "PUT", "chaos", {"rules": [{"fault": {"type": "nope"}}]})[0] == 400
    assert control(emulator, "DELETE", "chaos") == (200, {"rules": []})


def test_stats_count_requests_per_service_and_action(sms, emulator):
    send(sms)
    send(sms)
    sms.query_sms_sign(models.QuerySmsSignRequest(sign_name=SIGN))
    control(emulator, "GET", "sms/messages")  # control calls are not counted
    assert control(emulator, "GET", "stats") == (200, {"sms": {"SendSms": 2, "QuerySmsSign": 1}})
    assert control(emulator, "DELETE", "stats") == (200, {})
    assert emulator.stats() == {}


def test_the_clock_can_be_advanced_and_set(emulator):
    status, before = control(emulator, "GET", "clock")
    assert status == 200 and abs(before["offset"]) < 1
    _, moved = control(emulator, "POST", "clock", {"advance": 3600})
    assert moved["offset"] == pytest.approx(3600, abs=1)
    _, pinned = control(emulator, "POST", "clock", {"set": 1_800_000_000})
    assert pinned["now"] == pytest.approx(1_800_000_000, abs=1)
    assert emulator.clock.now() == pytest.approx(1_800_000_000, abs=1)
    assert control(emulator, "POST", "clock", {"advance": "soon"})[0] == 400
    assert control(emulator, "POST", "clock", {})[0] == 400


def test_unknown_control_paths_and_methods(emulator):
    assert control(emulator, "GET", "nothing")[0] == 404
    assert control(emulator, "POST", "stats")[0] == 405
    assert control(emulator, "GET", "health") == (200, {"status": "ok"})


def ids_of_a_session(seed: dict) -> list[str]:
    with EmulatorServer(seed=seed) as server:
        from emulator.pytest_plugin import EmulatorHandle

        client = EmulatorHandle(server, seed).sms_client()
        bodies = [send(client, phone=f"1380013800{i}") for i in range(3)]
    return [value for body in bodies for value in (body.request_id, body.biz_id)]


def test_ids_are_deterministic_for_the_same_seed():
    seed = default_seed()
    first = ids_of_a_session(seed)
    assert ids_of_a_session(seed) == first
    assert len(set(first)) == 6
    assert ids_of_a_session({**seed, "randomSeed": 42}) != first


def test_reset_restarts_the_id_sequence(sms, emulator):
    first = send(sms)
    emulator.reset()
    again = send(sms)
    assert (again.request_id, again.biz_id) == (first.request_id, first.biz_id)


def test_an_emulator_without_seed_has_no_keys():
    assert Emulator().keys.ids() == []

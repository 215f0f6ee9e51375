"""Aliyun's HTTP batch push from the emulator: SmsReport receipts when a send settles, SmsUp replies,
the retry schedule on the emulator's clock, and the control API over them.

A real HTTP receiver on 127.0.0.1 (tests/emulator_push_support.py) takes the pushes; the clock is
moved by the test, never waited for. ``drain_pushes`` waits until the pusher thread has made every
attempt that is due at the emulator's current time.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from alibabacloud_dysmsapi20170525 import models
from emulator_push_support import DOCUMENTED_ANSWER
from emulator_wire import NOTIFY, PHONE, SIGN, VERIFY
from test_emulator_control import control

from emulator import EmulatorServer
from emulator.seeds import default_seed
from emulator.sms.models import Reply

CHINA = timezone(timedelta(hours=8))
UNDELIVERABLE = "17000000000"  # the default seed's MOBILE_NOT_ON_SERVICE
OTHER = "13900139000"
SLOW_OK = 10_000  # timeoutMs for receivers that must never time out on a busy machine
REPORT_FIELDS = ["phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "sms_size",
                 "biz_id", "out_id"]
UP_FIELDS = ["phone_number", "send_time", "content", "sign_name", "dest_code", "sequence_id"]


def send(client, phones=PHONE, out_id=None, template=NOTIFY, params=None):
    request = models.SendSmsRequest(phone_numbers=phones, sign_name=SIGN, template_code=template, out_id=out_id,
                                    template_param=json.dumps(params or {"name": "王五", "order": "7"}))
    body = client.send_sms(request).body
    assert body.code == "OK", body
    return body


def china(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def expected_report(message):
    delivered = message["status"] == 3
    return {
        "phone_number": message["phone"], "send_time": china(message["sentAt"]),
        "report_time": china(message["receivedAt"]), "success": delivered, "err_code": message["errCode"],
        "err_msg": "用户接收成功" if delivered else message["errCode"], "sms_size": "1",
        "biz_id": message["bizId"], "out_id": message["outId"] or "",
    }


# -- receipts ---------------------------------------------------------------------------------


def test_receipts_are_pushed_as_one_batch_when_a_send_settles(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url("/receipts?token=s3cret"), timeoutMs=SLOW_OK)
    answer = send(sms, phones=f"{PHONE},{UNDELIVERABLE}", out_id="order-42")
    assert emulator.drain_pushes() == []  # still on its way to the handsets
    emulator.clock.advance(3)  # past the 2 s delivery delay
    [push] = emulator.drain_pushes()
    request = receiver.next()
    assert request.path == "/receipts?token=s3cret"
    assert request.headers["content-type"].startswith("application/json")
    items = request.json()
    assert isinstance(items, list) and [list(item) for item in items] == [REPORT_FIELDS, REPORT_FIELDS]
    messages = {m["phone"]: m for m in emulator.messages()}
    assert sorted(items, key=lambda item: item["phone_number"]) == [
        expected_report(messages[PHONE]), expected_report(messages[UNDELIVERABLE])]
    by_phone = {item["phone_number"]: item for item in items}
    assert by_phone[PHONE]["success"] is True and by_phone[PHONE]["err_code"] == "DELIVERED"
    assert by_phone[UNDELIVERABLE]["success"] is False
    assert by_phone[UNDELIVERABLE]["err_code"] == "MOBILE_NOT_ON_SERVICE"
    assert {item["biz_id"] for item in items} == {answer.biz_id}
    assert {item["out_id"] for item in items} == {"order-42"}
    assert (push["kind"], push["status"], push["count"], push["nextAttemptAt"]) == ("SmsReport", "accepted", 2, None)
    [attempt] = push["attempts"]
    assert (attempt["status"], attempt["answer"], attempt["accepted"], attempt["error"]) == (
        200, DOCUMENTED_ANSWER, True, None)
    assert push["items"] == items
    emulator.clock.advance(3600)
    assert len(emulator.drain_pushes()) == 1 and receiver.received_now() == []  # accepted: never again


def test_each_send_is_reported_when_it_settles_and_the_size_counts_billed_parts(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)
    emulator.seed({"sms": {"templates": [{"code": "SMS_LONG", "name": "长", "type": 1, "status": 1,
                                          "content": "${a}${b}${c}"}]}})
    send(sms, phones=PHONE)
    emulator.clock.advance(1)
    send(sms, phones=OTHER, template="SMS_LONG", params={"a": "甲" * 35, "b": "乙" * 35, "c": "丙" * 5})
    emulator.clock.advance(1.5)  # the first send has settled, the second has not
    emulator.drain_pushes()
    assert [item["phone_number"] for item in receiver.next().json()] == [PHONE]
    emulator.clock.advance(1)
    emulator.drain_pushes()
    [item] = receiver.next().json()
    assert item["phone_number"] == OTHER
    assert item["sms_size"] == "2"  # 【阿里云短信测试】 + 75 characters = 84 > 70: two parts of 67


def test_batches_hold_at_most_batch_size_receipts(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK, batchSize=2)
    phones = [f"1380013800{i}" for i in range(5)]
    send(sms, phones=",".join(phones))
    emulator.clock.advance(3)
    pushes = emulator.drain_pushes()
    assert sorted(push["count"] for push in pushes) == [1, 2, 2]
    received = [receiver.next().json() for _ in pushes]
    assert sorted(item["phone_number"] for batch in received for item in batch) == phones


def test_nothing_is_pushed_without_a_receipt_url(sms, emulator, receiver):
    send(sms)
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)  # too late: reports what is sent from now on
    emulator.clock.advance(3)
    assert emulator.drain_pushes() == []
    send(sms, phones=OTHER)
    emulator.set_push(reportUrl=None)  # switched off before it settled
    emulator.clock.advance(3)
    assert emulator.drain_pushes() == []
    assert receiver.received_now() == []


def test_a_push_that_is_not_accepted_is_retried_after_1_5_and_10_minutes_then_given_up(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.answer_with(*[(500, '{"code": 500, "msg": "busy"}')] * 4)
    send(sms)
    emulator.clock.advance(3)
    [push] = emulator.drain_pushes()
    first = receiver.next().json()
    assert (push["status"], len(push["attempts"])) == ("retrying", 1)
    for number, delay in enumerate((60, 300, 600), start=2):
        previous = push["attempts"][-1]
        assert epoch(push["nextAttemptAt"]) - epoch(previous["at"]) == pytest.approx(delay, abs=0.002)
        emulator.clock.advance(delay - 10)  # not yet
        [push] = emulator.drain_pushes()
        assert len(push["attempts"]) == number - 1 and receiver.received_now() == []
        emulator.clock.advance(10)
        [push] = emulator.drain_pushes()
        assert len(push["attempts"]) == number
        assert receiver.next().json() == first  # the same batch again
        gap = epoch(push["attempts"][-1]["at"]) - epoch(previous["at"])
        assert delay <= gap < delay + 5
    assert (push["status"], push["nextAttemptAt"]) == ("failed", None)
    assert [a["status"] for a in push["attempts"]] == [500] * 4
    emulator.clock.advance(86400)
    assert len(emulator.drain_pushes()[0]["attempts"]) == 4 and receiver.received_now() == []


@pytest.mark.parametrize("answer", [
    (500, DOCUMENTED_ANSWER),  # the right body is not enough: HTTP 200 is required
    (201, DOCUMENTED_ANSWER),
    (302, DOCUMENTED_ANSWER),
    (200, "OK"),  # not JSON
    (200, '{"msg": "接收成功"}'),  # no code
    (200, '{"code": "0", "msg": "接收成功"}'),  # code must be a number
    (200, '{"code": true}'),
    (200, "[0]"),
])
def test_answers_aliyun_does_not_accept_are_retried(sms, emulator, receiver, answer):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.answer_with(answer)
    send(sms)
    emulator.clock.advance(3)
    [push] = emulator.drain_pushes()
    assert (push["status"], push["attempts"][0]["accepted"], push["attempts"][0]["status"]) == (
        "retrying", False, answer[0])
    emulator.clock.advance(60)
    [push] = emulator.drain_pushes()
    assert (push["status"], [a["accepted"] for a in push["attempts"]]) == ("accepted", [False, True])
    assert receiver.next().body == receiver.next().body


@pytest.mark.parametrize("body", [DOCUMENTED_ANSWER, '{"code":0}', '{"code": 1, "msg": "x"}', '{"code": 0.5}'])
def test_aliyun_checks_only_that_code_is_a_number(sms, emulator, receiver, body):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.answer_with((200, body))
    send(sms)
    emulator.clock.advance(3)
    [push] = emulator.drain_pushes()
    assert (push["status"], len(push["attempts"]), push["attempts"][0]["answer"]) == ("accepted", 1, body)


def test_a_refused_connection_is_retried(sms, emulator, receiver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    emulator.set_push(reportUrl=f"http://127.0.0.1:{closed_port}/r", timeoutMs=SLOW_OK)
    send(sms)
    emulator.clock.advance(3)
    [push] = emulator.drain_pushes()
    [attempt] = push["attempts"]
    assert (push["status"], attempt["status"], attempt["accepted"]) == ("retrying", None, False)
    assert "Connection" in attempt["error"] or "refused" in attempt["error"]
    emulator.set_push(reportUrl=receiver.url())  # a push keeps the URL it was made for
    emulator.clock.advance(60)
    assert emulator.drain_pushes()[0]["attempts"][1]["status"] is None
    assert receiver.received_now() == []


def test_no_answer_within_the_timeout_is_retried(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=200)
    receiver.hold()
    send(sms)
    emulator.clock.advance(3)
    [push] = emulator.drain_pushes()
    receiver.release()
    [attempt] = push["attempts"]
    assert (push["status"], attempt["status"], attempt["error"]) == ("retrying", None, "no answer within 200 ms")
    assert receiver.next().json()[0]["phone_number"] == PHONE  # it did arrive: the answer came too late


def test_requests_are_answered_while_a_push_hangs(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.hold()
    send(sms)
    emulator.clock.advance(3)
    receiver.next()  # the pusher thread is now waiting for the answer
    try:
        assert send(sms, phones=OTHER).code == "OK"
        status, listing = control(emulator, "GET", "sms/pushes")
        assert status == 200 and listing["pushes"][0]["status"] == "pending"
    finally:
        receiver.release()
    assert emulator.drain_pushes()[0]["status"] == "accepted"


# -- replies ----------------------------------------------------------------------------------


def test_a_reply_is_pushed_as_smsup_to_the_up_url(sms, emulator, receiver):
    emulator.set_push(upUrl=receiver.url("/up?token=t"), timeoutMs=SLOW_OK)
    send(sms)
    status, push = control(emulator, "POST", "sms/replies", {"phone": PHONE, "content": "TD"})
    assert status == 200 and (push["kind"], push["count"]) == ("SmsUp", 1)
    request = receiver.next()
    assert request.path == "/up?token=t"
    [item] = request.json()
    assert list(item) == UP_FIELDS
    now = datetime.fromtimestamp(emulator.clock.now(), CHINA)
    assert item["phone_number"] == PHONE and item["content"] == "TD"
    assert item["sign_name"] == SIGN  # the sign of the message the user answers
    assert isinstance(item["sequence_id"], int) and not isinstance(item["sequence_id"], bool)
    assert isinstance(item["dest_code"], str) and item["dest_code"].isdigit()
    sent = datetime.strptime(item["send_time"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert timedelta(0) <= now - sent < timedelta(seconds=30)
    assert emulator.drain_pushes()[0]["status"] == "accepted"


def test_replies_in_one_call_are_one_batch_with_their_own_sequence_ids(sms, emulator, receiver):
    emulator.set_push(upUrl=receiver.url(), timeoutMs=SLOW_OK)
    status, _ = control(emulator, "POST", "sms/replies", [
        {"phone": PHONE, "content": "退订", "signName": "其他签名", "destCode": "7788"},
        {"phone": "+86" + OTHER, "content": "好的", "signName": SIGN}])
    assert status == 200
    first, second = receiver.next().json()
    assert (first["sign_name"], first["dest_code"], first["content"]) == ("其他签名", "7788", "退订")
    assert (second["phone_number"], second["sign_name"]) == (OTHER, SIGN)
    assert second["sequence_id"] > first["sequence_id"]


def test_a_reply_that_is_not_accepted_is_retried_like_a_receipt(emulator, receiver):
    emulator.set_push(upUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.answer_with((503, "busy"))
    emulator.reply(PHONE, "T", sign_name=SIGN)
    [push] = emulator.drain_pushes()
    assert push["status"] == "retrying"
    emulator.clock.advance(60)
    [push] = emulator.drain_pushes()
    assert (push["status"], [a["status"] for a in push["attempts"]]) == ("accepted", [503, 200])
    assert receiver.next().body == receiver.next().body


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"phone": PHONE, "content": "TD"}, 409, "upUrl"),  # no up URL set (the case below sets one)
    ({"phone": OTHER, "content": "TD"}, 400, "signName"),  # nothing was sent to it: whose sign?
    ({"phone": "123", "content": "TD", "signName": SIGN}, 400, "phone"),
    ({"phone": PHONE, "content": "", "signName": SIGN}, 400, "content"),
    ({"phone": PHONE, "content": "TD", "destCode": "12a"}, 400, "destCode"),
    ({"phone": PHONE, "content": "TD", "sign": SIGN}, 400, "unknown"),
    ([], 400, "list"),
])
def test_bad_replies_are_refused_and_name_the_field(sms, emulator, receiver, body, status, words):
    send(sms)
    if status != 409:
        emulator.set_push(upUrl=receiver.url())
    answer_status, answer = control(emulator, "POST", "sms/replies", body)
    assert answer_status == status and words in answer["error"]
    assert emulator.pushes() == []


# -- settings, listing, lifecycle -------------------------------------------------------------


def test_push_settings_merge_validate_and_reset(emulator, receiver):
    status, settings = control(emulator, "GET", "sms/push")
    assert (status, settings) == (200, {"reportUrl": None, "upUrl": None, "timeoutMs": 700,
                                        "retryDelaysSeconds": [60, 300, 600], "batchSize": 100})
    status, settings = control(emulator, "PUT", "sms/push", {"reportUrl": receiver.url("/r")})
    assert (status, settings["reportUrl"], settings["timeoutMs"]) == (200, receiver.url("/r"), 700)
    status, settings = control(emulator, "PUT", "sms/push", {"upUrl": receiver.url("/u"), "timeoutMs": 1500})
    assert (settings["reportUrl"], settings["upUrl"], settings["timeoutMs"]) == (
        receiver.url("/r"), receiver.url("/u"), 1500)
    for bad in ({"reportUrl": "ftp://x/y"}, {"upUrl": "not a url"}, {"timeoutMs": 0}, {"batchSize": 1001},
                {"retryDelaysSeconds": [-1]}, {"reportUrl": "http://127.0.0.1:99999/"}, {"url": "http://x/"}):
        status, answer = control(emulator, "PUT", "sms/push", bad)
        assert status == 400 and "sms.push" in answer["error"], bad
    assert control(emulator, "GET", "sms/push")[1]["upUrl"] == receiver.url("/u")  # nothing half-applied
    emulator.reset()
    assert control(emulator, "GET", "sms/push")[1]["reportUrl"] is None


def test_pushes_can_be_listed_by_kind_and_status_and_cleared(sms, emulator, receiver):
    emulator.set_push(reportUrl=receiver.url(), upUrl=receiver.url(), timeoutMs=SLOW_OK)
    receiver.answer_with((500, ""))
    send(sms)
    emulator.clock.advance(3)
    emulator.drain_pushes()
    emulator.reply(PHONE, "TD")
    emulator.drain_pushes()
    status, listing = control(emulator, "GET", "sms/pushes")
    assert (status, listing["total"]) == (200, 2)
    assert [p["kind"] for p in listing["pushes"]] == ["SmsUp", "SmsReport"]  # newest first
    assert [p["status"] for p in control(emulator, "GET", "sms/pushes?status=retrying")[1]["pushes"]] == ["retrying"]
    assert [p["kind"] for p in control(emulator, "GET", "sms/pushes?kind=SmsUp")[1]["pushes"]] == ["SmsUp"]
    assert control(emulator, "GET", "sms/pushes?limit=1")[1]["total"] == 2
    assert control(emulator, "GET", "sms/pushes?kind=Other")[0] == 400
    assert control(emulator, "DELETE", "sms/pushes") == (200, {"deleted": 2})
    emulator.clock.advance(60)  # the retry went with it
    assert emulator.drain_pushes() == []


def test_the_pusher_stops_with_the_server(receiver):
    seed = default_seed()
    seed["sms"]["push"] = {"upUrl": receiver.url(), "timeoutMs": SLOW_OK}
    server = EmulatorServer(seed=seed).start()
    try:
        server.state.sms.reply([Reply(PHONE, "TD", SIGN)])
        assert receiver.next().json()[0]["content"] == "TD"
        pushers = [t for t in threading.enumerate() if t.name == "emulator-pusher"]
        assert pushers
    finally:
        server.stop()
    assert sum(t.name == "emulator-pusher" for t in threading.enumerate()) == len(pushers) - 1


# -- QuerySendDetails: listing delay and OutId ------------------------------------------------


def query(client, emulator, phone=PHONE):
    send_date = datetime.fromtimestamp(emulator.clock.now(), CHINA).strftime("%Y%m%d")
    request = models.QuerySendDetailsRequest(phone_number=phone, send_date=send_date, page_size=10, current_page=1)
    return client.query_send_details(request).body.to_map()


def test_query_send_details_lists_a_message_only_after_the_list_delay(sms, emulator):
    emulator.seed({"sms": {"listDelaySeconds": 30}})
    send(sms, out_id="msg-1")
    assert query(sms, emulator)["TotalCount"] == "0"
    assert query(sms, emulator)["SmsSendDetailDTOs"]["SmsSendDetailDTO"] == []
    assert len(emulator.messages()) == 1  # the outbox has it: only Aliyun's listing lags
    emulator.clock.advance(20)
    assert query(sms, emulator)["TotalCount"] == "0"
    emulator.clock.advance(10)
    listed = query(sms, emulator)
    assert listed["TotalCount"] == "1"
    [dto] = listed["SmsSendDetailDTOs"]["SmsSendDetailDTO"]
    assert (dto["OutId"], dto["SendStatus"]) == ("msg-1", 3)


def test_list_delay_is_validated_and_off_by_default(sms, emulator):
    send(sms, template=VERIFY, params={"code": "1234"})
    assert query(sms, emulator)["TotalCount"] == "1"
    status, answer = control(emulator, "POST", "seed", {"sms": {"listDelaySeconds": -1}})
    assert status == 400 and "listDelaySeconds" in answer["error"]

"""approval_notify against the emulator, on SQLite and a real Redis: once per event, whatever happens."""

import threading
import time

import pytest
from approval_support import (
    APPROVERS,
    approval_event,
    deliver,
    fail_next_sends,
    sends,
    texted,
)
from fc_support import fc_context
from functional_support import log_lines

from shared.approvals.events import read_item
from shared.approvals.notifications import TTL_SECONDS, record_key
from shared.approvals.progress import Progress
from shared.elements import runtime
from shared.errors import RedeliverError
from shared.idempotency.keys import fingerprint

THREE = {"13800138001", "13800138002", "13800138005"}  # u1, u2, u5 named as members


def three_members(**data):
    return approval_event(recipients={"members": ["u1", "u2", "u5"]}, **data)


def test_the_same_event_delivered_five_times_texts_each_recipient_once(approvals):
    event = approval_event()
    answers = [deliver(event)[0] for _ in range(5)]
    assert texted(approvals) == dict.fromkeys(APPROVERS, 1)
    assert sends(approvals) == 2
    first = answers[0]
    assert first["outcome"] == "sent" and first["sent"] == 2 and "replayed" not in first
    assert first["recipients"] == {"unknown": {"members": [], "departments": [], "roles": []}, "withoutPhone": ["u4"]}
    for again in answers[1:]:
        assert again == {**first, "replayed": True}
    [message] = approvals.messages(phone="13800138001")
    assert message["templateCode"] == "SMS_100000003"
    assert message["content"] == "【阿里云短信测试】张三发起的差旅报销需要您审批，请及时处理。"


@pytest.mark.parametrize("fault", [
    {"type": "http", "status": 429, "code": "Throttling.Api"},
    {"type": "error", "code": "Throttling.User", "status": 400},
], ids=["throttling-429", "throttling"])
def test_a_partial_failure_then_a_retry_leaves_no_one_texted_twice_and_no_one_missed(approvals, monkeypatch, fault):
    fail_next_sends(approvals, monkeypatch, fault)
    event = three_members()
    with pytest.raises(RedeliverError) as raised:
        deliver(event)
    first_round = texted(approvals)
    assert len(first_round) == 2 and set(first_round.values()) == {1}  # two of three got it, once
    [item] = raised.value.details["events"]
    assert item["outcome"] == "redeliver" and item["id"] == event["id"]
    assert raised.value.code == 46003
    [answer] = deliver(event)
    assert answer["outcome"] == "sent" and answer["sent"] == 3
    assert texted(approvals) == dict.fromkeys(THREE, 1)
    assert deliver(event)[0]["replayed"] is True
    assert texted(approvals) == dict.fromkeys(THREE, 1)


def test_a_crashed_invocation_leaves_its_progress_to_the_redelivery(approvals):
    """An invocation that died after texting u1 (its lease ran out, nothing released) is resumed."""
    event = three_members()
    item = read_item(0, event)
    app = runtime.app_for(fc_context(function="approval_notify"))
    store = app.store
    claim = store.claim(record_key(item), fingerprint(item.data.model_dump(mode="json")), ttl=TTL_SECONDS, lease=0.05)
    done = Progress.load(None, names=app.vault.pseudonyms(), salt=record_key(item))
    done.record("13800138001", "sent", None)
    assert store.save_progress(record_key(item), claim.token, done.dump())
    time.sleep(0.1)  # the dead invocation's lease ends
    [answer] = deliver(event)
    assert answer["outcome"] == "sent" and answer["sent"] == 3
    assert texted(approvals) == {"13800138002": 1, "13800138005": 1}


def test_an_event_still_held_by_another_invocation_is_redelivered_without_sending(approvals):
    event = three_members()
    item = read_item(0, event)
    store = runtime.app_for(None).store
    store.claim(record_key(item), fingerprint(item.data.model_dump(mode="json")), ttl=TTL_SECONDS, lease=30)
    with pytest.raises(RedeliverError, match="another invocation") as raised:
        deliver(event)
    assert raised.value.details["events"][0]["error"]["code"] == 46003
    assert sends(approvals) == 0


def test_concurrent_deliveries_of_one_event_text_each_recipient_once(approvals):
    # Each SendSms takes a while, so the first delivery still holds the event when the others arrive.
    approvals.set_chaos([{"service": "sms", "action": "SendSms", "fault": {"type": "latency", "ms": 300}}])
    event = three_members()
    runtime.app_for(None)  # one instance's App, as FC would have warm
    start = threading.Barrier(4)
    answers, refusals = [], []

    def one_delivery():
        start.wait()
        try:
            answers.append(deliver(event)[0])
        except RedeliverError as error:
            refusals.append(error)

    threads = [threading.Thread(target=one_delivery) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert texted(approvals) == dict.fromkeys(THREE, 1)
    assert [a["outcome"] for a in answers if not a.get("replayed")] == ["sent"]
    assert refusals and all("another invocation" in str(e) for e in refusals)
    assert deliver(event)[0]["replayed"] is True and sends(approvals) == 3


def test_a_business_error_is_recorded_and_not_retried(approvals, monkeypatch):
    fail_next_sends(approvals, monkeypatch, {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"})
    event = three_members()
    [answer] = deliver(event)  # no raise: nothing to gain from a retry
    assert answer["outcome"] == "partial" and answer["sent"] == 2
    [failure] = answer["failed"]
    assert failure["code"] == "isv.BUSINESS_LIMIT_CONTROL" and "****" in failure["phone"]
    assert deliver(event)[0] == {**answer, "replayed": True}
    assert sends(approvals) == 3 and len(texted(approvals)) == 2


def settle_unknown_sends(later_by: float = 0):
    """The reconciler's pass, ``later_by`` seconds from now (past the grace period: not listed is not sent)."""
    from shared.reconcile.reconciler import reconcile

    app = runtime.app_for(fc_context(function="approval_notify"))
    reconcile(app, now=app.store.clock() + later_by)
    return app


def test_an_answer_lost_before_aliyun_got_it_is_sent_once_the_log_knows(approvals, monkeypatch):
    """A lost answer: the event is not done until the send log knows; then only the lost number goes out."""
    fail_next_sends(approvals, monkeypatch, {"type": "drop"})  # dropped before the emulator sent it
    event = three_members()
    with pytest.raises(RedeliverError) as raised:
        deliver(event)
    [item] = raised.value.details["events"]
    [masked] = item["error"]["possiblyDelivered"]
    assert "****" in masked
    with pytest.raises(RedeliverError):  # within the grace period Aliyun's silence proves nothing
        deliver(event)
    assert len(texted(approvals)) == 2
    app = settle_unknown_sends()
    settle_unknown_sends(app.settings.reconcile_grace_seconds + 1)  # never listed: not sent
    [answer] = deliver(event)
    assert answer["outcome"] == "sent" and answer["sent"] == 3 and answer["possiblyDelivered"] == []
    assert texted(approvals) == dict.fromkeys(THREE, 1)
    assert deliver(event)[0]["replayed"] is True and sends(approvals) == 4  # the dropped call counted


def test_an_answer_lost_after_aliyun_got_it_counts_as_sent_and_is_never_sent_again(approvals, monkeypatch):
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    fail_next_sends(approvals, monkeypatch, {"type": "latency", "ms": 800})  # sent; the answer timed out
    event = three_members()
    with pytest.raises(RedeliverError):
        deliver(event)
    for _ in range(500):  # the emulator answers the slow send after our client gave up
        if len(texted(approvals)) == 3:
            break
        time.sleep(0.01)
    [answer] = deliver(event)  # the redelivery asks QuerySendDetails itself: the message is there
    assert answer["outcome"] == "sent" and answer["sent"] == 3
    assert texted(approvals) == dict.fromkeys(THREE, 1)


def test_a_batch_mixing_good_and_invalid_events(approvals):
    good = approval_event()
    cc = approval_event("eventbridge_approval_cc_node.json")
    no_title = approval_event(event_id="evt-no-title")
    del no_title["data"]["processTitle"]
    wrong_type = approval_event(event_id="evt-wrong-type", nodeType="approve")
    batch = [good, {"specversion": "1.0", "id": "x", "type": "t"}, no_title, 42, cc, wrong_type, good]
    answers = deliver(batch)
    assert [a["index"] for a in answers] == list(range(7))
    assert [a["outcome"] for a in answers] == ["sent", "invalid", "invalid", "invalid", "sent", "invalid", "sent"]
    assert answers[6]["replayed"] is True  # the same event twice in one batch: texted once
    assert answers[1]["problem"] == "event.source: Field required"
    assert answers[2]["problem"] == "event.data.processTitle: Field required" and answers[2]["id"] == "evt-no-title"
    assert answers[3]["problem"] == "event: must be a JSON object, got int"
    assert answers[5]["problem"].startswith("event.data.nodeType:")
    assert texted(approvals) == {"13800138001": 2, "13800138005": 1, "13800138002": 1}  # u1 is approver and CC
    assert {m["templateCode"] for m in approvals.messages(phone="13800138001")} == {"SMS_100000003", "SMS_100000006"}
    assert deliver(batch)[0]["replayed"] is True and sends(approvals) == 4


@pytest.mark.parametrize("fault", [
    {"type": "http", "status": 503},
    {"type": "error", "code": "Throttling.User", "status": 503, "retryAfterMs": 10},  # the SDK's ThrottlingException
])
def test_a_5xx_is_possibly_delivered_logged_and_never_sent_again_while_unknown(approvals, monkeypatch, capsys, fault):
    """A 5xx does not prove Aliyun dropped the message: the number is logged and not re-sent until known."""
    fail_next_sends(approvals, monkeypatch, fault)
    event = three_members()
    with pytest.raises(RedeliverError) as raised:
        deliver(event)
    [uncertain] = raised.value.details["events"][0]["error"]["possiblyDelivered"]
    assert "****" in uncertain
    [line] = [entry for entry in log_lines(capsys.readouterr().out) if entry["message"] == "approval.not_texted"]
    assert (line["level"], line["phone"], line["verdict"]) == ("ERROR", uncertain, "uncertain")
    with pytest.raises(RedeliverError):
        deliver(event)
    assert len(texted(approvals)) == 2 and set(texted(approvals).values()) == {1}


def test_a_number_the_send_log_no_longer_knows_stays_possibly_delivered_and_the_event_completes(approvals,
                                                                                                monkeypatch):
    """No record to learn from (the log's retention ended before a redelivery): possibly delivered for good."""
    from clock_support import FakeClock

    from shared.store import open_store

    monkeypatch.setenv("SMS_SEND_LOG_TTL", "60")
    fail_next_sends(approvals, monkeypatch, {"type": "drop"})
    app = runtime.app_for(fc_context(function="approval_notify"))
    clock = FakeClock()
    app.store = open_store(app.settings.store_url, clock=clock, prefix="log-gone:")
    event = three_members()
    with pytest.raises(RedeliverError):
        deliver(event)
    clock.advance(61)  # the send log forgot the lost message; the event's record remembers its progress
    [answer] = deliver(event)
    assert answer["outcome"] == "partial" and answer["sent"] == 2 and len(answer["possiblyDelivered"]) == 1
    assert deliver(event)[0]["replayed"] is True and len(texted(approvals)) == 2


def test_a_batch_raises_only_after_handling_every_event(approvals, monkeypatch):
    fail_next_sends(approvals, monkeypatch, {"type": "error", "code": "Throttling.User", "status": 400})
    first = approval_event(event_id="evt-a", recipients={"members": ["u5"]})
    second = approval_event(event_id="evt-b", recipients={"members": ["u2"]})
    with pytest.raises(RedeliverError) as raised:
        deliver([first, second])
    assert [e["index"] for e in raised.value.details["events"]] == [0]
    assert texted(approvals) == {"13800138002": 1}
    answers = deliver([first, second])
    assert answers[0]["outcome"] == "sent" and "replayed" not in answers[0]
    assert answers[1]["replayed"] is True
    assert texted(approvals) == {"13800138002": 1, "13800138005": 1}


def test_saving_progress_never_extends_the_lease_past_the_invocation(approvals, monkeypatch):
    """Each settled number renews the lease, but only up to the end of the function's timeout."""
    from clock_support import FakeClock
    from fc_support import fc_context

    from shared.approvals.notifications import notify_approval
    from shared.store import open_store

    app = runtime.app_for(fc_context(function="approval_notify"))
    clock = FakeClock()
    app.store = open_store(app.settings.store_url, clock=clock, prefix="lease-test:")
    start, leases = clock(), []
    save = app.store.save_progress

    def slow_save(key, token, progress, *, lease=None, sends=()):
        clock.advance(15.0)  # every send takes 15 s of the invocation's 60
        leases.append(clock() + lease)
        return save(key, token, progress, lease=lease, sends=sends)

    monkeypatch.setattr(app.store, "save_progress", slow_save)
    answer = notify_approval(app, read_item(0, three_members()), lease=60.0)
    assert answer["sent"] == 3 and len(leases) == 3
    assert leases == [pytest.approx(start + 60.0)] * 3  # the old lease ran to 45 s + 60 s


@pytest.mark.parametrize(("sms", "field"), [
    ({"service": "SMS.Default", "templateCode": "SMS 100000003!"}, "sms.templateCode"),
    ({"service": "bad name!!", "templateCode": "SMS_100000003"}, "sms.service"),
])
def test_an_event_whose_sms_settings_can_never_be_right_is_invalid_not_redelivered(approvals, sms, field):
    """A malformed template code or element name is the event's mistake: acknowledged as invalid,
    naming the field, not raised for FC to retry into the dead-letter queue."""
    [answer] = deliver(approval_event(sms=sms))
    assert answer["outcome"] == "invalid"
    assert answer["problem"].startswith(f"event.data.{field}:")
    assert sends(approvals) == 0


def test_an_invalid_event_s_problem_masks_a_key_that_is_a_phone_number(approvals, capsys):
    [answer] = deliver(approval_event(recipients={"members": ["u1"], "13800138000": ["u2"]}))
    assert answer["outcome"] == "invalid"
    assert answer["problem"].startswith("event.data.recipients.138****8000:")
    assert "13800138000" not in capsys.readouterr().out and "13800138000" not in answer["problem"]

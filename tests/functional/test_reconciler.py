"""The reconciler settles possibly-delivered sends against QuerySendDetails (through the real SDK)."""

import json
import time

import pytest
from functional_support import NOTIFY_TEMPLATE, log_lines

from functions.reconciler.index import handler
from shared import SmsError
from shared.elements import runtime
from shared.reconcile import reconciler
from shared.reconcile.reconciler import reconcile
from shared.sms.send_log import build_record
from shared.store.message_log import UNKNOWN

PHONES = ["13800138000", "13900139000"]
PARAMS = {"name": "张三", "order": "1"}


def lost_answer_send(app, emulator, fault):
    """A send whose answer never arrives: logged ``unknown`` with its numbers sealed."""
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1, "fault": fault}])
    with pytest.raises(SmsError) as caught:
        app.getElement("SMS.Default").sendMessage(PHONES, PARAMS, NOTIFY_TEMPLATE)
    assert caught.value.possibly_delivered
    [record] = app.store.unresolved_sends(created_before=app.store.clock() + 1)
    return record


def wait_for_outbox(emulator, count):
    """The emulator answers a slow send after our client gave up: wait (bounded) until it has sent."""
    for _ in range(500):
        if len(emulator.messages()) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"the emulator never sent {count} messages")


def statuses(app, message_id):
    return [number.status for number in app.store.get_send(message_id).numbers]


def test_a_message_aliyun_accepted_is_found_by_its_out_id_and_settled(make_app, emulator):
    app = make_app(read_timeout_ms=300)
    record = lost_answer_send(app, emulator, {"type": "latency", "ms": 800})  # sent, the answer timed out
    wait_for_outbox(emulator, 2)
    counts = reconcile(app)
    assert counts == {"found": 2}
    assert set(statuses(app, record.message_id)) <= {"submitted", "delivered"}
    assert app.store.get_send(record.message_id).sealed_numbers is None  # resolved: numbers dropped
    assert app.store.unresolved_sends(created_before=app.store.clock() + 1) == []
    assert len(emulator.messages()) == 2  # nothing sent again


def test_a_message_aliyun_never_listed_is_not_sent_only_after_the_grace_period(make_app, emulator):
    app = make_app()
    record = lost_answer_send(app, emulator, {"type": "drop"})  # the emulator dropped it before sending
    assert emulator.messages() == []
    assert reconcile(app) == {"pending": 2}  # within the grace period: still unknown
    assert statuses(app, record.message_id) == ["unknown", "unknown"]
    later = record.created_at + app.settings.reconcile_grace_seconds + 1
    assert reconcile(app, now=later) == {"not_sent": 2}
    assert statuses(app, record.message_id) == ["not_sent", "not_sent"]
    assert app.store.get_send(record.message_id).sealed_numbers is None


def test_a_listing_delayed_by_aliyun_is_not_mistaken_for_not_sent(make_app, emulator):
    emulator.seed({"sms": {"listDelaySeconds": 120}})
    app = make_app(read_timeout_ms=300)
    record = lost_answer_send(app, emulator, {"type": "latency", "ms": 800})
    wait_for_outbox(emulator, 2)
    assert reconcile(app) == {"pending": 2}
    emulator.clock.advance(121)
    assert reconcile(app) == {"found": 2}
    assert "not_sent" not in statuses(app, record.message_id)


def test_the_timer_function_runs_one_pass_and_logs_no_number(service, emulator, capsys, monkeypatch):
    from fc_support import fc_context

    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    runtime.reset()
    app = runtime.app_for(fc_context(function="reconciler"))
    lost_answer_send(app, emulator, {"type": "latency", "ms": 800})
    wait_for_outbox(emulator, 2)
    result = json.loads(handler(b'{"triggerTime": "2026-12-05T00:00:00Z", "triggerName": "every-five-minutes"}',
                                fc_context(function="reconciler")))
    assert result == {"found": 2}
    out = capsys.readouterr().out
    assert all(phone not in out for phone in PHONES)
    assert [line["found"] for line in log_lines(out) if line["message"] == "reconcile.done"] == [2]


def test_a_possibly_delivered_answer_names_its_message_and_the_lookup_shows_what_became_of_it(service, emulator):
    from fc_support import READER_KEY, auth, body, http_event, invoke

    from functions.send_sms.index import handler as send_handler

    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    answer = invoke(send_handler, http_event(body(), headers=auth(READER_KEY)))
    emulator.set_chaos([])
    error = answer["json"]["error"]
    assert answer["statusCode"] == 503 and error["possiblyDelivered"] is True
    lookup = http_event(method="GET", path=f"/messages/{error['outId']}",
                        headers={"Authorization": f"Bearer {READER_KEY}"})
    assert [n["status"] for n in invoke(send_handler, lookup)["json"]["numbers"]] == ["unknown"]
    app = runtime.app_for(None)
    reconcile(app, now=app.store.clock() + app.settings.reconcile_grace_seconds + 1)
    assert [n["status"] for n in invoke(send_handler, lookup)["json"]["numbers"]] == ["not_sent"]


def retry_request(key, **overrides):
    from fc_support import auth, body, http_event, invoke

    from functions.send_sms.index import handler as send_handler

    return invoke(send_handler, http_event(body(**overrides), headers=auth(**{"Idempotency-Key": key})))


def test_a_retry_sends_only_what_aliyun_never_got_once_the_log_knows(service, emulator):
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "drop"}}])
    first = retry_request("truth-1")
    assert first["statusCode"] == 503 and first["json"]["error"]["possiblyDelivered"] is True
    assert retry_request("truth-1")["statusCode"] == 409  # within the grace period: not known yet
    assert emulator.messages() == []
    app = runtime.app_for(None)
    reconcile(app, now=app.store.clock() + app.settings.reconcile_grace_seconds + 1)  # Aliyun never listed it
    resent = retry_request("truth-1")
    assert resent["statusCode"] == 200 and resent["json"]["reconciled"]["resent"] == 1
    assert resent["json"]["result"]["Code"] == "OK"
    assert retry_request("truth-1")["json"] == resent["json"]  # that answer is replayed, nothing sent again
    assert len(emulator.messages()) == 1


def test_a_retry_naming_recipients_resends_to_the_members_aliyun_never_got(service, emulator):
    """The directory is resolved again for the retry; only numbers the first messages lost go out."""
    members = {"phoneList": None, "recipients": {"members": ["u1", "u2"]}}
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "drop"}}])
    assert retry_request("truth-r", **members)["json"]["error"]["possiblyDelivered"] is True
    assert retry_request("truth-r", **members)["statusCode"] == 409
    app = runtime.app_for(None)
    reconcile(app, now=app.store.clock() + app.settings.reconcile_grace_seconds + 1)
    resent = retry_request("truth-r", **members)
    assert resent["statusCode"] == 200 and resent["json"]["reconciled"]["resent"] == 2
    assert sorted(m["phone"] for m in emulator.messages()) == ["13800138001", "13800138002"]
    assert retry_request("truth-r", **members)["json"] == resent["json"]
    assert len(emulator.messages()) == 2


def test_a_retry_of_a_send_aliyun_did_get_sends_nothing_and_says_so(service, emulator, monkeypatch):
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    runtime.reset()
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "latency", "ms": 800}}])
    assert retry_request("truth-2")["statusCode"] == 503
    wait_for_outbox(emulator, 1)
    again = retry_request("truth-2")  # the retry asks QuerySendDetails itself: the message is there
    assert again["statusCode"] == 200 and again["json"]["reconciled"]["resent"] == 0
    assert len(emulator.messages()) == 1


@pytest.mark.parametrize("fault", [
    {"type": "error", "code": "Throttling.User", "status": 400},
    {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"},
    {"type": "http", "status": 429, "code": "Rejected.Throttling"},
], ids=["throttling", "flow-control", "gateway-429"])
def test_a_retry_whose_query_fails_still_says_possibly_delivered(service, emulator, monkeypatch, fault):
    """The retry cannot learn the truth now: it must not answer as if nothing had been sent."""
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    runtime.reset()
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "latency", "ms": 800}}])
    assert retry_request("truth-3")["json"]["error"]["possiblyDelivered"] is True
    wait_for_outbox(emulator, 1)  # Aliyun did accept it
    emulator.set_chaos([{"service": "sms", "action": "QuerySendDetails", "fault": fault}])
    again = retry_request("truth-3")
    assert again["statusCode"] == 409 and again["json"]["error"]["possiblyDelivered"] is True
    assert "Retry-After" not in again["headers"]
    assert len(emulator.messages()) == 1


def test_records_that_cannot_be_settled_do_not_hold_up_newer_ones(make_app, emulator):
    """A hundred old records whose element is gone fail every time; they are put off, and the next
    run reaches the newer possibly-delivered send behind them."""
    app = make_app()
    now = app.store.clock()
    for i in range(reconciler.BATCH):
        app.store.log_send(build_record(app.vault, message_id=f"{i:024x}", element="SMS.Removed",
                                        template_code="SMS_1", phones=["13700137000"], status=UNKNOWN,
                                        created_at=now - 3600 + i), ttl=7 * 86400)
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "count": 1,
                         "fault": {"type": "drop"}}])
    with pytest.raises(SmsError) as caught:
        app.getElement("SMS.Default").sendMessage(["13800138000"], {"name": "a", "order": "1"}, NOTIFY_TEMPLATE)
    message_id = caught.value.details["outId"]
    later = app.store.clock() + app.settings.reconcile_grace_seconds + 1
    assert reconciler.reconcile(app, now=later)["failed"] == reconciler.BATCH
    assert reconciler.reconcile(app, now=later + 1) == {"not_sent": 1}
    assert [n.status for n in app.store.get_send(message_id).numbers] == ["not_sent"]
    # put off for half their age, at least 15 minutes: then tried again
    assert reconciler.reconcile(app, now=later + 899) == {}
    assert reconciler.reconcile(app, now=later + 3600)["failed"] == reconciler.BATCH

"""Every SendSms call carries an OutId and leaves one send-log record: numbers by keyed HMAC and
masked, never in clear; the template's values never; the sealed numbers only while unknown."""

import json

import pytest
from functional_support import NOTIFY_TEMPLATE, log_lines
from store_dump import numbers_in, store_text

from shared import SmsError
from shared.sms.requester import asked_by
from shared.sms.send_log import phone_lookup

PHONES = ["13800138000", "13900139000"]
PARAMS = {"name": "张三", "order": "ORD-secret-7731"}


def send(app, phones=PHONES):
    return app.getElement("SMS.Default").sendMessage(phones, PARAMS, NOTIFY_TEMPLATE)


def test_a_sent_message_is_logged_submitted_under_its_out_id(make_app, emulator):
    app = make_app()
    with asked_by("api_key:orders"):
        body = send(app)
    out_id = body["OutId"]
    assert len(out_id) == 24 and int(out_id, 16) >= 0
    assert {m["outId"] for m in emulator.messages()} == {out_id}  # Aliyun got it as the OutId
    record = app.store.get_send(out_id)
    assert (record.biz_id, record.request_id) == (body["BizId"], body["RequestId"])
    assert (record.element, record.template_code, record.requested_by) == ("SMS.Default", NOTIFY_TEMPLATE,
                                                                          "api_key:orders")
    assert [(n.masked, n.status) for n in record.numbers] == [("138****8000", "submitted"),
                                                              ("139****9000", "submitted")]
    assert [n.lookup for n in record.numbers] == [phone_lookup(app.vault, p) for p in PHONES]
    assert record.sealed_numbers is None
    assert [r.message_id for r in app.store.sends_to(phone_lookup(app.vault, PHONES[0]), since=0)] == [out_id]
    stored = store_text(app.settings.store_url)
    assert numbers_in(stored, PHONES) == [] and "ORD-secret-7731" not in stored and "张三" not in stored


def test_a_send_nobody_named_is_requested_by_the_app(make_app):
    app = make_app()
    assert app.store.get_send(send(app)["OutId"]).requested_by == "app"


def test_a_possibly_delivered_send_is_unknown_with_the_numbers_sealed(make_app, emulator):
    app = make_app()
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    with pytest.raises(SmsError) as caught:
        send(app)
    assert caught.value.possibly_delivered
    [record] = app.store.unresolved_sends(created_before=app.store.clock() + 1)
    assert [n.status for n in record.numbers] == ["unknown", "unknown"]
    sealed = json.loads(record.sealed_numbers)
    assert app.vault.open(sealed, context=f"send-log:{record.message_id}") == PHONES
    assert numbers_in(store_text(app.settings.store_url), PHONES) == []


def test_a_send_proven_not_sent_is_not_sent_with_aliyun_s_code(make_app, emulator):
    app = make_app()
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0,
                         "fault": {"type": "error", "code": "isv.AMOUNT_NOT_ENOUGH"}}])
    with pytest.raises(SmsError):
        send(app)
    [record] = app.store.sends_to(phone_lookup(app.vault, PHONES[0]), since=0)
    assert [(n.status, n.err_code) for n in record.numbers] == [("not_sent", "isv.AMOUNT_NOT_ENOUGH")] * 2
    assert record.sealed_numbers is None and record.biz_id is None


def test_a_long_list_logs_one_record_per_call(make_app, emulator):
    app = make_app()
    phones = [f"138{i:08d}" for i in range(1500)]
    result = send(app, phones)
    ids = [batch["OutId"] for batch in result["Batches"]]
    assert len(set(ids)) == 2
    assert sorted(len(app.store.get_send(i).numbers) for i in ids) == [500, 1000]


def test_a_long_list_under_an_idempotency_record_writes_each_call_s_record_at_once(make_app, emulator):
    """A record held for the idempotency write would be lost with the invocation if it died before
    the last call: with several SendSms calls, each one's record is written when the call is done."""
    from shared.store.message_log import deferred_sends

    app = make_app()
    with deferred_sends(app.store) as pending:
        result = send(app, [f"138{i:08d}" for i in range(1500)])
        ids = [batch["OutId"] for batch in result["Batches"]]
        assert pending == []
        assert sorted(len(app.store.get_send(i).numbers) for i in ids) == [500, 1000]


def test_a_store_failure_after_the_send_does_not_make_it_an_error(make_app, emulator, capsys, monkeypatch):
    app = make_app()

    def broken(*args, **kwargs):
        raise RuntimeError("store down while writing 13800138000")

    monkeypatch.setattr(type(app.store), "log_send", broken)
    body = send(app)
    assert body["Code"] == "OK" and len(emulator.messages()) == 2
    [line] = [entry for entry in log_lines(capsys.readouterr().out) if entry["message"] == "sendlog.write failed"]
    assert line["level"] == "ERROR" and line["outId"] == body["OutId"] and line["phones"] == ["138****8000",
                                                                                           "139****9000"]
    assert "13800138000" not in json.dumps(line)

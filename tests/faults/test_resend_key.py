"""The resend after a possibly-delivered send has a record of its own, under a prefix that no caller's
Idempotency-Key can make: a key ending in ":resend" once named it."""

import time

from fc_support import PHONE, auth, body, fc_context, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.reconcile.reconciler import reconcile


def send(key):
    return invoke(handler, http_event(body(), headers=auth(**{"Idempotency-Key": key})))


def test_a_retry_that_must_resend_is_not_answered_by_another_requests_record(service, monkeypatch):
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    runtime.reset()
    # the caller's own request, whose key happens to end in ":resend": texted once
    other = send("order-9:resend")
    assert other["statusCode"] == 200
    assert len(service.messages(phone=PHONE)) == 1

    # another request, same body, key "order-9": the connection drops, possibly delivered
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    first = send("order-9")
    service.set_chaos([])
    assert first["statusCode"] == 503 and first["json"]["error"]["possiblyDelivered"] is True
    assert len(service.messages(phone=PHONE)) == 1  # Aliyun never got it

    app = runtime.app_for(fc_context())
    reconcile(app, now=time.time() + app.settings.reconcile_grace_seconds + 1)  # now known: not_sent

    retry = send("order-9")  # acts on the truth: must text the number Aliyun never got
    assert len(service.messages(phone=PHONE)) == 2, (retry["statusCode"], retry["json"])
    assert retry["json"]["reconciled"]["resent"] == 1



def test_a_resend_under_way_holds_its_key_for_the_function_s_whole_timeout(service, monkeypatch):
    """A resend is a send like the first: its mark is held for the function's timeout (README
    "Idempotency-Key"), so that no retry 60 s into a long resend takes its record over."""
    import threading

    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    runtime.reset()
    service.set_chaos([{"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "drop"}}])
    assert send("slow-resend")["json"]["error"]["possiblyDelivered"] is True
    app = runtime.app_for(fc_context())
    reconcile(app, now=time.time() + app.settings.reconcile_grace_seconds + 1)  # known now: not_sent
    service.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "latency", "ms": 800}}])
    context = fc_context()
    context.function.timeout = 600
    event = http_event(body(), headers=auth(**{"Idempotency-Key": "slow-resend"}))
    answers = []
    resending = threading.Thread(target=lambda: answers.append(invoke(handler, event, context)))
    resending.start()
    try:
        for _ in range(500):  # bounded: until the resend is sending
            if service.stats().get("sms", {}).get("SendSms", 0) >= 2:
                break
            time.sleep(0.01)
        other = invoke(handler, event, context)
    finally:
        resending.join(timeout=30)
    assert answers[0]["json"]["reconciled"]["resent"] == 1
    assert other["statusCode"] == 409 and int(other["headers"]["Retry-After"]) > 60

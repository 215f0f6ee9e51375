"""Chaos against the send log: answers lost after the send, sends dropped, receipts pushed, the
reconciler run, every request retried — and every message accounted for: the log says for each
number what the outbox shows, and the retries leave every number texted exactly once."""

import time

from emulator_push_support import PushReceiver
from fc_support import auth, body, fc_context, http_event, invoke
from receipts_support import TOKEN, use_receipts_token

from functions.receipts.index import handler as receipts_handler
from functions.send_sms.index import handler as send_handler
from shared.elements import runtime
from shared.reconcile.reconciler import reconcile

REQUESTS = 24


def numbers():
    return [f"1380000{i:04d}" for i in range(REQUESTS)]


def send(number):
    event = http_event(body(phoneList=[number]), headers=auth(**{"Idempotency-Key": f"truth-{number}"}))
    return invoke(send_handler, event)


LATENCY_MS = 700  # the slow sends' delay; our client gives up after 300 ms


def settle_outbox(emulator):
    """Sends whose answer our client gave up on finish on the emulator's side: wait (bounded) until
    no message has come for longer than the slow sends' delay, so that none is still on its way."""
    seen = -1
    for _ in range(30):
        count = len(emulator.messages(limit=1000))
        if count == seen:
            return
        seen = count
        time.sleep(LATENCY_MS / 1000 + 0.3)


def test_every_message_is_accounted_for_in_the_outbox_and_the_log(service, monkeypatch):
    emulator = service
    use_receipts_token(emulator, monkeypatch)
    monkeypatch.setenv("SMS_READ_TIMEOUT_MS", "300")
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("SMS_MAX_BODY_BYTES", str(1024 * 1024))  # a pushed batch of receipts is larger than a send
    runtime.reset()
    receiver = PushReceiver()
    try:
        emulator.set_push(reportUrl=receiver.url(f"/report/{TOKEN}"), timeoutMs=5000)
        emulator.set_chaos([
            {"service": "sms", "action": "SendSms", "probability": 0.3, "fault": {"type": "latency", "ms": LATENCY_MS}},
            {"service": "sms", "action": "SendSms", "probability": 0.25, "fault": {"type": "drop"}},
        ])
        first = {number: send(number) for number in numbers()}
        settle_outbox(emulator)
        emulator.set_chaos([])
        lost = [n for n, answer in first.items() if answer["statusCode"] != 200]
        assert all(first[n]["json"]["error"]["possiblyDelivered"] is True for n in lost)
        assert lost and len(lost) < REQUESTS  # the chaos did bite, and not everywhere

        emulator.clock.advance(5)  # past the delivery delay: receipts are pushed
        emulator.drain_pushes()
        for pushed in receiver.received_now():  # Aliyun's pushes reach the receipts function
            answer = invoke(receipts_handler, http_event(pushed.json(), path=pushed.path),
                            fc_context(function="receipts"))
            assert answer["statusCode"] == 200

        app = runtime.app_for(fc_context())
        later = time.time() + app.settings.reconcile_grace_seconds + 1
        reconcile(app, now=later)
        sent_at_first = {m["phone"] for m in emulator.messages(limit=1000)}
        retries = {number: send(number) for number in numbers()}
    finally:
        receiver.close()

    texted = [m["phone"] for m in emulator.messages(limit=1000)]
    assert sorted(texted) == numbers(), "texted twice, or lost"  # every number exactly once, in the end
    for number in numbers():
        first_record = app.store.sends_to(app.vault.lookup(number), since=0)[-1]  # oldest: the first request
        [logged] = first_record.numbers
        if number in sent_at_first:
            assert logged.status == "delivered", (number, logged)  # its receipt was pushed and applied
        else:
            assert logged.status == "not_sent", (number, logged)
        retry = retries[number]
        assert retry["headers"]["Idempotent-Replayed"] == "true"
        if first[number]["statusCode"] == 200:
            assert retry["statusCode"] == 200 and retry["json"] == first[number]["json"]
        else:  # the retry acted on the truth: sent again only what Aliyun never got
            resent = retry["json"]["reconciled"]["resent"]
            assert retry["statusCode"] == 200 and resent == (0 if number in sent_at_first else 1)
    assert app.store.unresolved_sends(created_before=later) == []

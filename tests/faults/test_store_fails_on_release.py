"""Aliyun refused the send (nothing went out), and the store fails as the key is freed: freeing it is
retried, so the key's next request sends instead of being told "possibly delivered" for good."""

import sqlite3
import threading

from fc_support import PHONE, auth, body, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.fc import messages
from shared.idempotency import keys
from shared.store import sqlite_file


def send():
    return invoke(handler, http_event(body(), headers=auth(**{"Idempotency-Key": "refused-store-locked"})))


def test_a_refused_send_whose_first_release_failed_leaves_the_key_free(service, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(messages, "invocation_seconds", lambda context, default: default)  # no FC timeout
    runtime.reset()
    service.set_chaos([  # SendSms takes 0.4 s, then Aliyun refuses it: per-number flow control, nothing sent
        {"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "latency", "ms": 400}},
        {"service": "sms", "action": "SendSms", "count": 1,
         "fault": {"type": "error", "code": "isv.BUSINESS_LIMIT_CONTROL"}},
    ])
    first_try_failed, unlocked = threading.Event(), threading.Event()
    pause = keys._pause

    def pause_after_unlock(attempt):  # the store comes back once the first try has failed
        first_try_failed.set()
        unlocked.wait(timeout=10)
        pause(attempt)

    monkeypatch.setattr(keys, "_pause", pause_after_unlock)

    def lock_while_sending():  # another process holds the SQLite file from the send to the first failed try
        for _ in range(500):  # bounded: at most 5 s
            if service.stats().get("sms", {}).get("SendSms"):
                break
            first_try_failed.wait(timeout=0.01)
        locker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        first_try_failed.wait(timeout=10)
        locker.execute("ROLLBACK")
        locker.close()
        unlocked.set()

    thread = threading.Thread(target=lock_while_sending, daemon=True)
    thread.start()
    try:
        first = send()
    finally:
        first_try_failed.set()
        thread.join(timeout=10)
    assert first["statusCode"] == 429 and first["json"]["error"].get("possiblyDelivered") is not True
    assert service.messages(phone=PHONE) == []  # told "nothing sent", and nothing was
    assert "idempotency.release failed" in capsys.readouterr().out  # the first try did fail

    retry = send()  # at once: the key is free, not held by a lease nor marked "sending"
    assert retry["statusCode"] == 200, retry["json"]
    assert len(service.messages(phone=PHONE)) == 1

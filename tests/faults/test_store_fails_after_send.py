"""The store fails after the SMS went out: the caller hears the truth, and no retry texts again."""

import sqlite3
import threading
import time

import pytest
from fc_support import PHONE, auth, body, http_event, invoke

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.fc import messages
from shared.idempotency import keys
from shared.store import sqlite_file


@pytest.fixture
def slow_send_locked_store(service, tmp_path, monkeypatch):
    """SendSms takes 0.4 s; while it runs, another process's transaction locks the SQLite store
    until the request has answered. Completing the idempotency record then fails ("database is
    locked") however often it is retried."""
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(keys, "LEASE_SECONDS", 2.0)
    monkeypatch.setattr(messages, "invocation_seconds", lambda context, default: default)  # no FC timeout
    runtime.reset()
    service.set_chaos([{"service": "sms", "action": "SendSms", "count": 1, "fault": {"type": "latency", "ms": 400}}])
    answered = threading.Event()

    def lock_while_sending():
        for _ in range(500):  # bounded: at most 5 s
            if service.stats().get("sms", {}).get("SendSms"):
                break
            time.sleep(0.01)
        locker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        answered.wait(timeout=10)
        locker.execute("ROLLBACK")
        locker.close()

    thread = threading.Thread(target=lock_while_sending, daemon=True)
    thread.start()
    yield service, answered
    answered.set()
    thread.join(timeout=10)


def send():
    return invoke(handler, http_event(body(), headers=auth(**{"Idempotency-Key": "store-down-after-send"})))


def test_a_store_failure_after_the_send_never_leads_to_a_second_text(slow_send_locked_store, capsys):
    emulator, answered = slow_send_locked_store
    first = send()
    answered.set()
    assert first["statusCode"] == 200 and first["json"]["result"]["Code"] == "OK"  # the truth: it went out
    assert len(emulator.messages(phone=PHONE)) == 1
    assert "idempotency.record failed" in capsys.readouterr().out

    while_held = send()  # the record still holds its lease
    assert while_held["statusCode"] == 409 and "Retry-After" in while_held["headers"]

    time.sleep(2.1)  # the lease runs out; the record still says a send had started
    after_lease = send()
    assert after_lease["statusCode"] == 409 and after_lease["json"]["error"]["possiblyDelivered"] is True
    assert send()["statusCode"] == 409
    assert len(emulator.messages(phone=PHONE)) == 1 and emulator.stats()["sms"]["SendSms"] == 1

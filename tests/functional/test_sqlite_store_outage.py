"""send_sms on a SQLite store whose file is read-only when a new instance starts: 503 with
``Retry-After`` and nothing texted while it lasts, and the same instance serves again after."""

import os
import sqlite3
from pathlib import Path

import pytest
from fc_support import auth, body, http_event, invoke
from file_fault_support import immutable_unsupported, read_only_connect, unwritable

from functions.send_sms.index import handler
from shared.elements import runtime
from shared.store import sqlite_path


def send(key):
    return invoke(handler, http_event(body(), headers=auth(**{"Idempotency-Key": key})))


@pytest.mark.parametrize("way", ["file", "vfs"], ids=["file-unwritable", "vfs-read-only-fallback"])
def test_a_new_instance_on_a_read_only_store_answers_503_sends_nothing_and_recovers(service, way, monkeypatch):
    assert send("order-1")["statusCode"] == 200  # an earlier instance made the file
    path = Path(sqlite_path(os.environ["SMS_STORE_URL"]))
    if way == "file" and os.geteuid() == 0 and (reason := immutable_unsupported(path.parent)):
        pytest.skip(reason)
    runtime.reset()  # a new instance starts while the file is read-only
    with monkeypatch.context() as patch:
        if way == "vfs":  # the connection SQLite's read-only fallback makes
            patch.setattr(sqlite3, "connect", read_only_connect(sqlite3.connect))
        with unwritable(path) if way == "file" else monkeypatch.context():
            for _ in range(2):
                answer = send("order-2")
                assert answer["statusCode"] == 503 and answer["headers"]["Retry-After"] == "1"
                assert answer["json"]["error"]["code"] == 46003
    assert len(service.messages()) == 1  # nothing texted while the store could not record it
    retry = send("order-2")
    assert retry["statusCode"] == 200 and "Idempotent-Replayed" not in retry["headers"]
    assert send("order-2")["headers"]["Idempotent-Replayed"] == "true"  # and its record was kept
    assert len(service.messages()) == 2

"""The receipts function under bad input, through the real handler: Aliyun's push routes
``POST /report/<token>`` and ``POST /up/<token>``.

Every example answers a 4xx or exactly Aliyun's OK (``{"code": 0, "msg": "接收成功"}``: bad items are
skipped), never a 5xx or a traceback, and no full number reaches a log. A wrong token stores
nothing: no opt-out, no ``apply_receipts`` call.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from fuzz_support import COUNTS, MOBILE, PHONE, context
from hypothesis import example, given
from hypothesis import strategies as st

from functions.receipts.index import handler
from shared.elements import runtime
from shared.store.message_log import ReceiptCounts

TOKEN = "fuzz_receipts_token_" + "0123456789" * 3
OK_BODY = '{"code": 0, "msg": "接收成功"}'
SIGN = "阿里云短信测试"


@pytest.fixture
def receipts(elements, monkeypatch):
    elements.kms_put_secret("sms-fc/receipts-token", TOKEN)
    monkeypatch.setenv("SMS_RECEIPTS_TOKEN_SECRET", "sms-fc/receipts-token")
    runtime.reset()
    app = runtime.app_for(context("receipts"))
    app.store.ping()  # the SQLite file and its tables exist before the first count
    log = RecordingLog(app.store)
    app.__dict__["store"] = log  # the send log's apply_receipts is another change of issue 13: recorded here
    return log


class RecordingLog:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: list[list[Any]] = []

    def apply_receipts(self, receipts: list[Any]) -> ReceiptCounts:
        self.calls.append(receipts)
        return ReceiptCounts(applied=len(receipts))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def opt_outs(store: RecordingLog) -> int:
    with sqlite3.connect(store.store.path) as db:
        return db.execute("SELECT count(*) FROM suppressions").fetchone()[0]


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
                    st.sampled_from(["TD", "退订", " n ", "2026-05-01 10:00:00", "2026-02-30 25:61:00", PHONE,
                                     "+86 138-0013-8000", "13８00138000", "", SIGN, "DELIVERED"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                           max_size=4), max_leaves=12)
REPORT_FIELDS = ("phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "sms_size", "biz_id",
                 "out_id")
UP_FIELDS = ("phone_number", "content", "send_time", "dest_code", "sequence_id", "sign_name")
VALID = {"phone_number": PHONE, "send_time": "2026-05-01 10:00:00", "report_time": "2026-05-01 10:00:05",
         "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "1^0",
         "out_id": "m-1", "content": "TD", "dest_code": "1234", "sequence_id": 1, "sign_name": SIGN}


@st.composite
def item(draw: Any, fields: tuple[str, ...]) -> Any:
    """A push item with some fields wrong, missing or extra; now and then not an object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    data = {name: VALID[name] for name in fields}
    for name in draw(st.lists(st.sampled_from(fields), max_size=3, unique=True)):
        if draw(st.booleans()):
            data[name] = draw(JSON)
        else:
            del data[name]
    if draw(st.booleans()):
        data[draw(st.text(max_size=8))] = draw(JSON)
    return data


@st.composite
def push(draw: Any, fields: tuple[str, ...]) -> tuple[str, str, bytes, dict[str, str]]:
    """(method, token part of the path, body, headers)."""
    token = draw(st.sampled_from([TOKEN, TOKEN, TOKEN, "", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "%00",
                                  TOKEN + "/x", "../" + TOKEN]) | st.text(max_size=60))
    method = draw(st.sampled_from(["POST"] * 8 + ["GET", "PUT", "DELETE"]))
    shape = draw(st.integers(0, 5))
    if shape == 0:
        body = draw(st.binary(max_size=200))
    elif shape == 1:
        body = json.dumps(draw(JSON), ensure_ascii=False).encode()
    else:
        body = json.dumps(draw(st.lists(item(fields), max_size=6)), ensure_ascii=False).encode()
    headers = draw(st.sampled_from([{"Content-Type": "application/json;charset=utf-8"}, {}, {"Content-Type": "x"}]))
    return method, token, body, headers


def fc_event(method: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    import base64

    data = {"version": "v1", "rawPath": path, "headers": headers, "queryParameters": {},
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True,
            "requestContext": {"accountId": "1", "domainName": "x", "requestId": "req-fuzz", "time": "t",
                               "timeEpoch": "0", "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                                          "sourceIp": "127.0.0.1", "userAgent": "fuzz"}}}
    return json.dumps(data).encode()


def check(store: RecordingLog, kind: str, route: str, case: tuple[str, str, bytes, dict[str, str]], capsys) -> None:
    method, token, body, headers = case
    COUNTS[route] += 1
    before = (opt_outs(store), len(store.calls))
    capsys.readouterr()
    answer = handler(fc_event(method, f"/{kind}/{token}", body, headers), context("receipts"))
    out, err = capsys.readouterr()
    status = answer["statusCode"]
    assert status < 500, f"{status}: {answer['body'][:300]}"
    assert (status == 200) == (answer["body"] == OK_BODY), answer["body"][:300]
    if status != 200:
        assert 400 <= status < 500
        assert isinstance(json.loads(answer["body"])["error"]["message"], str)
    for text in (answer["body"], out, err):
        assert "Traceback" not in text
    assert not MOBILE.search(out), "a full number in the logs"
    assert TOKEN not in out and TOKEN not in err
    if token != TOKEN:
        assert status in (404, 405), status
        assert (opt_outs(store), len(store.calls)) == before, "a push with a wrong token stored something"


def test_report_pushes_are_4xx_or_accepted_and_a_wrong_token_stores_nothing(receipts, capsys):
    good = ("POST", TOKEN, json.dumps([{name: VALID[name] for name in REPORT_FIELDS}]).encode(), {})
    run = given(case=push(REPORT_FIELDS))(lambda case: check(receipts, "report", "POST /receipts/report", case,
                                                             capsys))
    example(case=good)(run)()
    assert receipts.calls, "no valid batch reached apply_receipts"


def test_reply_pushes_are_4xx_or_accepted_and_a_wrong_token_stores_nothing(receipts, capsys):
    good = ("POST", TOKEN, json.dumps([{name: VALID[name] for name in UP_FIELDS}]).encode(), {})
    wrong = ("POST", TOKEN[:-1], good[2], {})
    run = given(case=push(UP_FIELDS))(lambda case: check(receipts, "up", "POST /receipts/up", case, capsys))
    example(case=wrong)(example(case=good)(run))()
    assert opt_outs(receipts) >= 1, "no valid opt-out was stored"

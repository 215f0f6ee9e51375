"""Bad requests as FC 3.0 HTTP events, and what every answer to one must be.

A :class:`Case` is one request a caller could make that is wrong in exactly one named way; the
strategies in ``fuzz_strategies`` build them. :func:`refused` sends one through the real
function handler and checks the promise for bad input: a 4xx naming what is wrong, no traceback,
no full number in the logs, and nothing texted.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FULL_KEY = "sk_fuzz_full_access_key_0000000000000000000000"
READ_KEY = "sk_fuzz_read_scope_key_00000000000000000000000"  # scope read: the send-log lookups
PHONE = "13800138000"
SEND_BODY = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "张三", "order": "1024"},
             "phoneList": [PHONE]}
STS = ("STS.TestKeyId00000000000000001", "TestStsSecret00000000000000000001",  # the emulator's default seed
       "TestSecurityToken000000000000000000000001")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")  # a full mainland number, which no log may hold

COUNTS: Counter[str] = Counter()  # inputs sent per route, printed at the end of the session


@dataclass
class Raw:
    """JSON text put into a body as is: ``NaN``, ``Infinity``, an integer of 5,000 digits."""

    text: str


@dataclass
class Case:
    """One bad request and the words one of which its 4xx message must contain."""

    body: Any  # a JSON value (with :class:`Raw` parts), or bytes sent as they are
    expect: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    method: str = "POST"
    path: str | None = None  # None: the route under test
    base64: bool | None = None  # None: plain text; True: base64 of the body; False: ``raw_base64`` as given
    raw_base64: str = ""
    query: dict[str, str] = field(default_factory=dict)  # the event's queryParameters


def encode(value: Any) -> bytes:
    """``value`` as JSON bytes, each :class:`Raw` part written as its text."""
    if isinstance(value, bytes):
        return value
    raws: list[str] = []

    def mark(part: Any) -> Any:
        if isinstance(part, Raw):
            raws.append(part.text)
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(part, dict):
            return {key: mark(item) for key, item in part.items()}
        if isinstance(part, list):
            return [mark(item) for item in part]
        return part

    text = json.dumps(mark(value), ensure_ascii=False)
    for index, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{index}\x00"), raw)
    return text.encode("utf-8")


def event(case: Case, path: str, base: str) -> bytes:
    """The FC 3.0 HTTP trigger event for ``case``, built on ``events/<base>``."""
    data = json.loads((ROOT / "events" / base).read_text(encoding="utf-8"))
    data["headers"] = dict(case.headers)
    data["requestContext"]["http"]["method"] = case.method
    data["requestContext"]["http"]["path"] = data["rawPath"] = case.path or path
    data["queryParameters"] = dict(case.query)
    body = encode(case.body)
    if case.base64 is None and body.isascii() or case.base64 is None and _utf8(body):
        data["body"], data["isBase64Encoded"] = body.decode("utf-8"), False
    elif case.base64 is not False:  # FC hands over a body that is not UTF-8 text in base64
        data["body"], data["isBase64Encoded"] = base64.b64encode(body).decode("ascii"), True
    else:
        data["body"], data["isBase64Encoded"] = case.raw_base64, True
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def context(function: str) -> SimpleNamespace:
    return SimpleNamespace(
        request_id="req-fuzz", region="cn-hangzhou", account_id="1234567890123456",
        credentials=SimpleNamespace(**dict(zip(("access_key_id", "access_key_secret", "security_token"), STS,
                                               strict=True))),
        function=SimpleNamespace(name=function, handler="index.handler", memory=256, timeout=30),
    )


def sent(emulator: Any) -> tuple[int, int]:
    """What reached Aliyun: SendSms calls, and messages in the outbox."""
    return emulator.stats().get("sms", {}).get("SendSms", 0), len(emulator.messages())


def refused(handler: Any, case: Case, *, route: str, path: str, base: str, function: str, emulator: Any,
            capsys: Any) -> dict[str, Any]:
    """Send ``case`` as FC would and check the answer refuses it properly; returns the answer."""
    COUNTS[route] += 1
    before = sent(emulator)
    capsys.readouterr()
    answer = handler(event(case, path, base), context(function))
    out, err = capsys.readouterr()
    status = answer["statusCode"]
    assert 400 <= status < 500, f"{status}: {answer['body'][:500]}"
    assert answer["isBase64Encoded"] is False
    error = json.loads(answer["body"])["error"]
    assert isinstance(error["code"], int) and isinstance(error["message"], str)
    assert any(word in error["message"] for word in case.expect), (case.expect, error["message"][:500])
    for text in (answer["body"], out, err):
        assert "Traceback" not in text and 'File "' not in text
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert lines, "every answer is logged"
    assert all(line["level"] in ("INFO", "WARNING") for line in lines), [line for line in lines if
                                                                         line["level"] not in ("INFO", "WARNING")]
    assert not MOBILE.search(out), "a full number in the logs"
    assert sent(emulator) == before, "a refused request texted someone"
    return answer

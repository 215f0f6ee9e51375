"""Invoking FC handlers as FC 3.0 does: event bytes from events/, and a context object."""

import copy
import json
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
STS = ("STS.TestKeyId00000000000000001", "TestStsSecret00000000000000000001",
       "TestSecurityToken000000000000000000000001")


def load_event(name: str) -> dict:
    return copy.deepcopy(json.loads((ROOT / "events" / name).read_text(encoding="utf-8")))


def fc_context(request_id="req-test-1", function="send_sms"):
    return SimpleNamespace(
        request_id=request_id,
        credentials=SimpleNamespace(access_key_id=STS[0], access_key_secret=STS[1], security_token=STS[2]),
        function=SimpleNamespace(name=function, handler="index.handler", memory=256, timeout=30),
        region="cn-hangzhou",
        account_id="1234567890123456",
    )


def http_event(body=None, *, headers=None, method="POST", path="/messages", raw_body=None, base="http_send_sms.json"):
    event = load_event(base)
    if headers is not None:
        event["headers"] = headers
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["rawPath"] = path
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body, ensure_ascii=False)
    return event


def invoke(handler, event, context=None):
    """Call ``handler`` as FC does and decode the JSON answer."""
    answer = handler(json.dumps(event, ensure_ascii=False).encode("utf-8"), context or fc_context())
    assert set(answer) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert isinstance(answer["body"], str)
    answer["json"] = json.loads(answer["body"]) if answer["body"] else None
    return answer


# The send_sms set-up: keys, a directory, request bodies.
FULL_KEY = "sk_test_full_access_key_000000000000000000000"
LIMITED_KEY = "sk_test_limited_key_0000000000000000000000000"
READER_KEY = "sk_test_send_and_read_key_00000000000000000000"  # scopes send and read
READ_ONLY_KEY = "sk_test_read_only_key_000000000000000000000000"  # scope read
PHONE = "13800138000"
DIRECTORY = {
    "members": [
        {"id": "u1", "name": "张三", "phone": "13800138001", "departments": ["sales"], "roles": ["approver"]},
        {"id": "u2", "name": "李四", "phone": "+86 138-0013-8002", "departments": ["sales-east"]},
        {"id": "u3", "name": "王五", "departments": ["sales"]},
        {"id": "u4", "name": "赵六", "phone": "12345", "roles": ["approver"]},
        {"id": "u5", "name": "孙七", "phone": "13800138005", "departments": ["hr"], "roles": ["approver"]},
    ],
    "departments": [{"id": "sales"}, {"id": "sales-east", "parent": "sales"}, {"id": "hr"}],
    "roles": [{"id": "approver"}],
}


def write(root, path, data):
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, ensure_ascii=False))


def body(**overrides):
    data = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "张三", "order": 1024},
            "phoneList": [PHONE]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def auth(key=FULL_KEY, **extra):
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **extra}

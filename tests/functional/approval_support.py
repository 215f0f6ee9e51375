"""approval_notify set-up: the defaults element, the CC template, delivering events, counting texts."""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from fc_support import fc_context, load_event, write

from functions.approval_notify.index import handler
from shared.elements import runtime

APPROVER_TEMPLATE = "SMS_100000003"  # ${userNick}发起的${processTitle}需要您审批，请及时处理。
CC_TEMPLATE = "SMS_100000006"
CC_TEMPLATE_SEED = {"code": CC_TEMPLATE, "name": "抄送通知", "type": 1, "status": 1,
                    "content": "${userNick}发起的${processTitle}已抄送给您，请知悉。",
                    "variableAttribute": {"userNick": "user_nick", "processTitle": "others"}}
DEFAULTS = {"approver": {"service": "SMS.Default", "templateCode": APPROVER_TEMPLATE},
            "cc": {"service": "SMS.Default", "templateCode": CC_TEMPLATE}}
# The sample approval node names u1 and the role "approver" (u1, u4 without a usable phone, u5).
APPROVERS = {"13800138001", "13800138005"}
SALES = {"13800138001", "13800138002"}  # the CC sample's department "sales" with "sales-east" (u3 has no phone)


def elements_root() -> Path:
    return Path(os.environ["SMS_ELEMENTS_SOURCE"])


def write_defaults(config=None):
    root = elements_root()
    write(root, "Approval/Default/e.json",
          {"title": "approval", "type": "Approval.Defaults", "backendBundleEntry": "."})
    write(root, "Approval/Default/approval.json", DEFAULTS if config is None else config)


def use_store(request, monkeypatch):
    """The store this parametrised test runs on: the service fixture's SQLite file, or a real Redis."""
    if request.param == "redis":
        monkeypatch.setenv("SMS_STORE_URL", request.getfixturevalue("redis_url"))
    runtime.reset()


def approval_event(name="eventbridge_approval_node.json", event_id=None, **data):
    """A sample event (a CloudEvent unless the sample is bare data) with ``data`` fields replaced."""
    event = load_event(name)
    if "specversion" in event:
        event["id"] = event_id or event["id"]
        event["data"].update(data)
    else:
        event.update(data)
    return event


def deliver(event, context=None):
    """Invoke the handler as FC does; the JSON answer's ``events``."""
    raw = event if isinstance(event, bytes) else json.dumps(event, ensure_ascii=False).encode("utf-8")
    answer = handler(raw, context or fc_context(function="approval_notify"))
    assert isinstance(answer, str)
    return json.loads(answer)["events"]


def texted(emulator) -> Counter:
    """How many messages each number got."""
    return Counter(message["phone"] for message in emulator.messages())


def sends(emulator) -> int:
    return emulator.stats().get("sms", {}).get("SendSms", 0)


def fail_next_sends(emulator, monkeypatch, fault, count=1):
    """The next ``count`` SendSms calls fail with ``fault``, each call a single attempt."""
    monkeypatch.setenv("SMS_SEND_MAX_ATTEMPTS", "1")
    runtime.reset()
    emulator.set_chaos([{"service": "sms", "action": "SendSms", "count": count, "fault": fault}])


STORES = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture(params=STORES)
def approvals(request, service, monkeypatch):
    """The approval elements and the CC template, on each store (import it into a test module)."""
    write_defaults()
    service.seed({"sms": {"templates": [CC_TEMPLATE_SEED]}})
    use_store(request, monkeypatch)
    return service

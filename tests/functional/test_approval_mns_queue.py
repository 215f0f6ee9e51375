"""approval_notify behind s.yaml's MNS queue trigger on make dev's stack: messages published to the
local queue sms-fc-approval text the approvers (the emulator's outbox) once; failures are retried,
dead-lettered to sms-fc-approval-dlq and redriven."""

import base64
import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from clock_support import SteppedClock
from fc_runtime_support import mns_messages, mns_send, settle

from emulator.dev import DevStack

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds: a guard against a hang, never a measurement
RAW = json.loads((ROOT / "events" / "raw_approval_node.json").read_text(encoding="utf-8"))  # members: u5
QUEUE, DLQ = "sms-fc-approval", "sms-fc-approval-dlq"


@pytest.fixture
def dev(tmp_path):
    clock = SteppedClock()
    stack = DevStack("127.0.0.1", 0, 0, tmp_path, clock=clock, sleep=clock.sleep, timers=False, streams=False,
                     extra_env={"SMS_SEND_MAX_ATTEMPTS": "1"})
    stack.clock = clock
    yield stack
    stack.stop()


def publish(dev, body, encode=True):
    text = json.dumps(body, ensure_ascii=False)
    text = base64.b64encode(text.encode()).decode() if encode else text  # MNS clients send base64 by default
    return mns_send(dev.functions.endpoint, QUEUE, text)


def drain(dev):
    """Let the trigger's batch window pass, push, and wait for the async invocations."""
    deliveries = dev.functions.streams.tick(dev.clock.now + timedelta(seconds=2))
    settle(dev.functions.runtime)
    return deliveries


def outcomes(dev, source="mns:approval-queue"):
    return dev.functions.runtime.invocations(source=source)


def texted(dev):
    messages = requests.get(f"{dev.emulator.endpoint}/_emulator/sms/messages", timeout=WAIT).json()["messages"]
    return Counter(message["phone"] for message in messages)


def approval(event_id, member):
    return {**RAW, "eventId": event_id, "recipients": {"members": [member], "departments": [], "roles": []}}


def dead_letters(dev):
    return mns_messages(dev.functions.endpoint, DLQ)


def test_a_published_message_texts_the_approvers_once(dev):
    publish(dev, RAW)
    [delivery] = drain(dev)
    assert delivery.status == "pushed"
    [invocation] = outcomes(dev)
    assert invocation.status == "succeeded", invocation.to_dict()
    assert texted(dev) == {"13800138005": 1}
    publish(dev, RAW)  # the workflow sends it again: the same eventId texts nobody
    [again] = drain(dev)
    assert again.status == "pushed"
    assert [r.status for r in outcomes(dev)] == ["succeeded", "succeeded"]  # the second did run, and sent nothing
    assert texted(dev) == {"13800138005": 1}


def test_a_batch_of_several_messages_is_one_invocation(dev):
    ids = [publish(dev, approval(f"wf-batch-{n}", member)) for n, member in enumerate(["u1", "u2", "u5"])]
    [delivery] = drain(dev)
    assert delivery.message_ids == ids
    [invocation] = outcomes(dev)
    assert invocation.status == "succeeded"
    assert texted(dev) == {"13800138001": 1, "13800138002": 1, "13800138005": 1}


@pytest.mark.parametrize(("published_base64", "trigger_decodes"), [(True, True), (False, True), (True, False),
                                                                   (False, False)])
def test_bodies_with_and_without_base64_reach_the_function(dev, published_base64, trigger_decodes):
    [stream] = dev.functions.streams.streams
    stream.trigger = replace(stream.trigger, base64_decode=trigger_decodes)  # s.yaml's IsBase64Decode, flipped
    publish(dev, RAW, encode=published_base64)
    drain(dev)
    assert [r.status for r in outcomes(dev)] == ["succeeded"]
    assert texted(dev) == {"13800138005": 1}


def test_a_failing_invocation_is_retried_dead_lettered_and_redriven(dev):
    chaos = {"rules": [{"service": "sms", "action": "SendSms", "probability": 1,
                        "fault": {"type": "error", "code": "Throttling.User", "status": 400}}]}
    requests.put(f"{dev.emulator.endpoint}/_emulator/chaos", json=chaos, timeout=WAIT).raise_for_status()
    publish(dev, RAW)
    drain(dev)
    [invocation] = outcomes(dev)
    assert invocation.status == "failed" and len(invocation.attempts) == 4  # 1 + maxAsyncRetryAttempts 3
    assert {a["error"]["errorType"] for a in invocation.attempts} == {"RedeliverError"}
    [dead] = dead_letters(dev)
    record = json.loads(dead["MessageBody"])
    assert record["requestContext"]["functionArn"].endswith(":functions/sms-fc-approval-notify")
    assert record["requestContext"]["approximateInvokeCount"] == 4
    assert texted(dev) == {}

    requests.delete(f"{dev.emulator.endpoint}/_emulator/chaos", timeout=WAIT).raise_for_status()
    redriven = requests.post(f"{dev.functions.endpoint}/_mns/queues/{DLQ}/redrive", timeout=WAIT).json()
    assert redriven["total"] == 1 and redriven["redriven"][0]["function"] == "approval_notify"
    drain(dev)
    assert [r.status for r in outcomes(dev, source=f"redrive:{DLQ}")] == ["succeeded"]
    assert texted(dev) == {"13800138005": 1} and dead_letters(dev) == []

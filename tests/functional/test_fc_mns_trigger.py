"""The local FC runtime's MNS queue triggers, FC's async retries and dead letters, on a fake s.yaml."""

import base64
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
import requests
from clock_support import SteppedClock
from fc_runtime_support import fake_stack, mns_messages, mns_send, settle

from emulator.fc.runtime import RetryPolicy

WAIT = 60  # seconds: a guard against a hang, never a measurement
T0 = datetime(2026, 11, 24, 3, 32, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return SteppedClock(T0)


@pytest.fixture
def stack(tmp_path, clock):
    started, _ = fake_stack(tmp_path, clock=clock, sleep=clock.sleep, uniform=lambda low, high: (low + high) / 2)
    started.state = tmp_path / "state"
    yield started
    started.stop()


def send(stack, queue, body):
    return mns_send(stack.endpoint, queue, body)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def messages(stack, queue):
    return mns_messages(stack.endpoint, queue)


def recorded(stack):
    path = stack.state / "recorder.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_full_batch_goes_at_once_as_cloud_events_with_the_bodies_base64_decoded(stack, clock):
    ids = [send(stack, "inbox", b64(json.dumps({"n": n}))) for n in range(4)]
    [delivery] = stack.streams.tick(clock.now)  # 3 of 4 fill CountBasedWindow; the 4th waits for its window
    assert delivery.message_ids == ids[:3] and delivery.status == "pushed"
    [invocation] = settle(stack.runtime)
    assert (invocation.status, invocation.source, invocation.request_id) == ("succeeded", "mns:inbox",
                                                                            delivery.invocation)
    [batch] = recorded(stack)
    assert [event["data"]["messageId"] for event in batch] == ids[:3]
    assert [json.loads(event["data"]["messageBody"]) for event in batch] == [{"n": 0}, {"n": 1}, {"n": 2}]
    first = batch[0]
    assert (first["type"], first["source"], first["aliyuneventbusname"], first["specversion"]) == (
        "mns:Queue:SendMessage", "MNS-fake-recorder-inbox", "MNS-fake-recorder-inbox", "1.0")
    assert first["subject"] == "acs:mns:cn-hangzhou:1234567890123456:queues/inbox"
    assert first["datacontenttype"] == "application/json; charset=utf-8"
    assert set(first["data"]) == {"requestId", "messageId", "messageBody"}
    assert [m["MessageId"] for m in messages(stack, "inbox")] == ids[3:]


def test_a_partial_batch_goes_when_its_time_window_ends(stack, clock):
    ids = [send(stack, "inbox", b64("one")), send(stack, "inbox", b64("two"))]
    assert stack.streams.tick(clock.now + timedelta(seconds=1.9)) == []
    [delivery] = stack.streams.tick(clock.now + timedelta(seconds=2))  # TimeBasedWindow: 2
    assert delivery.message_ids == ids
    settle(stack.runtime)
    assert [event["data"]["messageBody"] for event in recorded(stack)[0]] == ["one", "two"]


def test_without_base64_decode_one_message_goes_alone_and_as_sent(stack, clock):
    message_id = send(stack, "plain", b64("kept as sent"))
    [delivery] = stack.streams.tick(clock.now)
    assert delivery.status == "delivered" and delivery.invocation is None  # synchronous push
    [event] = recorded(stack)  # event-driven: one object, not an array
    assert event["data"] == {**event["data"], "messageId": message_id, "messageBody": b64("kept as sent")}


def test_a_body_that_is_not_base64_goes_as_it_is(stack, clock):
    send(stack, "inbox", '{"plain": "json"}')
    stack.streams.tick(clock.now + timedelta(seconds=2))
    settle(stack.runtime)
    assert recorded(stack)[0][0]["data"]["messageBody"] == '{"plain": "json"}'


def test_an_async_invocation_that_keeps_failing_lands_on_the_destination_queue_and_redrives(stack, clock):
    (stack.state / "recorder-broken").touch()
    send(stack, "inbox", b64("hello"))
    [delivery] = stack.streams.tick(clock.now + timedelta(seconds=2))
    [invocation] = settle(stack.runtime)
    assert invocation.status == "failed" and len(invocation.attempts) == 2  # 1 + maxAsyncRetryAttempts 1
    assert clock.sleeps == [0.5]
    assert delivery.status == "pushed"  # EventBridge's push succeeded: FC accepted the async invocation
    assert messages(stack, "inbox-dlq") == []
    [dead] = messages(stack, "inbox-failed")
    assert invocation.to_dict()["deadLetter"] == {"queue": "inbox-failed", "messageId": dead["MessageId"]}
    record = json.loads(dead["MessageBody"])
    assert record["requestContext"] == {"requestId": invocation.request_id, "condition": "UnhandledInvocationError",
                                        "functionArn": "acs:fc:cn-hangzhou:1234567890123456:functions/fake-recorder",
                                        "approximateInvokeCount": 2}
    assert record["responseContext"] == {"statusCode": 200, "functionError": "UnhandledInvocationError"}
    assert json.loads(record["responsePayload"])["errorMessage"] == "recorder is broken"
    pushed = json.loads(record["requestPayload"])
    assert pushed[0]["data"]["messageBody"] == "hello"

    (stack.state / "recorder-broken").unlink()
    redrive = requests.post(f"{stack.endpoint}/_mns/queues/inbox-failed/redrive", timeout=WAIT).json()
    assert redrive["redriven"][0]["function"] == "recorder"
    [again] = [r for r in settle(stack.runtime) if r.source == "redrive:inbox-failed"]
    assert again.status == "succeeded" and again.request_id == redrive["redriven"][0]["requestId"]
    assert recorded(stack)[-1] == pushed  # the original event, again
    assert messages(stack, "inbox-failed") == []


def test_a_failed_synchronous_push_is_retried_by_the_retry_strategy_then_dead_lettered(stack, clock):
    (stack.state / "recorder-broken").touch()
    message_id = send(stack, "plain", "to the dead letters")
    [delivery] = stack.streams.tick(clock.now)
    assert delivery.status == "dead-lettered" and len(delivery.pushes) == 4  # BACKOFF_RETRY: 3 retries
    assert clock.sleeps == [15.0, 15.0, 15.0]  # 10-20 s at random (the test's "random" is the middle)
    [dead] = messages(stack, "plain-dlq")
    event = json.loads(dead["MessageBody"])  # the event as pushed
    assert (event["type"], event["data"]["messageId"]) == ("mns:Queue:SendMessage", message_id)
    (stack.state / "recorder-broken").unlink()
    answer = requests.post(f"{stack.endpoint}/_mns/queues/plain-dlq/redrive?messageId={dead['MessageId']}",
                           timeout=WAIT)
    assert answer.status_code == 200 and answer.json()["total"] == 1
    assert [r.status for r in settle(stack.runtime)] == ["succeeded"]
    assert recorded(stack)[-1] == event


def test_the_exponential_decay_strategy_doubles_up_to_512_seconds(stack):
    stream = next(s for s in stack.streams.streams if s.trigger.name == "inbox")
    assert [stream._delay(n) for n in (1, 2, 3, 10, 11, 176)] == [1, 2, 4, 512, 512, 512]


def test_an_event_older_than_its_max_age_is_given_up_at_the_next_retry(stack, clock):
    stack.runtime.retry = RetryPolicy(base=700, cap=700)  # one wait takes the event past 600 s
    (stack.state / "recorder-broken").touch()
    stack.runtime.invoke_async("recorder", b'{"old": true}')
    [invocation] = settle(stack.runtime)
    assert invocation.status == "failed" and len(invocation.attempts) == 1
    assert "maxAsyncEventAgeInSeconds" in invocation.reason
    [dead] = messages(stack, "inbox-failed")
    assert json.loads(dead["MessageBody"])["requestContext"]["condition"] == "MaxEventAgeExceeded"


def test_a_lost_instance_is_retried_as_fc_retries_its_own_errors_not_counted(stack, clock):
    stack.runtime.invoke_async("glitchy", b"{}")  # maxAsyncRetryAttempts 0: a function error would not be retried
    [invocation] = settle(stack.runtime)
    assert [a.get("error", {}).get("errorType") for a in invocation.attempts] == ["InstanceFailed",
                                                                                   "InstanceFailed", None]
    assert invocation.status == "succeeded" and clock.sleeps == [0.5, 1.0]  # FC's binary exponential backoff


def test_queues_are_listed_and_unknown_ones_refused(stack):
    queues = {q["name"]: q for q in requests.get(f"{stack.endpoint}/_mns/queues", timeout=WAIT).json()["queues"]}
    assert queues["inbox"]["drainedBy"] == ["recorder/inbox"]
    assert queues["inbox-failed"]["deadLetterQueueOf"] == ["recorder"]
    assert queues["fake-dlq"]["deadLetterQueueOf"] == ["broken"]
    unknown = requests.post(f"{stack.endpoint}/_mns/queues/nope/messages", data=b"x", timeout=WAIT)
    assert unknown.status_code == 404 and unknown.json()["Code"] == "QueueNotExist"
    missing = requests.post(f"{stack.endpoint}/_mns/queues/inbox-dlq/redrive?messageId=NOPE", timeout=WAIT)
    assert missing.status_code == 404 and missing.json()["Code"] == "MessageNotExist"
    send(stack, "inbox-dlq", "not json")
    refused = requests.post(f"{stack.endpoint}/_mns/queues/inbox-failed/redrive", timeout=WAIT)
    assert refused.json()["total"] == 0
    deleted = requests.delete(f"{stack.endpoint}/_mns/queues/inbox-dlq/messages", timeout=WAIT).json()
    assert deleted == {"deleted": 1}


def test_the_command_line_sends_lists_and_redrives(stack, clock, capsys, tmp_path):
    from emulator.fc.__main__ import main

    (tmp_path / "body.json").write_text('{"from": "a file"}')
    assert main(["--endpoint", stack.endpoint, "mns", "send", "inbox", "--file", str(tmp_path / "body.json"),
                 "--base64"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert messages(stack, "inbox") == [{**messages(stack, "inbox")[0], "MessageId": sent["MessageId"],
                                         "MessageBody": b64('{"from": "a file"}')}]
    (stack.state / "recorder-broken").touch()
    stack.streams.tick(clock.now + timedelta(seconds=2))
    settle(stack.runtime)
    assert main(["dlq", "list", "--endpoint", stack.endpoint]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert set(listed) == {"fake-dlq", "inbox-dlq", "inbox-failed", "plain-dlq"} and len(listed["inbox-failed"]) == 1
    (stack.state / "recorder-broken").unlink()
    assert main(["dlq", "redrive", "inbox-failed", "--endpoint", stack.endpoint]) == 0
    assert json.loads(capsys.readouterr().out)["inbox-failed"][0]["function"] == "recorder"
    assert main(["dlq", "list", "nope", "--endpoint", stack.endpoint]) == 1
    assert "QueueNotExist" in capsys.readouterr().err


def test_the_deliveries_answer_while_a_push_waits_out_its_retries(tmp_path, clock):
    waiting, released = threading.Event(), threading.Event()

    def sleep(seconds):  # a retry's wait, held until the test has looked
        waiting.set()
        released.wait(WAIT)

    stack, _ = fake_stack(tmp_path, clock=clock, sleep=sleep, uniform=lambda low, high: (low + high) / 2)
    stack.state = tmp_path / "state"
    try:
        (stack.state / "recorder-broken").touch()
        send(stack, "plain", "to the dead letters")
        pushing = threading.Thread(target=stack.streams.tick, args=(clock.now,))
        pushing.start()
        assert waiting.wait(WAIT)
        answered = []
        reader = threading.Thread(target=lambda: answered.append(stack.streams.deliveries()))
        reader.start()
        reader.join(WAIT)
        assert answered == [[]]  # answered at once (the push is not done yet), not after the retries
    finally:
        released.set()
        pushing.join(WAIT)
        stack.stop()

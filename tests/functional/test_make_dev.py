"""``make dev``'s entry point serves the examples on the local stack, and its walkthrough works as printed."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]


def read_banner(process) -> list[str]:
    lines = []
    while not lines or not lines[-1].startswith("Press Ctrl-C"):
        line = process.stdout.readline()
        assert line, f"make dev ended early: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def section(lines, start):
    """The commands printed under the heading that starts with ``start``, as a shell script."""
    first = next(i for i, text in enumerate(lines) if text.startswith(start)) + 1
    end = next(i for i in range(first + 1, len(lines)) if lines[i] and not lines[i].startswith("  "))
    return "\n".join(text[2:] for text in lines[first:end] if text.strip())


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    """``python -m emulator.dev`` on free ports with its banner, and the shell to run its steps."""
    state = tmp_path_factory.mktemp("dev-state")
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.dev", "--port", "0", "--fc-port", "0", "--state-dir", str(state)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        lines = read_banner(process)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "ALIBABA_CLOUD_"))}

        def run(heading):
            script = section(lines, heading)
            assert "skipped" not in script, script
            done = subprocess.run(["bash", "-c", "set -e\n" + script], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, (script, done.stdout, done.stderr)
            return done.stdout

        yield lines, run
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_banner_lists_every_function_and_its_trigger(dev):
    lines, _ = dev
    text = "\n".join(lines)
    for expected in ("send_sms         HTTP POST", "verification     HTTP POST",
                     "approval_notify  event bus sms-fc-workflow",
                     "config_check     timer daily 'CRON_TZ=Asia/Shanghai 0 0 3 * * *', next "):
        assert expected in text


def test_send_sms_walkthrough_sends_through_the_function_to_the_outbox(dev):
    _, run = dev
    answer = json.loads(run("Send a message through send_sms"))
    assert answer["result"]["Code"] == "OK"
    assert answer["recipients"]["phones"] == 1
    outbox = json.loads(run("See every message"))
    rendered = [m["content"] for m in outbox["messages"] if m["templateCode"] == "SMS_100000002"]
    assert "【阿里云短信测试】您好，张三，您的订单1024已发货。" in rendered


def test_send_log_walkthrough_looks_the_sent_message_up_by_id_and_by_phone(dev):
    _, run = dev
    by_id, by_phone = (json.loads(line) for line in run("Look a sent message up").strip().splitlines())
    assert [(n["phone"], n["status"]) for n in by_id["numbers"]] == [("138****8000", "submitted")]
    assert by_id["requestedBy"] == "api_key:example"
    assert by_phone["phone"] == "138****8000"
    assert by_id["messageId"] in [m["messageId"] for m in by_phone["messages"]]


def test_config_check_walkthrough_runs_the_timer_function_and_writes_its_report(dev):
    _, run = dev
    report = json.loads(run("Run the config check now"))
    assert report["summary"]["errors"] == 0, report["findings"]
    assert "SMS.Default" in report["elements"]
    assert report["writtenTo"].startswith("oss://sms-fc-elements/reports/config-check/")


def test_fc2_walkthrough_invokes_through_the_emulator_invoke_api(dev):
    _, run = dev
    report = json.loads(run("Invoke a function through the emulator's FC API"))
    assert report["summary"]["errors"] == 0
    assert "SMS.Default" in report["elements"]


def test_verification_walkthrough_issues_a_code_and_checks_it(dev):
    _, run = dev
    answers = [json.loads(line) for line in run("Issue a verification code").splitlines() if line.strip()]
    assert answers[0]["expiresIn"] > 0
    assert answers[-1]["verified"] is True


def test_approval_walkthrough_publishes_on_the_bus_and_the_delivery_succeeds(dev):
    lines, run = dev
    output = run("Publish an approval event").splitlines()
    put = json.loads(output[0])
    assert put["FailedEntryCount"] == 0
    event_id = put["EntryList"][0]["EventId"]
    assert event_id == "6c1d0c3e-8b2a-4f6e-9d51-2f0a7b9e4c11"  # the sample event's own id
    functions = next(text for text in lines if text.startswith("  functions (")).rsplit(" ", 1)[1]
    for _ in range(200):  # the delivery is asynchronous: look a bounded number of times
        deliveries = json.loads(urlopen(f"{functions}/_eventbus/sms-fc-workflow/deliveries").read())["deliveries"]
        delivery = next(d for d in deliveries if d["eventId"] == event_id)
        if delivery["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert delivery["status"] == "succeeded", delivery
    assert delivery["function"] == "approval_notify"
    assert delivery["attempts"][0]["ok"] is True


def test_library_walkthrough_sends_without_a_function(dev):
    _, run = dev
    assert "'Code': 'OK'" in run("Send a message from Python")


def wait_for_delivery(functions, event_id, done):
    """Poll the bus's deliveries (a bounded number of times) until ``done(delivery)``."""
    for _ in range(300):
        deliveries = json.loads(urlopen(f"{functions}/_eventbus/sms-fc-workflow/deliveries").read())["deliveries"]
        delivery = next((d for d in deliveries if d["eventId"] == event_id), None)
        if delivery is not None and done(delivery):
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery {event_id} never reached the expected state: {delivery}")


def test_an_approval_whose_sms_fails_is_redelivered_by_the_bus_and_texts_each_approver_once(dev):
    from urllib.request import Request

    lines, _ = dev
    emulator = next(text for text in lines if text.startswith("  emulator (")).rsplit(" ", 1)[1]
    functions = next(text for text in lines if text.startswith("  functions (")).rsplit(" ", 1)[1]

    def call(url, body=None, method="POST"):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        raw = urlopen(request).read()
        return json.loads(raw) if raw else None

    event = json.loads((ROOT / "events" / "eventbridge_approval_node.json").read_text(encoding="utf-8"))
    event["id"] = f"redelivery-{time.time_ns()}"
    event["data"]["processInstanceId"] = event["id"]
    event["data"]["processTitle"] = f"重投{time.time_ns() % 10**6}"  # tells this event's messages apart
    call(f"{emulator}/_emulator/chaos", {"rules": [{"service": "sms", "action": "SendSms", "fault": {
        "type": "error", "code": "Throttling.User", "status": 400}}]}, "PUT")
    try:
        call(f"{functions}/_eventbus/sms-fc-workflow/events", event)
        failing = wait_for_delivery(functions, event["id"], lambda d: d["attempts"] and not d["attempts"][0].get("ok"))
        assert failing["attempts"][0]["ok"] is False
    finally:
        call(f"{emulator}/_emulator/chaos", {"rules": []}, "PUT")
    delivered = wait_for_delivery(functions, event["id"], lambda d: d["status"] in ("succeeded", "failed"))
    assert delivered["status"] == "succeeded" and len(delivered["attempts"]) >= 2, delivered
    outbox = call(f"{emulator}/_emulator/sms/messages?templateCode=SMS_100000003&limit=200", method="GET")
    texted = [m["phone"] for m in outbox["messages"] if event["data"]["processTitle"] in m["content"]]
    assert texted and len(texted) == len(set(texted)), texted


@pytest.mark.parametrize("keep", [False, True])
def test_each_make_dev_starts_with_an_empty_store_unless_asked_to_keep_it(tmp_path, keep):
    from emulator.dev import DevStack

    earlier = tmp_path / "sms-fc.db"
    earlier.write_bytes(b"an earlier run's codes, limits and approval records")
    stack = DevStack("127.0.0.1", 0, 0, tmp_path, keep_state=keep)
    try:
        assert earlier.exists() is keep
    finally:
        stack.stop()


def test_receipt_walkthrough_shows_a_message_going_from_submitted_to_delivered(dev):
    _, run = dev
    before, after = (json.loads(line) for line in run("Watch Aliyun's delivery receipt").strip().splitlines())
    assert [n["status"] for n in before["numbers"]] == ["submitted"]
    assert [n["status"] for n in after["numbers"]] == ["delivered"]
    assert before["messageId"] == after["messageId"]


def test_reply_walkthrough_opts_a_number_out_and_the_next_send_skips_it(dev):
    _, run = dev
    pushed, answer = (json.loads(line) for line in run("A user replies TD").strip().splitlines())
    assert pushed["kind"] == "SmsUp"
    assert answer["recipients"]["suppressed"] == ["139****9000"]
    assert answer["recipients"]["phones"] == 1


def json_values(text):
    """Every JSON value printed one after another (pretty-printed or not)."""
    decoder, values, index = json.JSONDecoder(), [], 0
    while index < len(text.rstrip()):
        while text[index].isspace():
            index += 1
        value, index = decoder.raw_decode(text, index)
        values.append(value)
    return values


def test_mns_walkthrough_publishes_a_base64_message_that_the_queue_trigger_delivers(dev):
    lines, run = dev
    assert any("approval_notify" in text and "MNS queue sms-fc-approval (trigger approval-queue)" in text
               for text in lines)
    sent = json_values(run("Publish an approval message to the MNS queue sms-fc-approval"))[0]
    assert len(sent["MessageId"]) == 32 and len(sent["MessageBodyMD5"]) == 32
    functions = next(text for text in lines if text.startswith("  functions (")).rsplit(" ", 1)[1]
    for _ in range(300):  # the batch window and the invocation: look a bounded number of times
        invocations = json.loads(urlopen(f"{functions}/_fc/invocations?source=mns:approval-queue").read())
        states = [i["status"] for i in invocations["invocations"]]
        if states and states[0] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert states[0] == "succeeded", invocations
    pushes = json.loads(urlopen(f"{functions}/_mns/deliveries").read())["deliveries"]
    assert any(sent["MessageId"] in push["messageIds"] and push["status"] == "pushed" for push in pushes)


def test_dlq_walkthrough_lists_and_redrives_the_dead_letter_queue(dev):
    _, run = dev
    listed, redriven = json_values(run("List the dead-letter queues"))
    assert "sms-fc-approval-dlq" in listed and "sms-fc-approval-dlq" in redriven

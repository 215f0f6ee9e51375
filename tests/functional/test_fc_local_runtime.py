"""The local FC runtime on a fake s.yaml: HTTP triggers, instances, the event bus's retries and the timers."""

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from fc_runtime_support import ROOT, fake_stack

from emulator.fc.events import RoleCredentials
from emulator.fc.timer import TimerScheduler

WAIT = 60  # seconds: a guard against a hang, never a measurement


@pytest.fixture
def stack(tmp_path, monkeypatch):
    monkeypatch.setenv("SMS_FROM_MY_SHELL", "must not reach a function")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "must not reach a function either")
    started, sleeps = fake_stack(tmp_path)
    started.sleeps = sleeps
    started.state = tmp_path / "state"
    yield started
    started.stop()


def test_http_trigger_hands_the_handler_fc_event_and_context(stack):
    answer = requests.post(f"{stack.endpoint}/echo/hello/w%C3%B6rld?x=1&x=2", json={"a": 1},
                           headers={"X-Custom": "c"}, timeout=WAIT)
    assert answer.status_code == 201 and answer.headers["X-Echo"] == "yes"
    seen = answer.json()
    event, context = seen["event"], seen["context"]
    assert event["rawPath"] == "/hello/w%C3%B6rld" and event["requestContext"]["http"]["path"] == "/hello/wörld"
    assert event["queryParameters"] == {"x": "1,2"}
    assert (event["headers"]["X-Custom"], json.loads(event["body"])) == ("c", {"a": 1})
    assert event["requestContext"]["requestId"] == context["request_id"] == answer.headers["X-Fc-Request-Id"]
    assert context["credentials"] == [RoleCredentials().access_key_id, RoleCredentials().access_key_secret,
                                      RoleCredentials().security_token]
    assert context["function"] == {"name": "fake-echo", "handler": "index.handler", "memory": 128, "timeout": 20}
    assert (context["service"], context["region"], context["account_id"]) == ("fake", "cn-hangzhou",
                                                                              "1234567890123456")


def test_each_function_gets_its_s_yaml_environment_with_the_local_overrides(stack):
    env = requests.post(f"{stack.endpoint}/fake-echo/", timeout=WAIT).json()["env"]  # functionName works too
    assert env["FAKE_FROM_TEMPLATE"] == "template" and env["FAKE_OWN"] == "own"
    assert env["SMS_STORE_URL"] == f"sqlite:///{stack.state / 'sms-fc.db'}"  # not s.yaml's production Redis
    assert env["SMS_DYSMS_ENDPOINT"] == env["SMS_KMS_ENDPOINT"] == "http://127.0.0.1:9"
    assert (env["FC_FUNCTION_NAME"], env["FC_INSTANCE_ID"]) == ("fake-echo", "c-local-echo-1")
    assert "SMS_FROM_MY_SHELL" not in env and not any(k.startswith("ALIBABA") for k in env)
    flaky_env = stack.runtime.environment(stack.runtime.find("flaky"))
    assert "FAKE_OWN" not in flaky_env and flaky_env["FC_FUNCTION_NAME"] == "fake-flaky"


def test_a_warm_instance_keeps_its_globals_and_survives_a_raising_handler(stack):
    first = requests.post(f"{stack.endpoint}/echo/", timeout=WAIT).json()
    failed = requests.post(f"{stack.endpoint}/echo/", data="please raise", timeout=WAIT)
    assert failed.status_code == 502 and failed.headers["X-Fc-Error-Type"] == "UnhandledInvocationError"
    assert (failed.json()["errorType"], failed.json()["errorMessage"]) == ("ValueError", "asked to raise")
    assert any("asked to raise" in line for line in failed.json()["stackTrace"])
    third = requests.post(f"{stack.endpoint}/echo/", timeout=WAIT).json()
    assert third["pid"] == first["pid"] and third["calls"] == first["calls"] + 2
    assert stack.runtime.cold_starts("echo") == 1


def test_a_request_arriving_while_the_instance_is_busy_gets_another_instance(stack):
    held = []
    thread = threading.Thread(target=lambda: held.append(requests.post(f"{stack.endpoint}/echo/", data="gate",
                                                                       timeout=WAIT)))
    thread.start()
    for _ in range(1200):  # until the first instance is busy (bounded)
        if (stack.state / "gate-waiting").exists():
            break
        time.sleep(0.05)
    second = requests.post(f"{stack.endpoint}/echo/", timeout=WAIT).json()
    (stack.state / "gate").write_text("open")
    thread.join(WAIT)
    assert held[0].status_code == 201 and held[0].json()["pid"] != second["pid"]
    assert stack.runtime.cold_starts("echo") == 2


def test_a_function_past_its_timeout_is_killed_and_the_next_call_cold_starts(stack):
    before = requests.post(f"{stack.endpoint}/sleepy/", data="quick", timeout=WAIT)
    timed_out = requests.post(f"{stack.endpoint}/sleepy/", data="sleep", timeout=WAIT)
    assert timed_out.status_code == 502
    assert timed_out.json() == {"errorMessage": "Function timed out after 1 seconds", "errorType": "FunctionTimeout"}
    after = requests.post(f"{stack.endpoint}/sleepy/", data="quick", timeout=WAIT)
    assert after.status_code == 200 and after.text != before.text  # another process
    assert stack.runtime.cold_starts("sleepy") == 2


@pytest.mark.parametrize(("method", "path", "status", "code", "words"), [
    ("DELETE", "/echo/", 405, "MethodNotAllowed", "GET, POST"),
    ("POST", "/nope/x", 404, "FunctionNotFound", "s.yaml declares: echo, flaky"),
    ("POST", "/flaky/x", 404, "TriggerNotFound", "flaky has no HTTP trigger"),
    ("POST", "/missing/x", 404, "FunctionNotFound", "functions/missing/index.py does not exist"),
    ("GET", "/_fc/nothing", 404, "PathNotSupported", "/_fc/nothing"),
])
def test_what_cannot_be_served_is_named(stack, method, path, status, code, words):
    answer = requests.request(method, stack.endpoint + path, timeout=WAIT)
    assert answer.status_code == status
    assert answer.json()["errorCode"] == code and words in answer.json()["errorMessage"]


def publish(stack, bus, events):
    answer = requests.post(f"{stack.endpoint}/_eventbus/{bus}/events", json=events, timeout=WAIT)
    assert answer.status_code == 200, answer.text
    return answer.json()


def settled(stack, bus):
    for record in stack.runtime.invocations(source=f"eventbus:{bus}"):
        assert record.done.wait(WAIT)
    return requests.get(f"{stack.endpoint}/_eventbus/{bus}/deliveries", timeout=WAIT).json()["deliveries"]


def test_a_delivery_that_fails_twice_then_succeeds_takes_three_attempts(stack):
    put = publish(stack, "flaky-bus", {"id": "evt-1", "source": "test", "type": "approval", "data": {"n": 1}})
    assert put["FailedEntryCount"] == 0 and put["EntryList"][0]["EventId"] == "evt-1"
    [delivery] = settled(stack, "flaky-bus")
    assert (delivery["status"], delivery["eventId"], delivery["function"]) == ("succeeded", "evt-1", "flaky")
    assert [a["ok"] for a in delivery["attempts"]] == [False, False, True]
    assert [a.get("error", {}).get("errorMessage") for a in delivery["attempts"]] == [
        "flaky attempt 1", "flaky attempt 2", None]
    assert stack.sleeps == [0.5, 1.0]  # bounded exponential backoff before each retry
    delivered = json.loads((stack.state / "flaky-evt-1.event").read_text())
    assert (delivered["aliyuneventbusname"], delivered["specversion"], delivered["data"]) == ("flaky-bus", "1.0",
                                                                                            {"n": 1})
    request_ids = {(stack.state / f"flaky-evt-1.request-{n}").read_text() for n in (1, 2, 3)}
    assert request_ids == {delivery["requestId"]}  # one request id across retries, as FC keeps it


def test_a_delivery_that_keeps_failing_is_recorded_failed_after_every_attempt(stack):
    publish(stack, "broken-bus", [{"source": "test", "type": "approval"}])
    [delivery] = settled(stack, "broken-bus")
    assert delivery["status"] == "failed" and delivery["maxAttempts"] == 3  # 1 + maxAsyncRetryAttempts 2
    assert [a["error"]["errorMessage"] for a in delivery["attempts"]] == ["always broken"] * 3
    assert delivery["onFailureDestination"] == "acs:mns:cn-hangzhou::/queues/fake-dlq/messages"
    assert stack.sleeps == [0.5, 1.0]


def test_a_target_without_code_fails_at_once_without_retries(stack):
    publish(stack, "missing-bus", {"source": "test", "type": "approval"})
    [delivery] = settled(stack, "missing-bus")
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 1
    assert "functions/missing/index.py does not exist" in delivery["reason"]
    assert stack.sleeps == []


def test_put_events_refuses_bad_input_event_by_event(stack):
    unknown = requests.post(f"{stack.endpoint}/_eventbus/nobus/events", json={}, timeout=WAIT)
    assert unknown.status_code == 404 and unknown.json()["Code"] == "EventBusNotExist"
    garbage = requests.post(f"{stack.endpoint}/_eventbus/flaky-bus/events", data=b"{not json", timeout=WAIT)
    assert garbage.status_code == 400 and garbage.json()["Code"] == "InvalidArgument"
    put = publish(stack, "flaky-bus", [{"id": "bad", "type": "approval"}, {"id": "good", "source": "s", "type": "t"}])
    assert put["FailedEntryCount"] == 1
    assert put["EntryList"][0] == {"EventId": "bad", "ErrorCode": "InvalidArgument",
                                   "ErrorMessage": "source is required"}
    assert [d["eventId"] for d in settled(stack, "flaky-bus")] == ["good"]


def test_the_timer_fires_on_its_cron_with_a_controlled_clock(stack):
    scheduler = TimerScheduler(stack.runtime, clock=lambda: datetime(2026, 11, 24, tzinfo=timezone.utc))
    scheduler.arm(datetime(2026, 11, 24, 18, 59, 59, tzinfo=timezone.utc))
    assert scheduler.tick(datetime(2026, 11, 24, 18, 59, 59, 900000, tzinfo=timezone.utc)) == []
    [fired] = scheduler.tick(datetime(2026, 11, 24, 19, 0, 0, 300000, tzinfo=timezone.utc))  # 03:00 in Shanghai
    assert fired.done.wait(WAIT) and fired.status == "succeeded" and fired.source == "timer:daily"
    event = json.loads((stack.state / "ticker-2026-11-24T190000Z.json").read_text())
    assert event == {"triggerTime": "2026-11-24T19:00:00Z", "triggerName": "daily", "payload": '{"check": "all"}'}
    assert scheduler.timers[0].next_at == datetime(2026, 11, 25, 19, 0, tzinfo=timezone.utc)
    assert scheduler.tick(datetime(2026, 11, 24, 19, 0, 1, tzinfo=timezone.utc)) == []


def test_the_timer_thread_reads_the_injected_clock_and_waits_through_the_injected_wait(stack):
    now = [datetime(2026, 11, 24, 18, 59, 58, 500000, tzinfo=timezone.utc)]
    naps = []

    def wait(seconds):
        naps.append(seconds)
        now[0] += timedelta(seconds=seconds)
        return bool(stack.runtime.invocations()) or len(naps) > 100  # stop once the timer has fired

    scheduler = TimerScheduler(stack.runtime, clock=lambda: now[0], wait=wait).start()
    scheduler.join(WAIT)
    [fired] = stack.runtime.invocations(source="timer:daily")
    assert fired.done.wait(WAIT) and fired.status == "succeeded"
    assert (stack.state / "ticker-2026-11-24T190000Z.json").exists()
    assert naps[:2] == [1.0, 0.5] and len(naps) == 3  # at most a second at a time, then exactly up to 19:00:00


def test_a_timer_function_runs_on_demand_with_its_payload_or_another(stack):
    answer = requests.post(f"{stack.endpoint}/_fc/timer/ticker", timeout=WAIT)
    assert answer.status_code == 200 and answer.json() == {"ran": "daily", "payload": {"check": "all"}}
    assert answer.headers["X-Fc-Request-Id"].startswith("1-")
    other = requests.post(f"{stack.endpoint}/_fc/timer/ticker?trigger=daily", data='{"check": "one"}', timeout=WAIT)
    assert other.json() == {"ran": "daily", "payload": {"check": "one"}}
    none = requests.post(f"{stack.endpoint}/_fc/timer/echo", timeout=WAIT)
    assert none.status_code == 404 and "echo has no timer trigger" in none.json()["errorMessage"]


def test_the_index_lists_functions_triggers_and_buses(stack):
    index = requests.get(stack.endpoint + "/", timeout=WAIT).json()
    by_name = {f["resource"]: f for f in index["functions"]}
    assert by_name["echo"]["http"] == {"path": "/echo/", "methods": ["GET", "POST"]}
    assert by_name["missing"]["available"] is False and by_name["echo"]["available"] is True
    assert by_name["ticker"]["timers"][0]["cron"] == "CRON_TZ=Asia/Shanghai 0 0 3 * * *"
    assert index["buses"]["flaky-bus"] == ["flaky"]
    assert str(ROOT) == stack.runtime.environment(stack.runtime.find("echo"))["PYTHONPATH"]

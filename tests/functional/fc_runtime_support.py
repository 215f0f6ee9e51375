"""A tiny fake s.yaml project for the local FC runtime: functions that echo, fail, time out or are missing."""

import textwrap
from pathlib import Path

from emulator.fc.runtime import RetryPolicy
from emulator.fc.stack import LocalStack, StackOptions

WAIT = 60  # seconds: a guard against a hang, never a measurement

ROOT = Path(__file__).resolve().parents[2]

S_YAML = """
edition: 3.0.0
name: fake
vars:
  region: cn-hangzhou
template:
  base:
    region: ${vars.region}
    runtime: python3.10
    handler: index.handler
    memorySize: 128
    timeout: 20
    environmentVariables:
      FAKE_FROM_TEMPLATE: template
      SMS_STORE_URL: redis://production-only:6379/0
resources:
  echo:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-echo
      code: ./functions/echo
      environmentVariables:
        FAKE_OWN: own
      triggers:
        - {triggerName: http, triggerType: http, triggerConfig: {authType: anonymous, methods: [GET, POST]}}
  flaky:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-flaky
      code: ./functions/flaky
      asyncInvokeConfig: {maxAsyncRetryAttempts: 3}
  broken:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-broken
      code: ./functions/broken
      asyncInvokeConfig:
        maxAsyncRetryAttempts: 2
        destinationConfig: {onFailure: {destination: "acs:mns:cn-hangzhou::/queues/fake-dlq/messages"}}
  sleepy:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-sleepy
      code: ./functions/sleepy
      timeout: 1
      triggers:
        - {triggerName: http, triggerType: http, triggerConfig: {authType: anonymous, methods: [POST]}}
  ticker:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-ticker
      code: ./functions/ticker
      triggers:
        - triggerName: daily
          triggerType: timer
          triggerConfig:
            cronExpression: "CRON_TZ=Asia/Shanghai 0 0 3 * * *"
            enable: true
            payload: '{"check": "all"}'
  recorder:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-recorder
      code: ./functions/recorder
      asyncInvokeConfig:
        maxAsyncRetryAttempts: 1
        maxAsyncEventAgeInSeconds: 600
        destinationConfig: {onFailure: {destination: "acs:mns:cn-hangzhou::/queues/inbox-failed/messages"}}
      triggers:
        - triggerName: inbox
          triggerType: eventbridge
          triggerConfig:
            asyncInvocationType: true
            eventSourceConfig:
              eventSourceType: MNS
              eventSourceParameters: {sourceMNSParameters: {QueueName: inbox, IsBase64Decode: true}}
            eventSinkConfig: {deliveryOption: {mode: event-streaming, eventSchema: CloudEvents}}
            runOptions:
              mode: event-streaming
              errorsTolerance: ALL
              retryStrategy:
                {PushRetryStrategy: EXPONENTIAL_DECAY_RETRY, MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 176}
              deadLetterQueue: {Arn: "acs:mns:cn-hangzhou:1234567890123456:/queues/inbox-dlq"}
              batchWindow: {CountBasedWindow: 3, TimeBasedWindow: 2}
        - triggerName: plain
          triggerType: eventbridge
          triggerConfig:
            asyncInvocationType: false
            eventSourceConfig:
              eventSourceType: MNS
              eventSourceParameters: {sourceMNSParameters: {QueueName: plain, IsBase64Decode: false}}
            runOptions:
              deadLetterQueue: {Arn: "acs:mns:cn-hangzhou:1234567890123456:/queues/plain-dlq"}
  glitchy:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-glitchy
      code: ./functions/glitchy
      asyncInvokeConfig: {maxAsyncRetryAttempts: 0}
  missing:
    component: fc3
    extend: {name: base}
    props:
      functionName: fake-missing
      code: ./functions/missing
      triggers:
        - {triggerName: http, triggerType: http, triggerConfig: {authType: anonymous, methods: [POST]}}
"""

FUNCTIONS = {
    "echo": """
        import base64
        import contextlib
        import fcntl
        import json
        import os
        import pathlib
        import stat
        import time

        CALLS = {"count": 0}  # module state: survives between calls of a warm instance


        def handler(event, context):
            CALLS["count"] += 1
            data = json.loads(event) if event else None
            http = isinstance(data, dict) and "requestContext" in data
            body = data["body"] if http else ""
            if http and data["isBase64Encoded"]:
                body = base64.b64decode(body).decode()
            if "raise" in body or (not http and isinstance(data, dict) and data.get("raise")):
                raise ValueError("asked to raise")
            if "garble" in body:  # a line that is not an answer on the worker's answer pipe (a pipe written to)
                for fd in map(int, os.listdir("/proc/self/fd")):
                    with contextlib.suppress(OSError):
                        if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode) and (
                                fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY):
                            os.write(fd, b"garbled\\n")
            if "gate" in body:  # hold this instance until the test opens the gate
                state = pathlib.Path(os.environ["FAKE_STATE_DIR"])
                (state / "gate-waiting").touch()
                for _ in range(300):
                    if (state / "gate").exists():
                        break
                    time.sleep(0.05)
            print("echo printed this")  # the function's stdout is its log, not its answer
            seen = {
                "event": data,
                "context": {"request_id": context.request_id,
                            "credentials": [context.credentials.access_key_id, context.credentials.access_key_secret,
                                            context.credentials.security_token],
                            "function": vars(context.function), "service": context.service.name,
                            "region": context.region, "account_id": context.account_id},
                "env": {k: v for k, v in os.environ.items() if k.startswith(("SMS_", "FAKE_", "FC_", "ALIBABA"))},
                "pythonpath": os.environ.get("PYTHONPATH"),
                "calls": CALLS["count"],
                "pid": os.getpid(),
            }
            if http:
                return {"statusCode": 201, "headers": {"content-type": "application/json", "x-echo": "yes"},
                        "body": json.dumps(seen), "isBase64Encoded": False}
            return seen
    """,
    "flaky": """
        import json
        import os
        import pathlib


        def handler(event, context):
            data = json.loads(event)
            state = pathlib.Path(os.environ["FAKE_STATE_DIR"])
            counter = state / ("flaky-" + data["id"])
            count = int(counter.read_text()) + 1 if counter.exists() else 1
            counter.write_text(str(count))
            (state / ("flaky-" + data["id"] + ".event")).write_bytes(event)
            (state / ("flaky-" + data["id"] + ".request-" + str(count))).write_text(context.request_id)
            if count <= 2:
                raise RuntimeError("flaky attempt " + str(count))
            return "ok"
    """,
    "broken": """
        def handler(event, context):
            raise RuntimeError("always broken")
    """,
    "sleepy": """
        import base64
        import json
        import os
        import time


        def handler(event, context):
            if base64.b64decode(json.loads(event)["body"]) == b"sleep":
                time.sleep(30)
            return {"statusCode": 200, "body": str(os.getpid())}
    """,
    "recorder": """
        import json
        import os
        import pathlib


        def handler(event, context):
            state = pathlib.Path(os.environ["FAKE_STATE_DIR"])
            with open(state / "recorder.jsonl", "a", encoding="utf-8") as log:
                log.write(event.decode("utf-8") + "\\n")
            if (state / "recorder-broken").exists():
                raise RuntimeError("recorder is broken")
            data = json.loads(event)
            return {"seen": len(data) if isinstance(data, list) else 1}
    """,
    "glitchy": """
        import contextlib
        import fcntl
        import os
        import pathlib
        import stat


        def handler(event, context):
            counter = pathlib.Path(os.environ["FAKE_STATE_DIR"]) / "glitchy"
            count = int(counter.read_text()) + 1 if counter.exists() else 1
            counter.write_text(str(count))
            if count <= 2:  # the answer pipe gets a line that is not an answer: the runtime loses the instance
                for fd in map(int, os.listdir("/proc/self/fd")):
                    with contextlib.suppress(OSError):
                        if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode) and (
                                fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY):
                            os.write(fd, b"garbled\\n")
            return count
    """,
    "ticker": """
        import json
        import os
        import pathlib


        def handler(event, context):
            data = json.loads(event)
            stamp = data["triggerTime"].replace(":", "")
            (pathlib.Path(os.environ["FAKE_STATE_DIR"]) / ("ticker-" + stamp + ".json")).write_bytes(event)
            return {"ran": data["triggerName"], "payload": json.loads(data["payload"])}
    """,
}


def write_project(base: Path) -> Path:
    """The fake project under ``base``; returns its s.yaml."""
    for name, source in FUNCTIONS.items():
        folder = base / "functions" / name
        folder.mkdir(parents=True)
        (folder / "index.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    s_yaml = base / "s.yaml"
    s_yaml.write_text(S_YAML, encoding="utf-8")
    return s_yaml


class Sleeps(list):
    """A sleep that records the delays instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


def fake_stack(base: Path, emulator_endpoint: str = "http://127.0.0.1:9", **options) -> tuple[LocalStack, Sleeps]:
    sleeps = Sleeps()
    (base / "state").mkdir(exist_ok=True)
    settings = {
        "s_yaml": write_project(base), "root": ROOT, "elements": base / "elements", "state_dir": base / "state",
        "buses": {"flaky-bus": ["flaky"], "broken-bus": ["broken"], "missing-bus": ["missing"]},
        "retry": RetryPolicy(base=0.5, cap=4.0), "sleep": sleeps, "timers": False, "streams": False,
        "extra_env": {"FAKE_STATE_DIR": str(base / "state")}, **options,
    }
    return LocalStack(emulator_endpoint, StackOptions(**settings)).start(), sleeps


def mns_send(endpoint: str, queue: str, text: str) -> str:
    """Publish ``text`` on a local MNS queue of the runtime at ``endpoint``; its MessageId."""
    import requests

    answer = requests.post(f"{endpoint}/_mns/queues/{queue}/messages", data=text.encode(), timeout=WAIT)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["MessageId"])


def mns_messages(endpoint: str, queue: str) -> list[dict]:
    """The messages waiting on a local MNS queue."""
    import requests

    return list(requests.get(f"{endpoint}/_mns/queues/{queue}/messages", timeout=WAIT).json()["messages"])


def settle(runtime) -> list:
    """Wait for every invocation the runtime has started; all of them, done."""
    for record in runtime.invocations():
        assert record.done.wait(WAIT)
    return runtime.invocations()

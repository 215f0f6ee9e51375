"""``make dev``'s banner: where everything listens, then copy-paste steps, one section per function.

Each section is a heading line and commands indented by two spaces (tests run them as shell
scripts). A function whose code does not exist yet gets a one-line note instead of commands.
"""

from __future__ import annotations

from pathlib import Path

from emulator.fc.events import iso_utc
from emulator.fc.stack import LocalStack

PHONE = "13800138000"
CODE_PHONE = "13800138001"
REPLY_PHONE = "13900139000"
API_KEY = "sk_example_replace_me"  # its SHA-256 is in examples/emulator-seed.json (KMS sms-fc/api-keys)
MESSAGE = ('{"service": "SMS.Default", "templateCode": "SMS_100000002", '
           f'"params": {{"name": "张三", "order": "1024"}}, "phoneList": ["{PHONE}"]}}')
MESSAGE_TO_BOTH = MESSAGE.replace(f'["{PHONE}"]', f'["{PHONE}", "{REPLY_PHONE}"]')


def walkthrough(emulator: str, stack: LocalStack, *, python: str, elements: Path, access_key: tuple[str, str],
                root: Path) -> str:
    fc = stack.endpoint
    runtime = stack.runtime
    lines = ["sms-fc local stack",
             f"  emulator (Dysmsapi, KMS, OSS, FC invoke API): {emulator}",
             f"  outbox: {emulator}/_emulator/outbox (page), {emulator}/_emulator/sms/messages (JSON)",
             f"  functions (s.yaml on a local FC runtime): {fc}"]
    for spec in runtime.project.functions.values():
        lines.append(f"    {spec.resource:<16} {_describe(spec.resource, stack)}")
    lines += [f"  async invocations (timers, event bus, MNS triggers, invoke API): {fc}/_fc/invocations",
              f"  MNS queues (trigger sources, dead letters): {fc}/_mns/queues",
              f"  elements: {_short(elements, root)}   store: {runtime.overrides.get('SMS_STORE_URL', '')}", ""]

    def section(title: str, function: str | None, commands: list[str]) -> None:
        lines.append(title)
        lines.append("")
        spec = runtime.project.find(function) if function else None
        problem = spec.missing_code() if spec else None
        body = [f"(skipped: {problem})"] if problem else commands
        lines.extend(f"  {command}" for command in body)
        lines.append("")

    section("Send a message through send_sms (POST /messages with the example API key):", "send_sms", [
        f"curl -s -w '\\n' -X POST {fc}/send_sms/messages -H 'Authorization: Bearer {API_KEY}' \\",
        f"  -H 'Content-Type: application/json' -d '{MESSAGE}'",
    ])
    section("Look a sent message up in the send log (GET /messages, the example key has the read scope):",
            "send_sms", [
                f"ID=$(curl -s -X POST {fc}/send_sms/messages -H 'Authorization: Bearer {API_KEY}' \\",
                f"  -H 'Content-Type: application/json' -d '{MESSAGE}' \\",
                f"  | {python} -c 'import json,sys; print(json.load(sys.stdin)[\"messageIds\"][0])')",
                f"curl -s -w '\\n' {fc}/send_sms/messages/$ID -H 'Authorization: Bearer {API_KEY}'",
                f"curl -s -w '\\n' '{fc}/send_sms/messages?phone={PHONE}' -H 'Authorization: Bearer {API_KEY}'",
            ])
    section("Watch Aliyun's delivery receipt settle it (pushed to the receipts function): submitted, then delivered:",
            "receipts", [
                f"ID=$(curl -s -X POST {fc}/send_sms/messages -H 'Authorization: Bearer {API_KEY}' \\",
                f"  -H 'Content-Type: application/json' -d '{MESSAGE}' \\",
                f"  | {python} -c 'import json,sys; print(json.load(sys.stdin)[\"messageIds\"][0])')",
                f"curl -s -w '\\n' {fc}/send_sms/messages/$ID -H 'Authorization: Bearer {API_KEY}'",
                f"sleep 4; curl -s -w '\\n' {fc}/send_sms/messages/$ID -H 'Authorization: Bearer {API_KEY}'",
            ])
    section("A user replies TD: the number opts out, and the next notification skips it (suppressed):",
            "receipts", [
                f"curl -s -w '\\n' -X POST {emulator}/_emulator/sms/replies -H 'Content-Type: application/json' \\",
                f"  -d '{{\"phone\": \"{REPLY_PHONE}\", \"content\": \"TD\", \"signName\": \"阿里云短信测试\"}}'",
                f"sleep 1; curl -s -w '\\n' -X POST {fc}/send_sms/messages -H 'Authorization: Bearer {API_KEY}' \\",
                f"  -H 'Content-Type: application/json' -d '{MESSAGE_TO_BOTH}'",
            ])
    section("Issue a verification code, read it in the outbox, check it (verification):", "verification", [
        f"curl -s -w '\\n' -X POST {fc}/verification/codes -H 'Content-Type: application/json' \\",
        f"  -d '{{\"phone\": \"{CODE_PHONE}\", \"purpose\": \"login\"}}'",
        f"CODE=$(curl -s '{emulator}/_emulator/sms/messages?phone={CODE_PHONE}&templateCode=SMS_100000001&limit=1' \\",
        f"  | {python} -c 'import json,sys; print(json.load(sys.stdin)[\"messages\"][0][\"params\"][\"code\"])')",
        f"curl -s -w '\\n' -X POST {fc}/verification/codes/verify -H 'Content-Type: application/json' \\",
        f"  -d '{{\"phone\": \"{CODE_PHONE}\", \"purpose\": \"login\", \"code\": \"'$CODE'\"}}'",
    ])
    bus = next(iter(stack.bus.targets), "sms-fc-workflow")
    section(f"Publish an approval event on the bus {bus} (approval_notify, retried as s.yaml says):",
            "approval_notify", [
                f"curl -s -w '\\n' -X POST {fc}/_eventbus/{bus}/events -H 'Content-Type: application/json' \\",
                "  -d @events/eventbridge_approval_node.json",
                f"sleep 1; curl -s -w '\\n' {fc}/_eventbus/{bus}/deliveries",
            ])
    stream = next((s for s in stack.streams.streams if s.spec.resource == "approval_notify"), None)
    queue, trigger = (stream.trigger.queue, stream.trigger.name) if stream else ("sms-fc-approval", "approval-queue")
    section(f"Publish an approval message to the MNS queue {queue} (base64, as MNS clients send it; the "
            "trigger pushes batches of up to 10 messages or 2 s):", "approval_notify", [
                f"{python} -m emulator.fc --endpoint {fc} mns send {queue} --base64 \\",
                "  --file events/raw_approval_node.json",
                f"sleep 3; curl -s -w '\\n' '{fc}/_fc/invocations?source=mns:{trigger}'",
            ])
    section("List the dead-letter queues (what failed after FC's retries), and redrive them once the cause is fixed:",
            "approval_notify", [
                f"{python} -m emulator.fc --endpoint {fc} dlq list",
                f"{python} -m emulator.fc --endpoint {fc} dlq redrive",
            ])
    section("Run the config check now, as its timer would (config_check):", "config_check", [
        f"curl -s -w '\\n' -X POST {fc}/_fc/timer/config_check",
    ])
    key_id, secret = access_key
    section("Invoke a function through the emulator's FC API with the fc2 SDK:", "config_check", [
        f"ALIBABA_CLOUD_ACCESS_KEY_ID={key_id} ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret} \\",
        f"  {python} -m tools.cli invoke config_check --event events/timer_config_check.json --endpoint {emulator}",
    ])
    section("Send a message from Python (the library, no function):", None, [
        f"SMS_DYSMS_ENDPOINT={emulator} {python} -c 'from shared import App; print(App.from_env()"
        f".getElement(\"SMS.Default\").sendMessage([\"{PHONE}\"], {{\"code\": \"1234\"}}, \"SMS_100000001\"))'",
    ])
    section("See every message in the outbox:", None, [f"curl -s -w '\\n' {emulator}/_emulator/sms/messages"])
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _describe(resource: str, stack: LocalStack) -> str:
    spec = stack.runtime.find(resource)
    problem = spec.missing_code()
    if problem:
        return f"not available: {problem}"
    parts = []
    if spec.http:
        parts.append(f"HTTP {', '.join(spec.http.methods)} {stack.endpoint}/{spec.resource}/...")
    for timer in stack.timers.timers:
        if timer.spec is spec:
            upcoming = f", next {iso_utc(timer.next_at)}" if timer.next_at else ""
            parts.append(f"timer {timer.trigger.name} '{timer.trigger.cron}'{upcoming}; "
                         f"now: POST {stack.endpoint}/_fc/timer/{spec.resource}")
    buses = [bus for bus, targets in stack.bus.targets.items() if spec.resource in targets]
    parts += [f"event bus {bus}: POST {stack.endpoint}/_eventbus/{bus}/events" for bus in buses]
    parts += [f"MNS queue {t.queue} (trigger {t.name}): POST {stack.endpoint}/_mns/queues/{t.queue}/messages"
              for t in spec.mns_triggers]
    return "; ".join(parts) or "invoke API only"


def _short(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

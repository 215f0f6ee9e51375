"""``make dev``'s entry point serves the example seed, and its walkthrough works as printed."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def read_banner(process) -> list[str]:
    lines = []
    while not lines or not lines[-1].startswith("Press Ctrl-C"):
        line = process.stdout.readline()
        assert line, f"make dev ended early: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def section(lines, start, end):
    """The commands printed between two headings, as a shell script."""
    body = lines[next(i for i, text in enumerate(lines) if text.startswith(start)) + 1:
                 next(i for i, text in enumerate(lines) if text.startswith(end))]
    return "\n".join(text[2:] if text.startswith("  ") else text for text in body)


def test_dev_walkthrough_sends_a_message_that_reaches_the_outbox():
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.dev", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        lines = read_banner(process)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMS_")}  # the embedded defaults
        send = subprocess.run(["bash", "-c", section(lines, "Send a message", "Then see it")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert "'Code': 'OK'" in send.stdout, send.stderr
        outbox = subprocess.run(["bash", "-c", section(lines, "Then see it", "Press Ctrl-C")],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        messages = json.loads(outbox.stdout)
        assert messages["total"] == 1
        assert messages["messages"][0]["content"] == "【阿里云短信测试】您的验证码为1234，5分钟内有效。"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0

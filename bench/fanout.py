"""Fan-out: 10,000 numbers while the emulator adds 100 ms to every SendSms; RUNS times, as the target
holds for every run (10 calls of 1,000, 10 at a time: 0.1 s is the ideal)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Figure, control, emulator_process, write_element

NUMBERS = [f"139{i:08d}" for i in range(10_000)]
LATENCY_MS = 100
RUNS = 5
TARGET = 0.25


def _timed_send(concurrency: int, endpoint: str, tmp: str) -> float:
    from shared import App
    from shared.settings import Settings

    control(endpoint, "DELETE", "sms/messages")
    settings = Settings.from_env()
    app = App(settings._replace(send_concurrency=concurrency))
    element = app.getElement("SMS.Bench")
    element.sendMessage(["13800138000"], {"name": "warm-up", "order": "0"}, "SMS_100000002")  # imports, one connection
    start = time.perf_counter()
    result = element.sendMessage(NUMBERS, {"name": "bench", "order": str(concurrency)}, "SMS_100000002")
    elapsed = time.perf_counter() - start
    assert result["Code"] == "OK" and len(result["Batches"]) == 10, result.get("Code")
    return elapsed


def run() -> list[Figure]:
    from shared.log import set_stream

    set_stream(open("/dev/null", "w"))  # noqa: SIM115
    with emulator_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        write_element(Path(tmp), endpoint)
        control(endpoint, "PUT", "chaos", {"rules": [
            {"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "latency", "ms": LATENCY_MS}}
        ]})
        runs = [_timed_send(10, endpoint, tmp) for _ in range(RUNS)]
        sequential = _timed_send(1, endpoint, tmp)
    concurrent = max(runs)
    return [
        Figure("fan-out 10,000 numbers, concurrent, slowest run", concurrent, "s", f"<= {TARGET} every run",
               concurrent <= TARGET, spread=f"{RUNS} runs, {min(runs):.3f}–{max(runs):.3f} s"),
        Figure("fan-out 10,000 numbers, one call at a time", sequential, "s", "(1.0 ideal)"),
        Figure("fan-out speed-up, sequential ÷ concurrent", sequential / concurrent, "x", "-"),
    ]

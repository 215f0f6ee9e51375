"""Fan-out: 10,000 numbers while the emulator adds 100 ms to every SendSms; RUNS times, as the target
holds for every run (10 calls of 1,000, 10 at a time: 0.1 s is the ideal).

Beside each of our runs, alternating, the same ten calls from the bare SDK on ten threads: the floor
that the SDK's own CPU and the emulator's set on this machine, so a miss can be told apart from it."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import BARE_OUT_ID, Figure, bare_sms_client, control, emulator_process, write_element

NUMBERS = [f"139{i:08d}" for i in range(10_000)]
LATENCY_MS = 100
RUNS = 5
TARGET = 0.25
TEMPLATE = "SMS_100000002"


def _timed_send(element: Any, endpoint: str, order: int) -> tuple[float, float]:
    """Seconds of wall time and of this process's CPU (all its threads; the emulator is another process)."""
    control(endpoint, "DELETE", "sms/messages")
    start, cpu = time.perf_counter(), time.process_time()
    result = element.sendMessage(NUMBERS, {"name": "bench", "order": str(order)}, TEMPLATE)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert result["Code"] == "OK" and len(result["Batches"]) == 10, result.get("Code")
    return elapsed, cpu


class BareFanOut:
    """The ten SendSms calls with the plain SDK on ten threads, no validation, log or store."""

    def __init__(self, endpoint: str, sign: str) -> None:
        from darabonba.runtime import RuntimeOptions

        self.endpoint, self.sign = endpoint, sign
        self.client = bare_sms_client(endpoint)
        self.runtime = RuntimeOptions(max_idle_conns=40)
        self.send([NUMBERS[0]])  # one connection, as our warm-up makes

    def send(self, phones: list[str]) -> None:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest

        request = SendSmsRequest(phone_numbers=",".join(phones), sign_name=self.sign, template_code=TEMPLATE,
                                 template_param=json.dumps({"name": "bare", "order": "1"}), out_id=BARE_OUT_ID)
        body = self.client.send_sms_with_options(request, self.runtime).body
        assert body.code == "OK", body.code

    def timed(self) -> float:
        control(self.endpoint, "DELETE", "sms/messages")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=10) as pool:
            list(pool.map(self.send, [NUMBERS[i:i + 1000] for i in range(0, len(NUMBERS), 1000)]))
        return time.perf_counter() - start


def run() -> list[Figure]:
    from shared import App
    from shared.log import set_stream
    from shared.settings import Settings

    set_stream(open("/dev/null", "w"))  # noqa: SIM115
    with emulator_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        write_element(Path(tmp), endpoint)
        control(endpoint, "PUT", "chaos", {"rules": [
            {"service": "sms", "action": "SendSms", "probability": 1.0, "fault": {"type": "latency", "ms": LATENCY_MS}}
        ]})
        settings = Settings.from_env()
        element = App(settings._replace(send_concurrency=10)).getElement("SMS.Bench")
        element.sendMessage(["13800138000"], {"name": "warm-up", "order": "0"}, TEMPLATE)  # imports, one connection
        bare = BareFanOut(endpoint, element.config.verifySign)
        runs, cpus, bare_runs = [], [], []
        for order in range(RUNS):
            elapsed, cpu = _timed_send(element, endpoint, order)
            runs.append(elapsed)
            cpus.append(cpu)
            bare_runs.append(bare.timed())
        one_at_a_time = App(settings._replace(send_concurrency=1)).getElement("SMS.Bench")
        sequential, _ = _timed_send(one_at_a_time, endpoint, RUNS)
    set_stream(None)
    concurrent, bare_slowest = max(runs), max(bare_runs)
    ratio = statistics.median(runs) / statistics.median(bare_runs)
    return [
        Figure("fan-out 10,000 numbers, concurrent, slowest run", concurrent, "s", f"<= {TARGET} every run",
               concurrent <= TARGET, spread=f"{RUNS} runs, {min(runs):.3f}–{max(runs):.3f} s"),
        Figure("bare SDK fan-out on 10 threads, slowest run (the floor)", bare_slowest, "s", "-",
               spread=f"{RUNS} runs, {min(bare_runs):.3f}–{max(bare_runs):.3f} s"),
        Figure("fan-out ÷ bare SDK fan-out, medians", ratio, "x", "-"),
        Figure("fan-out CPU of the sending process, median (at FC's cpu: 0.25 it takes ≥ 4× as long)",
               statistics.median(cpus), "s", "-", spread=f"{RUNS} runs, {min(cpus):.3f}–{max(cpus):.3f} s"),
        Figure("fan-out 10,000 numbers, one call at a time", sequential, "s", "(1.0 ideal)"),
        Figure("fan-out speed-up, sequential ÷ concurrent", sequential / concurrent, "x", "-"),
    ]

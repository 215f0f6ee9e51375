"""Import cost, from ``python -X importtime``: shared, the first sendMessage, the bare SDK."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, Figure, emulator_process, write_element

RUNS = 5
FIRST_SEND = (
    "from shared import App; "
    "App.from_env().getElement('SMS.Bench').sendMessage(['13800138000'], {'name': 'a', 'order': '1'}, 'SMS_100000002')"
)


def import_ms(code: str) -> float:
    """Median over RUNS of the summed top-level cumulative import times, in ms."""
    totals = []
    for _ in range(RUNS):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            cwd=ROOT, capture_output=True, text=True, check=True, env=os.environ.copy(),
        )
        total = 0
        for line in result.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            _, cumulative, name = line[len("import time:"):].split("|")
            if not name.startswith("  "):  # a top-level import (nested ones are indented further)
                total += int(cumulative)
        totals.append(total / 1000)
    return statistics.median(totals)


def run() -> list[Figure]:
    baseline = import_ms("pass")
    shared_ms = import_ms("import shared") - baseline
    sdk_ms = import_ms("import alibabacloud_dysmsapi20170525.client") - baseline
    with emulator_process() as endpoint, tempfile.TemporaryDirectory() as tmp:
        write_element(Path(tmp), endpoint)
        first_send_ms = import_ms(FIRST_SEND) - baseline
    return [
        Figure("import shared", shared_ms, "ms", "small beside the SDK", shared_ms < sdk_ms / 4),
        Figure("imports of the first sendMessage", first_send_ms, "ms", "-"),
        Figure("import bare Dysmsapi SDK", sdk_ms, "ms", "-"),
        Figure("first sendMessage imports ÷ bare SDK", first_send_ms / sdk_ms, "x", "-"),
    ]

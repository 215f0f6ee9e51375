"""Shared bits of the benchmarks: an emulator in its own process and the results table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "emulator" / "default_seed.json"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str
    ok: bool | None = None

    def row(self) -> str:
        verdict = {True: "ok", False: "MISSED", None: "-"}[self.ok]
        return f"| {self.name} | {self.value:,.3f} {self.unit} | {self.target} | {verdict} |"


def print_table(figures: list[Figure]) -> None:
    print("| figure | measured | target | |")
    print("|---|---|---|---|")
    for figure in figures:
        print(figure.row())


@contextmanager
def emulator_process() -> Iterator[str]:
    """Start ``python -m emulator`` on a free loopback port; yield its endpoint URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0", "--seed", str(SEED)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("emulator listening on "):
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield line.rsplit(" ", 1)[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def control(endpoint: str, method: str, path: str, body: object | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{endpoint}/_emulator/{path}", data=data, method=method)
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def seed_keys() -> tuple[str, str]:
    keys = json.loads(SEED.read_text(encoding="utf-8"))["accessKeys"]
    key_id, secret = next(iter(keys.items()))
    return key_id, secret if isinstance(secret, str) else secret["secret"]


def write_element(root: Path, endpoint: str) -> None:
    key_id, secret = seed_keys()
    folder = root / "SMS" / "Bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "e.json").write_text(json.dumps({"title": "bench", "type": "SMS.Aliyun", "backendBundleEntry": "."}))
    sign = json.loads(SEED.read_text(encoding="utf-8"))["sms"]["signs"][0]["name"]
    (folder / "sms.json").write_text(
        json.dumps({"accessKey": key_id, "accessSecret": secret, "verifySign": sign}, ensure_ascii=False)
    )
    os.environ["SMS_ELEMENTS_SOURCE"] = str(root)
    os.environ["SMS_DYSMS_ENDPOINT"] = endpoint

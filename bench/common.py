"""Shared bits of the benchmarks: an emulator in its own process and the results table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "emulator" / "default_seed.json"


class NotAvailable(Exception):
    """What a bench needs is not on this machine; the message says what, and how to get it."""


@dataclass
class Figure:
    name: str
    value: float | None  # None: not measured, ``why`` says why
    unit: str
    target: str
    ok: bool | None = None
    why: str = ""
    spread: str = ""  # what the figure is made of: the medians it divides, the spread of its runs

    @classmethod
    def failed(cls, name: str, error: BaseException) -> Figure:
        return cls(name, None, "", "-", False, f"{type(error).__name__}: {error}")

    def row(self) -> str:
        if self.value is not None:
            measured = f"{self.value:,.3f} {self.unit}" + (f" ({self.spread})" if self.spread else "")
        elif self.ok is False:
            measured = f"error: {self.why}"
        else:
            measured = f"not run: {self.why}"
        verdict = {True: "ok", False: "MISSED" if self.value is not None else "ERROR", None: "-"}[self.ok]
        return f"| {self.name} | {measured} | {self.target} | {verdict} |"


@dataclass(frozen=True)
class Spec:
    """A figure a bench measures: its name, unit and target, and the check of that target (if any).
    A bench that names its figures this way (``FIGURES``) gets a row for each when it cannot run."""

    name: str
    unit: str
    target: str
    check: Callable[[float], bool] | None = None

    def measured(self, value: float) -> Figure:
        return Figure(self.name, value, self.unit, self.target, None if self.check is None else self.check(value))

    def not_run(self, why: str) -> Figure:
        return Figure(self.name, None, self.unit, self.target, None, why)


def measure(name: str, run: Callable[[], list[Figure]], specs: Sequence[Spec] = ()) -> list[Figure]:
    """One bench's figures. When it cannot run here (``NotAvailable``): a row saying why for each of
    its ``specs`` (one for the bench without them), which the exit code ignores; when it breaks, an
    error row (and its traceback on stderr), which fails the run."""
    try:
        return run()
    except NotAvailable as missing:
        return [spec.not_run(str(missing)) for spec in specs] or [Figure(name, None, "", "-", None, str(missing))]
    except Exception as error:
        traceback.print_exc()
        return [Figure.failed(name, error)]


def exit_code(figures: list[Figure]) -> int:
    """1 when a figure missed its target (or its bench broke); figures not run do not count."""
    return 1 if any(f.ok is False for f in figures) else 0


def print_table(figures: list[Figure]) -> None:
    print("| figure | measured | target | |")
    print("|---|---|---|---|")
    for figure in figures:
        print(figure.row())


RESULTS = ROOT / "bench" / "results.json"


def write_results(figures: list[Figure], path: Path = RESULTS) -> None:
    """The table as JSON, with when and where it was measured."""
    import dataclasses
    import platform
    import time

    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg(),
               "platform": platform.platform()}
    data = {"measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine,
            "figures": [dataclasses.asdict(f) for f in figures]}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@contextmanager
def emulator_process(*seeds: str | Path, prefix: str = "") -> Iterator[str]:
    """Start ``python -m emulator`` on a free loopback port with ``seeds`` (files or directories, in
    order; directories go under ``prefix`` in OSS), the default seed when none; yield its endpoint URL."""
    seed_args = [arg for seed in seeds or (SEED,) for arg in ("--seed", str(seed))]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0", "--prefix", prefix, *seed_args],
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


BARE_OUT_ID = "0123456789abcdef01234567"  # a bare SendSms's OutId: as long as ours (24 hex characters)


def bare_sms_client(endpoint: str) -> Any:
    """A plain Dysmsapi SDK client on the emulator at ``endpoint``, with the seed's AccessKey."""
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    key_id, secret = seed_keys()
    host = endpoint.split("://", 1)[1]
    return Client(Config(access_key_id=key_id, access_key_secret=secret, endpoint=host, protocol="http"))


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

"""What a function's ``import index`` costs on top of the SDKs and pydantic, and of what: the
classes it makes (our dataclasses, our pydantic models) and the rest (the modules themselves).

Each function's build runs in a fresh ``python3.10 -I`` (``RUNS`` times, medians), which first
imports what the bare script imports too (the SDKs, redis) and pydantic with one model, then
times ``import index`` with a timer around the creation of every dataclass and every pydantic
model (``dataclasses._process_class``, pydantic's model metaclass: this bench's instrumentation,
never the product's). No targets: it says where the cold start's own share goes.
"""

from __future__ import annotations

import json
import statistics
import subprocess

from bench.common import Figure
from bench.functions import BUILD, FUNCTIONS, ensure_build, python310

RUNS = 5
PROBE = r"""
import json, os, sys, time
sys.path[0:0] = [os.getcwd(), os.path.join(os.getcwd(), "python")]
import alibabacloud_dysmsapi20170525.client, alibabacloud_kms20160120.client, alibabacloud_oss_v2, redis
import alibabacloud_tea_openapi.utils_models
from pydantic import BaseModel
class Body(BaseModel):
    phone: str
Body.model_validate({"phone": "13900000000"})
import dataclasses
import pydantic._internal._model_construction as construction
spent = {"dataclasses": [0.0, 0], "models": [0.0, 0]}
def timed(kind, make):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return make(*args, **kwargs)
        finally:
            spent[kind][0] += time.perf_counter() - start
            spent[kind][1] += 1
    return wrapper
dataclasses._process_class = timed("dataclasses", dataclasses._process_class)
construction.ModelMetaclass.__new__ = timed("models", construction.ModelMetaclass.__new__)
start = time.perf_counter()
import index
total = time.perf_counter() - start
print(json.dumps({"total": total, **spent}))
"""


def measure(function: str) -> dict[str, float]:
    runs = []
    for _ in range(RUNS):
        result = subprocess.run([python310(), "-I", "-c", PROBE], cwd=BUILD / function, capture_output=True,
                                text=True, check=True, env={"PYDANTIC_DISABLE_PLUGINS": "1"}, timeout=120)
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {
        "total": statistics.median(r["total"] for r in runs) * 1000,
        "dataclasses": statistics.median(r["dataclasses"][0] for r in runs) * 1000,
        "dataclass_count": runs[0]["dataclasses"][1],
        "models": statistics.median(r["models"][0] for r in runs) * 1000,
        "model_count": runs[0]["models"][1],
    }


def run() -> list[Figure]:
    ensure_build()
    figures = []
    for function in FUNCTIONS:
        parts = measure(function)
        rest = parts["total"] - parts["dataclasses"] - parts["models"]
        figures.append(Figure(
            f"{function}: import index after the SDKs and pydantic", parts["total"], "ms", "-",
            spread=f"{parts['dataclass_count']:.0f} dataclasses {parts['dataclasses']:.1f} ms, "
                   f"{parts['model_count']:.0f} pydantic models {parts['models']:.1f} ms, the rest {rest:.1f} ms"))
    return figures


if __name__ == "__main__":  # python -m bench.import_parts
    from bench.common import print_table

    print_table(run())

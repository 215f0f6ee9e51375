"""Revalidating expired element files with their ETag (If-None-Match → 304) beside reading them again,
side by side in one run, over trees of 200 elements: small files (as element configs are) and large ones.

Both go through alibabacloud-oss-v2 against the emulator, as ``shared.config.oss`` reads: the read is
GetObject + UTF-8 decode + ``json.loads``; the revalidation is GetObject with ``if_none_match``, which
the SDK answers with an OperationError around a 304 ServiceError, the cached value then reused.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from bench.common import Figure, emulator_process

ELEMENTS = 200
PASSES = 5
BUCKET = "sms-fc-elements"
SIZES = {"small (~1 KB)": 8, "large (~300 KB)": 2000}  # entries per file; one entry ≈ 150 bytes of JSON


def _client(endpoint: str) -> Any:
    import alibabacloud_oss_v2 as oss

    from bench.common import seed_keys

    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(*seed_keys())
    cfg.region, cfg.endpoint, cfg.use_path_style = "cn-hangzhou", endpoint, True
    return oss.Client(cfg)


def _document(entries: int) -> bytes:
    rows = {f"template{n:05d}": {"code": f"SMS_{n:09d}", "sign": "阿里云短信测试", "params": ["code", "name"]}
            for n in range(entries)}
    return json.dumps({"title": "bench", "templates": rows}, ensure_ascii=False, indent=2).encode("utf-8")


def _read_all(client: Any, keys: list[str]) -> dict[str, tuple[str, Any]]:
    import alibabacloud_oss_v2 as oss

    read = {}
    for key in keys:
        result = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key))
        read[key] = (result.etag, json.loads(result.body.content.decode("utf-8")))
    return read


def _revalidate_all(client: Any, cached: dict[str, tuple[str, Any]]) -> int:
    import alibabacloud_oss_v2 as oss

    unchanged = 0
    for key, (etag, _) in cached.items():
        try:
            client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key, if_none_match=etag))
        except oss.exceptions.OperationError as exc:
            error = exc.unwrap()
            if not (isinstance(error, oss.exceptions.ServiceError) and error.status_code == 304):
                raise
            unchanged += 1
    return unchanged


def _timed(call: Any) -> float:
    times = []
    for _ in range(PASSES):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run() -> list[Figure]:
    import alibabacloud_oss_v2 as oss

    figures = []
    with emulator_process() as endpoint:
        client = _client(endpoint)
        for label, entries in SIZES.items():
            body = _document(entries)
            keys = [f"bench/{label[:5]}/SMS/E{n:03d}/sms.json" for n in range(ELEMENTS)]
            for key in keys:
                client.put_object(oss.PutObjectRequest(bucket=BUCKET, key=key, body=body))
            cached = _read_all(client, keys)  # connections and imports, outside the timings
            assert _revalidate_all(client, cached) == ELEMENTS
            read = _timed(lambda keys=keys: _read_all(client, keys))
            revalidate = _timed(lambda cached=cached: _revalidate_all(client, cached))
            tree = f"{ELEMENTS} files × {len(body) / 1024:,.0f} KB"
            figures += [
                Figure(f"{label}: re-read {tree} (GetObject + parse), median", read, "ms", "-"),
                Figure(f"{label}: revalidate {tree} (If-None-Match → 304), median", revalidate, "ms", "-"),
                Figure(f"{label}: re-read ÷ revalidate", read / revalidate, "x", "-"),
            ]
    return figures

"""Config loading: a cold getElement (OSS + KMS) beside bare SDK round trips; a warm getElement."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.common import Figure, control, emulator_process

ROUNDS = 60
STS = ("STS.TestKeyId00000000000000001", "TestStsSecret00000000000000000001",
       "TestSecurityToken000000000000000000000001")


def _app(endpoint: str) -> Any:
    from shared import App
    from shared.aliyun.credentials import Credentials
    from shared.settings import Endpoint, Settings

    settings = Settings(
        elements_source="oss://sms-fc-elements/elements",
        kms_endpoint=Endpoint.parse(endpoint, "bench"),
        oss_endpoint=endpoint,
    )
    return App(settings, credentials=Credentials(*STS))


def _requests(endpoint: str) -> int:
    stats = control(endpoint, "GET", "stats")
    assert isinstance(stats, dict)
    return sum(sum(stats.get(service, {}).values()) for service in ("oss", "kms"))


def _cold_loads(endpoint: str) -> tuple[list[float], int]:
    from shared.aliyun import clients as sdk_clients

    times, before = [], _requests(endpoint)
    for _ in range(ROUNDS):
        sdk_clients.clear()  # a new instance builds its clients too
        app = _app(endpoint)
        start = time.perf_counter()
        app.getElement("SMS.Default")
        times.append(time.perf_counter() - start)
    return times, (_requests(endpoint) - before) // ROUNDS


def _bare_round_trips(endpoint: str) -> tuple[list[float], list[float]]:
    import alibabacloud_oss_v2 as oss
    from alibabacloud_kms20160120.client import Client
    from alibabacloud_kms20160120.models import GetSecretValueRequest
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions

    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(*STS)
    cfg.region, cfg.endpoint = "cn-hangzhou", endpoint
    bucket = oss.Client(cfg)
    kms = Client(Config(access_key_id=STS[0], access_key_secret=STS[1], security_token=STS[2],
                        endpoint=endpoint.split("://")[1], protocol="http", region_id="cn-hangzhou"))
    oss_times, kms_times = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        bucket.get_object(oss.GetObjectRequest(bucket="sms-fc-elements", key="elements/SMS/Default/e.json")).body.read()
        oss_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        kms.get_secret_value_with_options(GetSecretValueRequest(secret_name="sms/default"), RuntimeOptions())
        kms_times.append(time.perf_counter() - start)
    return oss_times, kms_times


def run() -> list[Figure]:
    with emulator_process() as endpoint:
        _app(endpoint).getElement("SMS.Default")  # imports and connections, outside the timings
        oss_times, kms_times = _bare_round_trips(endpoint)
        cold_times, requests = _cold_loads(endpoint)
        app = _app(endpoint)
        app.getElement("SMS.Default")
        warm = []
        for _ in range(2000):
            start = time.perf_counter()
            app.getElement("SMS.Default")
            warm.append(time.perf_counter() - start)
    cold = statistics.median(cold_times) * 1000
    bare = (2 * statistics.median(oss_times) + statistics.median(kms_times)) * 1000
    return [
        Figure("cold getElement (OSS + KMS), median", cold, "ms", "-"),
        Figure("cold getElement requests (OSS + KMS)", requests, "", "3 (e.json, sms.json, 1 secret)", requests == 3),
        Figure("bare SDK round trips: 2 GetObject + 1 GetSecretValue", bare, "ms", "-"),
        Figure("cold getElement ÷ bare round trips", cold / bare, "x", "-"),
        Figure("warm getElement, median", statistics.median(warm) * 1e6, "µs", "no request; small", None),
    ]

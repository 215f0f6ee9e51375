"""The send_sms function: cold start, warm request and peak RSS, beside bare SDK scripts.

Cold: a fresh process imports the handler and serves one request (OSS ×2, KMS ×2, SendSms
against the emulator) ÷ a fresh process making the same five SDK calls, alternating. Warm: the
handler ÷ a bare SendSms of the same message, alternating in one process. RSS: peak of that
warm process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.common import ROOT, Figure, control, emulator_process

RUNS = 7
WARM_ROUNDS = 300
API_KEY = "sk_bench_0000000000000000000000000000000000000"
STS = ("STS.TestKeyId00000000000000001", "TestStsSecret00000000000000000001",
       "TestSecurityToken000000000000000000000001")

OURS = r"""
import json, os, sys, time, resource
started = time.perf_counter()
from functions.send_sms.index import handler
from shared import log
log.set_stream(open(os.devnull, "w"))  # INFO lines are formatted as in FC, then discarded
from types import SimpleNamespace
creds = SimpleNamespace(access_key_id=sys.argv[1], access_key_secret=sys.argv[2], security_token=sys.argv[3])
context = SimpleNamespace(request_id="bench", credentials=creds)
def event(phone):
    body = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "a", "order": "1"},
            "phoneList": [phone]}
    return json.dumps({"version": "v1", "rawPath": "/messages", "body": json.dumps(body), "isBase64Encoded": False,
        "headers": {"authorization": "Bearer " + sys.argv[4], "content-type": "application/json"},
        "requestContext": {"requestId": "bench", "http": {"method": "POST", "path": "/messages"}}}).encode()
answer = handler(event(sys.argv[5]), context)
cold = time.perf_counter() - started
assert answer["statusCode"] == 200, answer
rounds, warm, bare = int(sys.argv[6]), [], []
if rounds:
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_dysmsapi20170525.models import SendSmsRequest
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions
    sms = Client(Config(access_key_id="LTAI5tTestKeyId0000000001", access_key_secret="TestSecret0000000000000000000001",
                        endpoint=sys.argv[7].split("://")[1], protocol="http"))
def ours(i):
    payload = event("137%08d" % i)  # FC hands the handler ready bytes
    t = time.perf_counter()
    assert handler(payload, context)["statusCode"] == 200
    warm.append(time.perf_counter() - t)
def theirs(i):
    t = time.perf_counter()
    request = SendSmsRequest(phone_numbers="136%08d" % i, sign_name="阿里云短信测试", template_code="SMS_100000002",
                             template_param=json.dumps({"name": "a", "order": "1"}))
    assert sms.send_sms_with_options(request, RuntimeOptions()).body.code == "OK"
    bare.append(time.perf_counter() - t)
for i in range(rounds):  # alternating, each going first every other round: the handler and a bare SendSms
    for step in ((ours, theirs) if i % 2 else (theirs, ours)):
        step(i)
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cold": cold, "warm": warm[20:], "bare": bare[20:], "rss_kb": rss_kb}))
"""

BARE = r"""
import json, sys, time
started = time.perf_counter()
import alibabacloud_oss_v2 as oss
from alibabacloud_kms20160120.client import Client as Kms
from alibabacloud_kms20160120.models import GetSecretValueRequest
from alibabacloud_dysmsapi20170525.client import Client as Sms
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
endpoint, (ak, sk, token) = sys.argv[7], sys.argv[1:4]
host = endpoint.split("://")[1]
cfg = oss.config.load_default()
cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(ak, sk, token)
cfg.region, cfg.endpoint = "cn-hangzhou", endpoint
bucket = oss.Client(cfg)
for key in ("elements/SMS/Default/e.json", "elements/SMS/Default/sms.json"):
    json.loads(bucket.get_object(oss.GetObjectRequest(bucket="sms-fc-elements", key=key)).body.content)
kms = Kms(Config(access_key_id=ak, access_key_secret=sk, security_token=token, endpoint=host, protocol="http",
                 region_id="cn-hangzhou"))
kms.get_secret_value_with_options(GetSecretValueRequest(secret_name="sms-fc/api-keys"), RuntimeOptions())
secret = json.loads(kms.get_secret_value_with_options(GetSecretValueRequest(secret_name="sms/default"),
                                                     RuntimeOptions()).body.secret_data)
sms = Sms(Config(access_key_id=secret["accessKey"], access_key_secret=secret["accessSecret"], endpoint=host,
                 protocol="http"))
def send(phone):
    request = SendSmsRequest(phone_numbers=phone, sign_name="阿里云短信测试", template_code="SMS_100000002",
                             template_param=json.dumps({"name": "a", "order": "1"}))
    assert sms.send_sms_with_options(request, RuntimeOptions()).body.code == "OK"
send(sys.argv[5])
print(json.dumps({"cold": time.perf_counter() - started}))
"""


def _run(script: str, endpoint: str, phone: str, warm_rounds: int) -> dict[str, Any]:
    env = {**os.environ, "SMS_ELEMENTS_SOURCE": "oss://sms-fc-elements/elements", "SMS_DYSMS_ENDPOINT": endpoint,
           "SMS_KMS_ENDPOINT": endpoint, "SMS_OSS_ENDPOINT": endpoint, "SMS_API_KEYS_SECRET": "sms-fc/api-keys",
           "SMS_LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script, *STS, API_KEY, phone, str(warm_rounds), endpoint],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def run() -> list[Figure]:
    from shared.fc.api_keys import hash_key

    with emulator_process() as endpoint:
        keys = json.dumps({"keys": [{"id": "bench", "sha256": hash_key(API_KEY)}]})
        control(endpoint, "POST", "seed", {"kms": {"secrets": {"sms-fc/api-keys": keys}}})
        ours_cold, bare_cold = [], []
        for i in range(RUNS):
            ours_cold.append(_run(OURS, endpoint, f"1390000{i:04d}", 0)["cold"])
            bare_cold.append(_run(BARE, endpoint, f"1380000{i:04d}", 0)["cold"])
        warm = _run(OURS, endpoint, "13912340000", WARM_ROUNDS)
    cold_ratio = statistics.median(ours_cold) / statistics.median(bare_cold)
    warm_ours, warm_bare = statistics.median(warm["warm"]), statistics.median(warm["bare"])
    rss_mb = warm["rss_kb"] / 1024
    return [
        Figure("send_sms cold start (imports + first request), median", statistics.median(ours_cold) * 1000, "ms", "-"),
        Figure("bare script, same 5 SDK calls, median", statistics.median(bare_cold) * 1000, "ms", "-"),
        Figure("send_sms cold start ÷ bare script", cold_ratio, "x", "<= 1.15", cold_ratio <= 1.15),
        Figure("send_sms warm request, median", warm_ours * 1000, "ms", "-"),
        Figure("bare SDK send_sms, median", warm_bare * 1000, "ms", "-"),
        Figure("send_sms warm ÷ bare SDK call", warm_ours / warm_bare, "x", "<= 1.10", warm_ours / warm_bare <= 1.10),
        Figure("peak RSS of the warm send_sms process", rss_mb, "MB", "<= 128", rss_mb <= 128),
    ]

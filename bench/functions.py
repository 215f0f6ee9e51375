"""Every function as FC runs it, beside a bare script making the same calls (issue 15).

Each function is the assembled ``build/<function>/`` (``make build``; built here when missing or
older than the sources), run by ``bench/instance.py`` with FC's python3.10 and ``-I`` (so only
what the build ships is imported), the environment of ``s.yaml``, the emulator for Aliyun and a
real Redis for the store (``SMS_STORE_URL``, as deployed). Its bare script
(``bench/bare_calls.py``) makes the same Aliyun calls with the plain SDKs and replays, with a
plain redis-py client in the next Redis database, the very Redis commands the function sent
(recorded from its requests; each warm round replays one not replayed before, and that database
is emptied before each bare cold start), so the store does the same work too; the emulator's
per-action counts of every cold pair are compared, so a baseline that drifts from what the
function does is an error, not a ratio.

- cold start: a fresh process imports and serves one request ÷ a fresh bare process making the
  first request's calls (imports included), alternating, RUNS pairs, medians; and, as a diagnostic,
  ÷ the bare process importing pydantic and validating with one model first (what of the gap is
  the validation library's fixed cost, what is ours);
- warm request: in one process, a warm function and a warm bare script alternating (each going
  first every other round), medians;
- peak RSS of a warm function process (ROUNDS requests).

The library path (``App.from_env().getElement(...).sendMessage``) is measured the same way: a
script importing ``shared`` from ``build/send_sms`` ÷ the bare OSS + KMS + SendSms script.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import BARE_OUT_ID, ROOT, Figure, control, emulator_process

RUNS = 11  # cold pairs per function (7 left medians ±0.08 apart from run to run on a shared machine)
ORDERS = [("ours", "bare", "pydantic"), ("bare", "pydantic", "ours"), ("pydantic", "ours", "bare")]
ROUNDS = 150  # warm requests per side
COLD_TARGET, WARM_TARGET, RSS_TARGET, RSS_GOAL = 1.05, 1.05, 128, 96
API_KEY = "sk_example_replace_me"  # examples/emulator-seed.json holds its hash
BUILD = Path(os.environ.get("SMS_BENCH_BUILD", ROOT / "build"))  # another build to compare
FUNCTIONS = ("send_sms", "verification", "approval_notify", "receipts", "config_check")  # measured here
EXAMPLES = ROOT / "examples"
SIGN = "阿里云短信测试"


def phone(i: int) -> str:
    return f"137{i:08d}"


def http_event(method: str, path: str, body: Any, headers: dict[str, str], source_ip: str = "192.0.2.1") -> bytes:
    from emulator.fc.events import HttpCall, request_id
    from emulator.fc.events import http_event as fc_http_event

    raw = json.dumps(body, ensure_ascii=False).encode()
    call = HttpCall(method, path, [], [("Content-Type", "application/json"), *headers.items()], raw, source_ip)
    return fc_http_event(call, function_name="bench", region="cn-hangzhou", account_id="1234567890123456",
                         request_id=request_id(), now=datetime.now(timezone.utc))


def send_sms_event(i: int) -> bytes:
    body = {"service": "SMS.Default", "templateCode": "SMS_100000002", "params": {"name": "a", "order": str(i)},
            "phoneList": [phone(i)]}
    headers = {"Authorization": f"Bearer {API_KEY}", "Idempotency-Key": uuid.uuid4().hex}
    return http_event("POST", "/messages", body, headers)


def verification_event(i: int) -> bytes:
    return http_event("POST", "/codes", {"phone": phone(i), "purpose": "login"}, {},
                      source_ip=f"198.51.{i // 250 % 250}.{i % 250 + 1}")


def approval_event(i: int) -> bytes:
    event = json.loads((ROOT / "events" / "eventbridge_approval_node.json").read_text(encoding="utf-8"))
    event["id"] = str(uuid.uuid4())
    event["data"]["processInstanceId"] = f"PI-bench-{uuid.uuid4().hex}"
    return json.dumps(event, ensure_ascii=False).encode()


def receipts_event(i: int, token: str) -> bytes:
    items = [{"phone_number": phone(i * 100 + n), "send_time": "2026-11-24 11:30:00",
              "report_time": "2026-11-24 11:30:05", "success": True, "err_code": "DELIVERED", "err_msg": "用户接收成功",
              "sms_size": "1", "biz_id": f"{i:06d}{n:04d}^0", "out_id": f"m-bench-{i}-{n}"} for n in range(100)]
    return http_event("POST", f"/report/{token}", items, {})


def config_check_event(i: int) -> bytes:
    return json.dumps({"triggerTime": "2026-11-24T19:00:00Z", "triggerName": "daily",
                       "payload": json.dumps({"check": "all"})}).encode()


def s_yaml_environment(name: str) -> dict[str, str]:
    """The function's environment variables as s.yaml sets them (``${vars.x}`` filled in)."""
    import yaml

    data = yaml.safe_load((ROOT / "s.yaml").read_text(encoding="utf-8"))
    props = data["resources"][name]["props"]
    env = {**data["template"]["fc_base"].get("environmentVariables", {}), **props.get("environmentVariables", {})}
    return {key: str(value).replace("${vars.", "{").format(**data["vars"]) for key, value in env.items()}


def python310() -> str:
    from tools.build_functions import python310 as find

    return find()


def ensure_build() -> None:
    """``make build`` when build/ is missing or older than a source it ships."""
    sources = [p for d in ("functions", "shared") for p in (ROOT / d).rglob("*.py")] + [ROOT / "requirements.lock"]
    built = [BUILD / f / "index.py" for f in FUNCTIONS]
    newest = max(p.stat().st_mtime for p in sources)
    if all(p.exists() and p.parent.stat().st_mtime > newest for p in built):  # copies keep their mtimes
        return
    print("building build/ (make build) ...", file=sys.stderr)
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_functions.py"), "--out", str(BUILD)], check=True,
                   stdout=subprocess.DEVNULL)


class Stack:
    """The emulator and Redis the instances talk to, and how to start an instance."""

    def __init__(self, endpoint: str, redis_url: str, tmp: Path) -> None:
        from emulator.fc.events import RoleCredentials

        self.endpoint, self.redis_url, self.tmp = endpoint, redis_url, tmp
        self.role = RoleCredentials()
        self.sts = (self.role.access_key_id, self.role.access_key_secret, self.role.security_token)
        self.python = python310()
        self.bare_redis_url = other_database(redis_url)

    def flush_bare_redis(self) -> None:
        """Empty the bare script's database (the function's own is left as it is)."""
        import redis

        with redis.Redis.from_url(self.bare_redis_url) as client:
            client.flushdb()

    def context(self, name: str) -> dict[str, Any]:
        from emulator.fc.events import context_fields, request_id

        return context_fields(request_id=request_id(), credentials=self.role, function_name=f"sms-fc-{name}",
                              handler="index.handler", memory=256, timeout=30, service="sms-fc",
                              region="cn-hangzhou", account_id="1234567890123456")

    def environment(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "PYTHON"))}
        env.update(s_yaml_environment(name))
        env.update(SMS_DYSMS_ENDPOINT=self.endpoint, SMS_KMS_ENDPOINT=self.endpoint, SMS_OSS_ENDPOINT=self.endpoint,
                   SMS_STORE_URL=self.redis_url)
        # BENCH_ENV="SMS_LOG_LEVEL=ERROR ...": what a setting costs, the functions run with it
        env.update(item.split("=", 1) for item in os.environ.get("BENCH_ENV", "").split() if "=" in item)
        return env

    def stats(self) -> dict[str, dict[str, int]]:
        stats = control(self.endpoint, "GET", "stats")
        assert isinstance(stats, dict)
        return stats

    def instance(self, function: str, side: str, events: list[bytes], ok: str, *, plan: Any = None,
                 rounds: int = 0, record: bool = False, code_dir: Path | None = None, paths: list[str] | None = None,
                 tag: str = "", env: dict[str, str] | None = None) -> dict[str, Any]:
        """Run one instance (``bench/instance.py``) of ``function`` (its build, its s.yaml environment);
        its JSON answer, with ``calls``: the emulator's per-action counts of what it did."""
        spec = {"code_dir": str(code_dir or BUILD / function), "paths": paths, "side": side, "rounds": rounds,
                "record": record, "ok": ok, "plan": plan, "context": self.context(function),
                "events": [base64.b64encode(e).decode() for e in events]}
        path = self.tmp / f"{tag or function}-{side}.json"
        path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        before = self.stats()
        importtime = os.environ.get("BENCH_IMPORTTIME")  # a folder: each instance's -X importtime, to compare
        flags = ["-X", "importtime"] if importtime else []
        result = subprocess.run([self.python, "-I", *flags, str(ROOT / "bench" / "instance.py"), str(path)],
                                env={**self.environment(function), **(env or {})}, capture_output=True, text=True,
                                timeout=600, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{function} {side}: {result.stderr[-3000:]}")
        if importtime:
            Path(importtime).mkdir(parents=True, exist_ok=True)
            (Path(importtime) / f"{path.stem}.txt").write_text(result.stderr, encoding="utf-8")
        answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        answer["calls"] = diff(self.stats(), before)
        return answer


def other_database(url: str) -> str:
    """``url`` on the next Redis database: the bare script replays the function's commands there."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


def diff(after: dict[str, dict[str, int]], before: dict[str, dict[str, int]]) -> dict[str, int]:
    counts = {f"{service}.{action}": n - before.get(service, {}).get(action, 0)
              for service, actions in after.items() for action, n in actions.items()}
    return {name: n for name, n in sorted(counts.items()) if n}


def role_seed(tmp: Path) -> Path:
    from emulator.fc.events import RoleCredentials

    path = tmp / "role.json"
    path.write_text(json.dumps(RoleCredentials().seed()), encoding="utf-8")
    return path




BUCKET = "sms-fc-elements"
LIBRARY_SECRET = "sms/library"


def bench_seed(tmp: Path) -> Path:
    """An SMS element whose AccessKey is in KMS (``SMS.Library``), for the library path (OSS + KMS + send),
    and no flow control: the same few numbers are texted hundreds of times (approval_notify's)."""
    seed = json.loads((EXAMPLES / "emulator-seed.json").read_text(encoding="utf-8"))
    key_id, secret = next(iter(seed["accessKeys"].items()))
    secret = secret if isinstance(secret, str) else secret["secret"]
    sms = {"accessKey": {"kms": LIBRARY_SECRET, "key": "accessKey"},
           "accessSecret": {"kms": LIBRARY_SECRET, "key": "accessSecret"}, "verifySign": SIGN}
    data = {"oss": {BUCKET: {
        "elements/SMS/Library/e.json": json.dumps({"title": "lib", "type": "SMS.Aliyun", "backendBundleEntry": "."}),
        "elements/SMS/Library/sms.json": json.dumps(sms, ensure_ascii=False)}},
        "kms": {"secrets": {LIBRARY_SECRET: json.dumps({"accessKey": key_id, "accessSecret": secret})}},
        "sms": {"flowControl": {"enabled": False}}}
    path = tmp / "bench-seed.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


LIBRARY_INDEX = '''"""The library path as an app calls it: ``App.from_env().getElement(...).sendMessage``
(the App made once per process, as an app keeps it)."""
import json

apps = []


def handler(event, context):
    if not apps:
        from shared import App

        apps.append(App.from_env())
    phone = json.loads(event)["phone"]
    return apps[0].getElement("SMS.Library").sendMessage([phone], {"name": "a", "order": "1"}, "SMS_100000002")
'''


def oss(*names: str) -> list[list[str]]:
    return [["oss", BUCKET, f"elements/{name}"] for name in names]


def secret(name: str) -> list[Any]:
    return ["kms", "GetSecretValue", {"secret_name": name}]


DATA_KEY = ["kms", "GenerateDataKey", {"key_id": "alias/sms-fc-store", "key_spec": "AES_256"}]


def send(template: str, params: dict[str, str]) -> list[Any]:
    return ["sms", "SendSms", {"phone_numbers": "13900000000", "sign_name": SIGN, "template_code": template,
                               "template_param": json.dumps(params, ensure_ascii=False), "out_id": BARE_OUT_ID}]


SMS_DEFAULT = oss("SMS/Default/e.json", "SMS/Default/sms.json")
NOTIFY = send("SMS_100000002", {"name": "a", "order": "1"})
APPROVAL = send("SMS_100000003", {"userNick": "张三", "processTitle": "差旅报销"})
CHECKED = ["Approval/Default/e.json", "Approval/Default/approval.json", "Directory/Default/e.json",
           "Directory/Default/directory.json", "SMS/Default/e.json", "SMS/Default/sms.json",
           "Verify/Default/e.json", "Verify/Default/verify.json"]
CONFIG_CHECK = [["oss_list", BUCKET, "elements/"], *oss(*CHECKED, "SMS/Library/e.json", "SMS/Library/sms.json"),
                secret(LIBRARY_SECRET),  # its accessKey and accessSecret: one secret, read once per check
                *[["sms", "GetSmsSign", {"sign_name": SIGN}]] * 2,  # one per SMS element
                *(["sms", "GetSmsTemplate", {"template_code": code}] for code in
                  ("SMS_100000001", "SMS_100000003", "SMS_100000006")),
                ["oss_put", BUCKET, "reports/config-check/latest.json"]]
# What each function's first (cold) request and each later (warm) one calls, as its bare script
# makes the calls ("redis" replays the Redis commands recorded from the function).
PLANS: dict[str, dict[str, list[Any]]] = {
    "send_sms": {"cold": [["event"], secret("sms-fc/api-keys"), secret("sms-fc/hmac-key"), *SMS_DEFAULT, DATA_KEY,
                          NOTIFY, ["redis"]],
                 "warm": [["event"], NOTIFY, ["redis"]]},
    "verification": {"cold": [["event"], secret("sms-fc/hmac-key"), *oss("Verify/Default/e.json",
                              "Verify/Default/verify.json"), *SMS_DEFAULT, send("SMS_100000001", {"code": "123456"}),
                              ["redis"]],
                     "warm": [["event"], send("SMS_100000001", {"code": "123456"}), ["redis"]]},
    "approval_notify": {"cold": [["event"], secret("sms-fc/hmac-key"), *oss("Directory/Default/e.json",
                                 "Directory/Default/directory.json"), *SMS_DEFAULT, DATA_KEY, APPROVAL, APPROVAL,
                                 ["redis"]],
                        "warm": [["event"], APPROVAL, APPROVAL, ["redis"]]},
    "receipts": {"cold": [["event"], secret("sms-fc/receipts-token"), secret("sms-fc/hmac-key"), ["redis"]],
                 "warm": [["event"], ["redis"]]},
    "config_check": {"cold": [["event"], secret("sms-fc/hmac-key"), DATA_KEY, *CONFIG_CHECK],
                     "warm": [["event"], *CONFIG_CHECK]},
    "library": {"cold": [["event"], secret("sms-fc/hmac-key"), *oss("SMS/Library/e.json", "SMS/Library/sms.json"),
                         secret(LIBRARY_SECRET), NOTIFY, ["redis"]],
                "warm": [["event"], NOTIFY, ["redis"]]},
}


@dataclass
class Case:
    """A function (or the library path) to measure: its events, its answer's mark, its code."""

    name: str
    event: Callable[[int], bytes]
    ok: str
    environment: str  # whose s.yaml environment it runs with
    paths: list[str] | None = None  # sys.path entries, when not FC's (/code, /code/python)
    code_dir: Path | None = None
    rounds: int = ROUNDS
    env: dict[str, str] | None = None  # more environment variables


def cases(tmp: Path, token: str, sts: tuple[str, str, str]) -> list[Case]:
    library = tmp / "library"
    library.mkdir(exist_ok=True)
    (library / "index.py").write_text(LIBRARY_INDEX, encoding="utf-8")
    http_ok = "'statusCode': 200"
    return [
        Case("send_sms", send_sms_event, http_ok, "send_sms"),
        Case("library", lambda i: json.dumps({"phone": phone(i)}).encode(), "'Code': 'OK'", "send_sms",
             paths=[str(library), str(BUILD / "send_sms"), str(BUILD / "send_sms" / "python")], code_dir=library,
             env=dict(zip(("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                           "ALIBABA_CLOUD_SECURITY_TOKEN"), sts, strict=True))),
        Case("verification", verification_event, http_ok, "verification"),
        Case("approval_notify", approval_event, '"outcome": "sent"', "approval_notify"),
        Case("receipts", lambda i: receipts_event(i, token), http_ok, "receipts"),
        Case("config_check", config_check_event, "", "config_check", rounds=20),
    ]


def per_request(counts: dict[str, int], requests: int) -> dict[str, float]:
    return {name: n / requests for name, n in counts.items()}


def subtract(a: dict[str, int], b: dict[str, int], times: int = 1) -> dict[str, int]:
    keys = set(a) | set(b)
    return {k: a.get(k, 0) - times * b.get(k, 0) for k in sorted(keys) if a.get(k, 0) - times * b.get(k, 0)}


class Bench:
    def __init__(self, stack: Stack) -> None:
        self.stack, self.serial = stack, 0

    def events(self, case: Case, n: int) -> list[bytes]:
        self.serial += n
        return [case.event(self.serial - n + i) for i in range(n)]

    def run(self, case: Case, side: str, n_events: int, plan: Any = None, rounds: int = 0,
            record: bool = False, tag: str = "") -> dict[str, Any]:
        spec_case = {"plan": plan, "rounds": rounds, "record": record, "code_dir": case.code_dir}
        return self.stack.instance(case.environment, side, self.events(case, n_events), case.ok,
                                   paths=case.paths, tag=tag or case.name, env=case.env, **spec_case)

    def measure(self, case: Case) -> list[Figure]:
        self.run(case, "ours", 1)  # Redis loads the function's scripts; the build's first imports
        recorded = self.run(case, "ours", 3, rounds=1, record=True)
        plan = {"endpoint": self.stack.endpoint, "sts": list(self.stack.sts), "region": "cn-hangzhou",
                "redis_url": self.stack.bare_redis_url, **PLANS[case.name],
                "redis": {"cold": recorded["redis"][0], "warm": recorded["redis"][1]}}
        # the bare script as is, and paying pydantic's import too (a diagnostic: what of the gap is ours)
        with_pydantic = {**plan, "cold": [["pydantic"], *plan["cold"]]}
        colds: dict[str, list[dict[str, Any]]] = {"ours": [], "bare": [], "pydantic": []}
        for k in range(RUNS):  # fresh processes in turn, each going first, second and last in turn
            for side in ORDERS[k % len(ORDERS)]:
                if side != "ours":
                    self.stack.flush_bare_redis()  # its replay finds the keys new, as the function did
                if side == "pydantic":
                    colds[side].append(self.run(case, "bare", 1, plan=with_pydantic, tag=f"{case.name}.pydantic"))
                else:
                    colds[side].append(self.run(case, side, 1, plan=plan))
        ours, bare = colds["ours"], colds["bare"]
        for answer in bare + colds["pydantic"]:
            if answer["calls"] != ours[0]["calls"]:
                raise AssertionError(f"{case.name}: the bare script's calls {answer['calls']} are not the "
                                     f"function's {ours[0]['calls']}")
        warm_only = self.run(case, "ours", case.rounds + 2, rounds=case.rounds)
        self.stack.flush_bare_redis()
        both = self.run(case, "both", case.rounds + 2, plan=plan, rounds=case.rounds)
        # per request: a warm instance of ours makes one request more (the one the bare replays ahead)
        ours_warm = per_request(subtract(warm_only["calls"], ours[0]["calls"]), case.rounds + 1)
        bare_warm = per_request(subtract(subtract(both["calls"], warm_only["calls"]), bare[0]["calls"]), case.rounds)
        if bare_warm != ours_warm:
            raise AssertionError(f"{case.name}: warm, the bare script's calls {bare_warm} are not the "
                                 f"function's {ours_warm}")
        return figures(case.name, [a["cold"] for a in ours], [a["cold"] for a in bare], both["warm"], both["bare"],
                       warm_only["rss_kb"] / 1024, [a["cold"] for a in colds["pydantic"]])


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    low, high = min(values) * scale, max(values) * scale
    return f"{low:.{digits}f}–{high:.{digits}f}"


def quartiles(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    q = statistics.quantiles(values, n=4)
    return f"{q[0] * scale:.{digits}f}–{q[2] * scale:.{digits}f}"


def figures(name: str, ours_cold: list[float], bare_cold: list[float], warm: list[float], bare_warm: list[float],
            rss_mb: float, pydantic_cold: list[float]) -> list[Figure]:
    cold = statistics.median(ours_cold) / statistics.median(bare_cold)
    beside_pydantic = statistics.median(ours_cold) / statistics.median(pydantic_cold)
    pairs = [o / b for o, b in zip(ours_cold, bare_cold, strict=True)]
    hot = statistics.median(warm) / statistics.median(bare_warm)
    warm_pairs = [o / b for o, b in zip(warm, bare_warm, strict=True)]
    return [
        Figure(f"{name} cold start ÷ bare script", cold, "x", f"<= {COLD_TARGET}", cold <= COLD_TARGET,
               spread=f"{statistics.median(ours_cold) * 1000:.0f} ms vs {statistics.median(bare_cold) * 1000:.0f} ms; "
                      f"{len(pairs)} pairs, each {spread(pairs)}"),
        Figure(f"{name} cold start ÷ bare script importing pydantic (diagnostic)", beside_pydantic, "x", "-",
               spread=f"{statistics.median(pydantic_cold) * 1000:.0f} ms: what is left of the gap without "
                      f"pydantic's own import"),
        Figure(f"{name} warm request ÷ bare", hot, "x", f"<= {WARM_TARGET}", hot <= WARM_TARGET,
               spread=f"{statistics.median(warm) * 1000:.2f} ms vs {statistics.median(bare_warm) * 1000:.2f} ms; "
                      f"{len(warm_pairs)} rounds, quartiles {quartiles(warm_pairs)}"),
        Figure(f"{name} peak RSS, warm process", rss_mb, "MB", f"<= {RSS_TARGET} (goal {RSS_GOAL})",
               rss_mb <= RSS_TARGET, spread="goal met" if rss_mb <= RSS_GOAL else "goal missed"),
    ]


def run(names: list[str] | None = None) -> list[Figure]:
    from bench.verify_store import redis_server

    ensure_build()
    with tempfile.TemporaryDirectory() as tmp_name, redis_server() as redis_url:
        tmp = Path(tmp_name)
        seeds = (EXAMPLES / "emulator-seed.json", role_seed(tmp), bench_seed(tmp), EXAMPLES / "elements")
        with emulator_process(*seeds, prefix="elements") as endpoint:
            token = json.loads((EXAMPLES / "emulator-seed.json").read_text())["kms"]["secrets"]["sms-fc/receipts-token"]
            stack = Stack(endpoint, redis_url, tmp)
            bench = Bench(stack)
            result: list[Figure] = []
            for case in cases(tmp, token, stack.sts):
                if names and case.name not in names:
                    continue
                print(f"  {case.name} ...", file=sys.stderr)
                result.extend(bench.measure(case))
            return result


if __name__ == "__main__":  # python -m bench.functions [send_sms library ...]: these alone
    from bench.common import print_table

    print_table(run(sys.argv[1:]))

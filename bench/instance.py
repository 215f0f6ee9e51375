"""One function instance, as FC's python3.10 runtime runs it, for ``bench/functions.py``.

Run as ``python3.10 -I bench/instance.py SPEC.json`` (a file, not ``-m``: it imports nothing of
this repository but what it measures). ``-I`` ignores ``PYTHONPATH``, so the code directory
(FC's ``/code``) and its ``python/`` (s.yaml's ``PYTHONPATH``) are put on ``sys.path`` here.

``SPEC["side"]``:

- ``ours``: the timer starts, ``index.handler`` of the built function is loaded (FC's way, the
  emulator's worker) and serves ``events[0]``: that is the cold start. ``SPEC["rounds"]`` more
  events follow, each timed (warm requests); then the peak RSS. ``record`` also writes every Redis
  command each request sent (for the bare side to replay).
- ``bare``: the timer starts, ``bench/bare_calls.py`` makes the same calls with the plain SDKs and
  redis-py (imports included); that is its cold start.
- ``both``: a warm instance of each in one process, then ``rounds`` requests alternating with the
  bare calls of a warm request, each going first every other round.

One JSON line on stdout: ``cold`` and ``warm``/``bare`` seconds, ``rss_kb``, ``redis``. With
``BENCH_PROFILE=<folder>`` the warm requests are profiled (cProfile) into
``<folder>/<spec name>.pstats`` (ours) and ``<folder>/<spec name>.bare.pstats`` (the bare script),
and the cold start of a one-sided instance into ``<folder>/<spec name>.cold.pstats``. The cProfiled
figures are slower than the real ones; compare them with each other.
"""

import base64
import importlib.util
import json
import os
import resource
import sys
import time


def peak_rss_kb():
    """This process's peak RSS: ``VmHWM``. (``ru_maxrss`` keeps the forking parent's peak across exec.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def record_redis(log):
    """Every command redis-py sends, as argument lists; a pipeline is one entry (one round trip)."""
    import redis.client

    plain, pipelined = redis.client.Redis.execute_command, redis.client.Pipeline.execute

    def execute_command(self, *args, **options):
        if not isinstance(self, redis.client.Pipeline):
            log.append([[_text(a) for a in args]])
        return plain(self, *args, **options)

    def execute(self, raise_on_error=True):
        log.append([[_text(a) for a in args] for args, _ in self.command_stack])
        return pipelined(self, raise_on_error)

    redis.client.Redis.execute_command, redis.client.Pipeline.execute = execute_command, execute


def _text(value):
    if isinstance(value, bytes):
        return {"b64": base64.b64encode(value).decode("ascii")}
    return value if isinstance(value, (str, int, float)) else str(value)


class Profiles:
    """With ``BENCH_PROFILE=<folder>``: cProfiles of a one-sided cold start (``cold``) and of the warm
    requests (``ours``, ``bare``), each dumped as ``<folder>/<spec name>[.<which>].pstats``."""

    def __init__(self, spec_path):
        self.folder = os.environ.get("BENCH_PROFILE")
        self.name = os.path.splitext(os.path.basename(spec_path))[0]
        self.profiles = {}

    def run(self, which, call, *args):
        if not self.folder:
            return call(*args)
        import cProfile

        profile = self.profiles.setdefault(which, cProfile.Profile())
        profile.enable()
        try:
            return call(*args)
        finally:
            profile.disable()

    def dump(self):
        for which, profile in self.profiles.items():
            suffix = "" if which == "ours" else f".{which}"
            profile.dump_stats(os.path.join(self.folder, f"{self.name}{suffix}.pstats"))


def main(spec_path):
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    here = os.path.dirname(os.path.abspath(__file__))
    code_dir = spec["code_dir"]
    sys.path[0:0] = spec.get("paths") or [code_dir, os.path.join(code_dir, "python")]
    os.chdir(code_dir)
    worker = load_file("fc_worker", os.path.join(here, "..", "emulator", "fc", "worker.py"))
    context = worker.FCContext(spec["context"])
    events = [base64.b64decode(e) for e in spec["events"]]
    side, rounds = spec["side"], spec.get("rounds", 0)
    redis_log, result, profiles = [], {}, Profiles(spec_path)
    if spec.get("record"):
        record_redis(redis_log)

    def ours(event):
        answer = handler(event, context)
        assert spec["ok"] in str(answer), str(answer)[:500]

    def cold():
        nonlocal handler, bare
        if side in ("ours", "both"):
            handler = worker.load_handler(code_dir, "index.handler")
            ours(events[0])
        if side in ("bare", "both"):
            bare = load_file("bare_calls", os.path.join(here, "bare_calls.py")).Bare(spec["plan"])
            bare.run(events[0], cold=True)

    handler = bare = None
    started = time.perf_counter()
    if side == "both":
        cold()
    else:
        profiles.run("cold", cold)
    result["cold"] = time.perf_counter() - started
    result["redis"] = [list(redis_log)]
    warm = {"ours": [], "bare": []}
    for i in range(1, rounds + 1):
        event = events[i % len(events)]
        del redis_log[:]
        steps = [("ours", ours), ("bare", bare.run)] if side == "both" else [("ours", ours)]
        for name, step in (steps if i % 2 else steps[::-1]):
            t = time.perf_counter()
            profiles.run(name, step, event)
            warm[name].append(time.perf_counter() - t)
        if i == 1:
            result["redis"].append(list(redis_log))
    profiles.dump()
    result.update(warm=warm["ours"], bare=warm["bare"], rss_kb=peak_rss_kb())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])

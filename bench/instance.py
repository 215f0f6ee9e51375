"""One function instance, as FC's python3.10 runtime runs it, for ``bench/functions.py``.

Run as ``python3.10 -I bench/instance.py SPEC.json`` (a file, not ``-m``: it imports nothing of
this repository but what it measures). ``-I`` ignores ``PYTHONPATH``, so the code directory
(FC's ``/code``) and its ``python/`` (s.yaml's ``PYTHONPATH``) are put on ``sys.path`` here.

``SPEC["side"]``:

- ``ours``: the timer starts, ``index.handler`` of the built function is loaded (FC's way, the
  emulator's worker) and serves ``events[0]``: that is the cold start. With ``SPEC["rounds"]``, one
  untimed request (``events[1]``) and that many timed ones follow (warm requests); then the peak
  RSS. ``record`` also writes the Redis commands of the cold and the first timed request.
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
    """Every command redis-py sends, as argument tuples; a pipeline is one entry (one round trip).
    Kept as sent (:func:`as_json` converts them once measured): the recording runs in the timed requests."""
    import redis.client

    plain, pipelined = redis.client.Redis.execute_command, redis.client.Pipeline.execute

    def execute_command(self, *args, **options):
        if not isinstance(self, redis.client.Pipeline):
            log.append([args])
        return plain(self, *args, **options)

    def execute(self, raise_on_error=True):
        log.append([args for args, _ in self.command_stack])
        return pipelined(self, raise_on_error)

    redis.client.Redis.execute_command, redis.client.Pipeline.execute = execute_command, execute


def as_json(commands):
    return [[[_text(a) for a in args] for args in trip] for trip in commands]


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
        if self.profiles:
            os.makedirs(self.folder, exist_ok=True)
        for which, profile in self.profiles.items():
            suffix = "" if which == "ours" else f".{which}"
            profile.dump_stats(os.path.join(self.folder, f"{self.name}{suffix}.pstats"))


class Instance:
    """The function's handler and the bare script, as one spec asks, in this process."""

    def __init__(self, spec, spec_path):
        self.spec, self.side = spec, spec["side"]
        self.here = os.path.dirname(os.path.abspath(__file__))
        self.code_dir = spec["code_dir"]
        sys.path[0:0] = spec.get("paths") or [self.code_dir, os.path.join(self.code_dir, "python")]
        os.chdir(self.code_dir)
        self.worker = load_file("fc_worker", os.path.join(self.here, "..", "emulator", "fc", "worker.py"))
        self.context = self.worker.FCContext(spec["context"])
        self.handler = self.bare = None
        self.redis_log, self.profiles = [], Profiles(spec_path)
        # The bare script replays, in its own database, the Redis commands of a request of ours it
        # has not replayed yet (one ahead, as it goes first every other round): the keys are new to
        # it, so its store does the same work, not a replay's early "already done".
        self.unreplayed = []
        self.recording = bool(spec.get("record")) or self.side == "both"
        if self.recording:
            record_redis(self.redis_log)

    def cold(self, event):
        if self.side in ("ours", "both"):
            self.handler = self.worker.load_handler(self.code_dir, "index.handler")
            self.ours(event)
        if self.side in ("bare", "both"):
            self.bare = load_file("bare_calls", os.path.join(self.here, "bare_calls.py")).Bare(self.spec["plan"])
            self.bare.run(event, cold=True)

    def ours(self, event):
        answer = self.handler(event, self.context)
        assert self.spec["ok"] in str(answer), str(answer)[:500]

    def ours_recorded(self, event):
        del self.redis_log[:]
        self.ours(event)
        if self.recording:
            self.unreplayed.append(list(self.redis_log))

    def theirs(self, event):
        self.bare.run(event, redis=self.unreplayed.pop(0))

    def warm_rounds(self, events, rounds, result):
        """``rounds`` warm requests (each side going first every other round, when both run), timed."""
        if rounds:
            self.ours_recorded(events[1])  # the one ahead: every warm instance makes it, so counts compare
        warm = {"ours": [], "bare": []}
        steps = [("ours", self.ours_recorded), ("bare", self.theirs)] if self.side == "both" else \
            [("ours", self.ours_recorded)]
        for i in range(1, rounds + 1):
            event = events[(i + 1) % len(events)]
            for name, step in (steps if i % 2 else steps[::-1]):
                t = time.perf_counter()
                self.profiles.run(name, step, event)
                warm[name].append(time.perf_counter() - t)
            if i == 1 and self.recording:
                result["redis"].append(as_json(self.unreplayed[-1]))
        return warm


def main(spec_path):
    with open(spec_path, encoding="utf-8") as file:
        spec = json.load(file)
    instance = Instance(spec, spec_path)
    events = [base64.b64decode(e) for e in spec["events"]]
    started = time.perf_counter()
    if instance.side == "both":
        instance.cold(events[0])
    else:
        instance.profiles.run("cold", instance.cold, events[0])
    result = {"cold": time.perf_counter() - started, "redis": [as_json(instance.redis_log)]}
    warm = instance.warm_rounds(events, spec.get("rounds", 0), result)
    instance.profiles.dump()
    result.update(warm=warm["ours"], bare=warm["bare"], rss_kb=peak_rss_kb())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])

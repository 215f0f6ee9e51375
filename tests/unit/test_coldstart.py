"""Each function imports and serves its first request without the cyclic GC, then turns it back on.

Each case runs in a fresh interpreter: the collector's state is process-wide.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/index.py"))

# Loads index.py as FC's runtime does, then serves two requests that each function answers
# without Aliyun or a store (a body that is not JSON).
SERVE_TWICE = """
import gc, importlib.util, json, sys
code_dir = sys.argv[1]
sys.path[:0] = [code_dir, sys.argv[2]]
spec = importlib.util.spec_from_file_location("index", code_dir + "/index.py")
index = importlib.util.module_from_spec(spec)
spec.loader.exec_module(index)
seen = {"imported": gc.isenabled()}
index.handler(b"{", None)
seen["first"], seen["frozen"] = gc.isenabled(), gc.get_freeze_count()
index.handler(b"{", None)
seen["second"] = gc.isenabled()
print(json.dumps(seen))
"""


def run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "SMS_ALIYUN_ENDPOINT": "http://127.0.0.1:1"}, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_collector_is_off_until_the_first_request_is_over(function):
    seen = run(SERVE_TWICE, str(ROOT / "functions" / function), str(ROOT))
    assert seen["imported"] is False  # index.py paused it before importing shared, pydantic, the SDKs
    assert seen["first"] is True and seen["second"] is True
    assert seen["frozen"] > 10_000  # what the cold start made is in the permanent generation


def test_a_host_that_turned_the_collector_off_keeps_it_off():
    seen = run("""
import gc, json
from shared.fc import coldstart
gc.disable()
coldstart.pause(); coldstart.resume()
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
""")
    assert seen == {"enabled": False, "frozen": 0}


def test_resume_turns_it_back_on_once_and_only_after_pause():
    seen = run("""
import gc, json
from shared.fc import coldstart
coldstart.resume()
untouched = gc.get_freeze_count()
coldstart.pause()
paused = gc.isenabled()
coldstart.resume()
frozen = gc.get_freeze_count()
gc.disable(); coldstart.resume()  # a second resume does not undo what came after the first
print(json.dumps({"untouched": untouched, "paused": paused, "frozen": frozen > 0, "after": gc.isenabled()}))
""")
    assert seen == {"untouched": 0, "paused": False, "frozen": True, "after": False}
